"""Atom feed of change events (``/feed.atom``, ``/feed/{source}.atom``, ``report --format atom``).

Newest first. Each entry links the archived version (the memento URL when ``[serve] public_url``
is configured, else the live page, which the entry's content links in any case), names the
organisation as author and the kind as category, and carries the one-line summary plus the
change as HTML (sections changed, word-level diff excerpt, citation).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

from profilewatch import __version__
from profilewatch.reports.build import change_from_event
from profilewatch.reports.formats import KIND_LABELS, clean
from profilewatch.reports.model import Change
from profilewatch.reports.render_html import change_html
from storage.reporting import ReportWindow
from storage.store import Store


def _tag(base_url: str | None, day: datetime, specific: str) -> str:
    """A ``tag:`` URI (RFC 4151): stable, unique per installation when a public URL is set."""
    authority = (urlsplit(base_url).hostname if base_url else None) or "profilewatch"
    return f"tag:{authority},{day.strftime('%Y-%m-%d')}:{specific}"


def _title(change: Change) -> str:
    return (f"{clean(change.who)}: {clean(change.title) or change.url} "
            f"({KIND_LABELS.get(change.kind, change.kind)})")


def atom_feed(store: Store, *, source: str | None = None, base_url: str | None = None,
              limit: int = 100, since: datetime | None = None) -> bytes:
    """The feed of the latest ``limit`` events (of ``source``, or all), as UTF-8 XML."""
    events = store.window_events(ReportWindow(since=since, source=source), newest_first=True,
                                 limit=limit)
    changes = [change_from_event(store, e, base_url=base_url) for e in events]
    feed = FeedGenerator()
    name = f"/feed/{source}.atom" if source else "/feed.atom"
    first_day = min((c.detected_at for c in changes), default=datetime(2024, 1, 1, tzinfo=UTC))
    feed.id(f"{base_url.rstrip('/')}{name}" if base_url else
            _tag(None, first_day, f"feed/{source or 'all'}"))
    feed.title(f"profilewatch: changes{f' of {source}' if source else ''}")
    feed.subtitle("Changes to watched pages: new, content, metadata-only and gone")
    feed.generator("profilewatch", version=__version__)
    feed.author({"name": "profilewatch"})
    if base_url:
        feed.link(href=f"{base_url.rstrip('/')}{name}", rel="self", type="application/atom+xml")
        feed.link(href=base_url, rel="alternate")
    feed.updated(changes[0].detected_at if changes else datetime.now(UTC))
    for change in changes:
        entry = feed.add_entry(order="append")
        entry.id(_tag(base_url, change.detected_at, f"event/{change.event_id}"))
        entry.title(_title(change))
        entry.updated(change.detected_at)
        entry.published(change.detected_at)
        entry.author({"name": clean(change.who)})
        entry.category(term=change.kind, label=KIND_LABELS.get(change.kind, change.kind))
        # one link per entry: feedgen 1.0 drops the ``rel`` of entry links, so a second one
        # (the live page) would read as another alternate; the content links the live page
        entry.link(href=change.archived_after or change.archived_before or change.url)
        entry.summary(clean(change.summary))
        entry.content(change_html(change), type="html")
    xml: bytes = feed.atom_str(pretty=True)
    return xml
