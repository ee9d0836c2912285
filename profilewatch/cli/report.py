"""``profilewatch report``: the change report on stdout, an Atom feed, or a delivery resent."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

from profilewatch.cli.app import App, pass_app
from profilewatch.cli.output import notice, print_json
from profilewatch.config import EVENT_KINDS
from profilewatch.errors import NotFoundError, UsageError
from profilewatch.timeutil import format_time, parse_user_time

if TYPE_CHECKING:
    from profilewatch.reports.model import Report

REPORT_FORMATS = ("text", "markdown", "html", "json", "atom")
# Without --since, a report covers this much time back (a week of daily runs).
DEFAULT_SPAN = timedelta(days=7)


@click.command()
@click.option("--since", metavar="ISO", help="Changes detected at or after this time (default: "
              "the last 7 days).")
@click.option("--until", metavar="ISO", help="Changes detected before this time.")
@click.option("--source", metavar="NAME", help="Only this source.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(EVENT_KINDS),
              help="Only changes of this kind (repeatable).")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text",
              show_default=True, help="Report format (atom: the feed of the latest changes).")
@click.option("--style", default="apa", show_default=True, metavar="STYLE",
              help="Citation style: apa, mla, chicago, bibtex, csl-json.")
@click.option("--send", is_flag=True, help="Also deliver the report to the configured targets.")
@click.option("--resend", "resend_id", type=int, metavar="ID",
              help="Send delivery ID's report again to its target.")
@click.option("--deliveries", is_flag=True,
              help="List recent deliveries (with --format json: a JSON array).")
@pass_app
def report(app: App, since: str | None, until: str | None, source: str | None,
           kinds: tuple[str, ...], fmt: str, style: str, send: bool, resend_id: int | None,
           deliveries: bool) -> None:
    """The change report of a period on stdout: changes by section, diffs, citations, failing and
    recovered pages."""
    from profilewatch.citation import STYLES

    if style not in STYLES:
        raise UsageError(f"unknown citation style {style!r} (styles: {', '.join(STYLES)})")
    if resend_id is not None:
        _resend(app, resend_id)
        return
    if deliveries:
        _list_deliveries(app, as_json=fmt == "json")
        return
    if source is not None:
        app.config.source(source)          # an unknown source is a usage error, named
    since_at = parse_user_time(since) if since else datetime.now(UTC) - DEFAULT_SPAN
    until_at = parse_user_time(until) if until else None
    base_url = app.config.serve.public_url
    if fmt == "atom":
        _atom(app, source, base_url, since if since else None)
        return
    from profilewatch.reports.build import build_report
    from profilewatch.reports.formats import render
    from profilewatch.reports.model import Report
    from storage.reporting import ReportWindow

    scope = f"since {format_time(since_at)}" + (f" until {format_time(until_at)}" if until_at else "")
    scope += f" · {source}" if source else ""
    if app.store_exists():
        built = build_report(app.store(), ReportWindow(since=since_at, until=until_at, source=source),
                             scope=scope, kinds=kinds or EVENT_KINDS, base_url=base_url,
                             style=style)
    else:
        built = Report(datetime.now(UTC).replace(microsecond=0), scope, archive_url=base_url)
    sys.stdout.write(render(built, fmt))
    if send:
        _send(app, built)


def _atom(app: App, source: str | None, base_url: str | None, since: str | None) -> None:
    from profilewatch.reports.atom import atom_feed
    from storage.store import Store

    store = app.store() if app.store_exists() else Store.open("sqlite://")
    feed = atom_feed(store, source=source, base_url=base_url,
                     since=parse_user_time(since) if since else None)
    sys.stdout.buffer.write(feed)
    sys.stdout.buffer.flush()


def _send(app: App, built: Report) -> None:
    from profilewatch.reports.digest import configured_targets, send_report

    targets = configured_targets(app.config)
    if not targets:
        raise UsageError("no notify targets configured ([reports] notify or a source's notify)")
    if built.empty:
        notice("nothing to send: the report is empty")
        return
    results = send_report(app.config, app.store(), built, targets)
    for result in results:
        notice(f"delivery {result.delivery_id} to {result.target}: "
               + ("ok" if result.ok else f"failed ({result.error})"))
    if any(not r.ok for r in results):
        sys.exit(1)


def _resend(app: App, delivery_id: int) -> None:
    from profilewatch.reports.digest import resend

    if not app.store_exists():
        raise NotFoundError(f"no delivery {delivery_id} (no store at {app.db_url})")
    result = resend(app.config, app.store(), delivery_id)
    status = "ok" if result.ok else f"failed after {result.attempts} attempts: {result.error}"
    click.echo(f"delivery {delivery_id} resent to {result.target} as delivery "
               f"{result.delivery_id}: {status}")
    if not result.ok:
        sys.exit(1)


def _list_deliveries(app: App, as_json: bool) -> None:
    rows = app.store().deliveries() if app.store_exists() else []
    if as_json:
        print_json([{"id": d.id, "created_at": format_time(d.created_at), "run_id": d.run_id,
                     "target": d.target, "ok": d.ok, "error": d.error, "attempts": d.attempts,
                     "subject": d.subject, "event_ids": d.event_ids} for d in rows])
        return
    if not rows:
        click.echo("no deliveries")
    for d in rows:
        status = "ok" if d.ok else f"FAILED ({d.error})"
        click.echo(f"#{d.id} {format_time(d.created_at)} {d.target} — {status} — {d.subject or ''}")


COMMANDS = [report]
