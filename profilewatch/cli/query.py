"""Read-only commands over the archive: ``sources``, ``changes``, ``history``, ``show``, ``diff``."""

from __future__ import annotations

import sys
from typing import Any

import click

from pipeline.diff import diff_texts, summarize_diff, unified_diff
from profilewatch.cli.app import App, pass_app
from profilewatch.cli.output import print_json, shorten
from profilewatch.config import EVENT_KINDS
from profilewatch.diffs.export import diff_as_html, diff_as_json
from profilewatch.errors import NotFoundError, UsageError
from profilewatch.timeutil import format_time, parse_user_time
from storage.requisites import RequisiteStore
from storage.results import VersionInfo, iso


@click.command()
@click.option("--json", "as_json", is_flag=True, help="A JSON array on stdout.")
@pass_app
def sources(app: App, as_json: bool) -> None:
    """Each source with its spider, schedule and the pages it watches."""
    config = app.config
    stored: dict[str, list[Any]] = {}
    if app.store_exists():
        for page in app.store().pages():
            stored.setdefault(page.source, []).append(page)
    out: list[dict[str, Any]] = []
    for source in config.sources:
        pages: list[dict[str, Any]] = [{"url": u, "via": "config"} for u in source.urls]
        known = set(source.urls)
        for info in stored.get(source.name, []):
            if info.url in known or not info.watched:   # removed through the API: archive only
                continue
            pages.append({"url": info.url, "via": info.discovered_via,
                          "discovered_at": iso(info.discovered_at), **info.info})
        out.append({"name": source.name, "spider": source.spider,
                    "schedule": source.schedule.text, "organisation": source.organisation,
                    "max_pages": source.max_pages, "pages": pages})
    if as_json:
        print_json(out)
        return
    for entry in out:
        click.echo(f"{entry['name']}  spider={entry['spider']}  schedule={entry['schedule']}  "
                   f"pages={len(entry['pages'])}")
        for page in entry["pages"]:
            click.echo(f"  {page['url']}" + ("" if page["via"] == "config" else f"  ({page['via']})"))


@click.command()
@click.option("--since", metavar="ISO", help="Only events detected at or after this time.")
@click.option("--url", metavar="URL", help="Only events of this page.")
@click.option("--kind", type=click.Choice(EVENT_KINDS), help="Only events of this kind.")
@click.option("--source", metavar="NAME", help="Only events of this source.")
@click.option("--after-id", type=click.IntRange(min=0), metavar="ID",
              help="Only events after the event ID (the last one of the previous page).")
@click.option("--limit", type=click.IntRange(min=1), metavar="N",
              help="At most N events (the oldest; page on with --after-id).")
@click.option("--json", "as_json", is_flag=True, help="A JSON array on stdout.")
@pass_app
def changes(app: App, since: str | None, url: str | None, kind: str | None, source: str | None,
            after_id: int | None, limit: int | None, as_json: bool) -> None:
    """Change events, oldest first."""
    since_at = parse_user_time(since) if since else None
    events = []
    if app.store_exists():
        store = app.store()
        if url is not None and not store.has_page(url):
            if not _is_watched(app, url):
                raise NotFoundError(f"{url} is not a watched page (see `profilewatch sources`)")
        else:
            events = store.events(since=since_at, url=url, kind=kind, source=source,
                                  after_id=after_id, limit=limit)
    else:
        app.note_missing_store()
    if as_json:
        print_json([e.as_json() for e in events])
        return
    if not events:
        click.echo("no changes")
    for e in events:
        versions = f"v{e.from_version or '-'}→v{e.to_version or '-'}"
        click.echo(f"#{e.id} {format_time(e.detected_at)} {e.kind:<8} {versions:<9} {e.url}")
        click.echo(f"    {shorten(e.title, 80)} — {e.summary}")


def _is_watched(app: App, url: str) -> bool:
    try:
        return app.is_configured_url(url)
    except Exception:  # a broken config must not hide the archive
        return False


def _history(app: App, url: str) -> list[VersionInfo]:
    if app.store_exists():
        store = app.store()
        if store.has_page(url):
            return store.history(url)
    else:
        app.note_missing_store()
    if _is_watched(app, url):
        return []
    raise NotFoundError(f"{url} is not a watched page (see `profilewatch sources`)")


@click.command()
@click.argument("url")
@click.option("--json", "as_json", is_flag=True, help="A JSON array on stdout.")
@pass_app
def history(app: App, url: str, as_json: bool) -> None:
    """Every stored version of a page, oldest first."""
    versions = _history(app, url)
    if as_json:
        print_json([v.as_json() for v in versions])
        return
    if not versions:
        click.echo(f"{url}: no version yet")
    for v in versions:
        declared = f"  declared {v.last_modified_text}" if v.last_modified_text else ""
        click.echo(f"v{v.version}  {format_time(v.fetched_at)}  {v.content_sha256[:12]}  "
                   f"{shorten(v.title, 60)}{declared}")


def _version(app: App, url: str, number: int | None, at: str | None) -> VersionInfo:
    if number is not None and at is not None:
        raise UsageError("give --at or --version, not both")
    if not app.store_exists():
        raise NotFoundError(f"{url} has no version yet (no store at {app.db_url})")
    return app.store().version(url, number=number,
                               at=parse_user_time(at) if at is not None else None)


@click.command()
@click.argument("url")
@click.option("--at", metavar="TIME", help="The version live at TIME (latest captured at or before).")
@click.option("--version", "number", type=int, metavar="N", help="Version N.")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "raw", "json"]), default="text",
              show_default=True, help="html: the page as it looked, one self-contained file (its "
              "archived stylesheets, images and fonts inlined, scripts removed); raw: the archived "
              "bytes (a document's file; JSON names its content_type).")
@pass_app
def show(app: App, url: str, at: str | None, number: int | None, fmt: str) -> None:
    """A page or document as archived: its main text, the page as it looked (HTML), its raw bytes
    or file, or JSON."""
    version = _version(app, url, number, at)
    store = app.store()
    if fmt in ("html", "raw"):
        body = store.body(version)
        content_type = store.headers(version).get("content-type") or version.content_type
        if fmt == "html" and not version.metadata.get("document"):
            from profilewatch.web.requisites import offline_page  # the replay's rewrite

            body = offline_page(store, version, body, content_type)
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return
    text = store.text(version)
    if fmt == "json":
        listing = RequisiteStore(store).listing(version.url, version.version)
        print_json({"url": version.url, **version.as_json(), "source": version.source,
                    "content_type": version.content_type,
                    "document": bool(version.metadata.get("document")),
                    "metadata": version.metadata, "text": text,
                    "requisites": [c.as_json() for c in listing]})
        return
    click.echo(text)


@click.command()
@click.argument("url")
@click.option("--from", "from_n", type=int, metavar="N", help="Old version (default: next to last).")
@click.option("--to", "to_n", type=int, metavar="M", help="New version (default: the last).")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "json"]), default="text",
              show_default=True)
@pass_app
def diff(app: App, url: str, from_n: int | None, to_n: int | None, fmt: str) -> None:
    """What changed between two versions (default: the last two)."""
    versions = _history(app, url)
    if not versions:
        raise NotFoundError(f"{url} has no version yet")
    numbers = [v.version for v in versions]
    to_n = to_n if to_n is not None else numbers[-1]
    if from_n is None:
        earlier = [n for n in numbers if n < to_n]
        if not earlier:
            raise NotFoundError(f"{url} has no version before v{to_n} to compare with")
        from_n = earlier[-1]
    by_number = {v.version: v for v in versions}
    for n in (from_n, to_n):
        if n not in by_number:
            raise NotFoundError(f"{url} has no version {n} (versions 1-{numbers[-1]})")
    store = app.store()
    old, new = by_number[from_n], by_number[to_n]
    old_text, new_text = store.text(old), store.text(new)
    text_diff = diff_texts(old_text, new_text, frozenset(old.headings) | frozenset(new.headings))
    if fmt == "json":
        print_json(diff_as_json(old, new, old_text, new_text, text_diff))
    elif fmt == "html":
        click.echo(diff_as_html(old, new, old_text, new_text, text_diff))
    else:
        click.echo(f"{url}: v{from_n} ({format_time(old.fetched_at)}) → "
                   f"v{to_n} ({format_time(new.fetched_at)})")
        click.echo(summarize_diff(text_diff))
        if old.last_modified_text != new.last_modified_text:
            click.echo(f"declared date: {old.last_modified_text or 'none'} → "
                       f"{new.last_modified_text or 'none'}")
        if old.title != new.title:
            click.echo(f"title: {old.title or 'none'} → {new.title or 'none'}")
        body = unified_diff(old_text, new_text, f"v{from_n}", f"v{to_n}")
        if body:
            click.echo(body)


COMMANDS = [sources, changes, history, show, diff]
