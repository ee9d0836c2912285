"""Watching and unwatching pages through the HTTP API (issue 8).

A page added through the API becomes a page of its source like a discovered one
(``discovered_via = "api"``). Removing a page sets ``watched`` to false: its versions, checks and
events stay in the archive and stay citable, but runs stop checking it (``known_urls`` skips it)
and discovery does not bring it back. Adding it again watches it again.

One page is one page: a URL spelled differently from a stored page (scheme, ``www``, trailing
slash, tracking parameters; see :func:`pipeline.urls.page_key`) is that page, under its stored
spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.urls import page_key
from profilewatch.errors import NotFoundError
from storage.models import PageRow, SourceRow

ABSENT, WATCHED, UNWATCHED = "absent", "watched", "unwatched"


@dataclass(frozen=True, slots=True)
class WatchChange:
    """What adding or removing a page did."""

    url: str          # the page's URL as stored (an existing page keeps its spelling)
    source: str       # the source the page belongs to (another one than asked: nothing changed)
    before: str       # ``absent``, ``watched`` or ``unwatched``
    watched: bool     # after the change

    def as_json(self) -> dict[str, object]:
        return {"url": self.url, "source": self.source, "before": self.before,
                "watched": self.watched}


def _key(url: str) -> str | None:
    try:
        return page_key(url)
    except ValueError:
        return None


def _find(session: Session, url: str) -> tuple[PageRow, str] | None:
    """The stored page ``url`` is (exact spelling first, then by page key), with its source."""
    query = select(PageRow, SourceRow.name).join(SourceRow, PageRow.source_id == SourceRow.id)
    row = session.execute(query.where(PageRow.url == url)).first()
    if row is not None:
        return row[0], row[1]
    key = _key(url)
    if key is None:
        return None
    for page, name in session.execute(query.order_by(PageRow.id)):
        if _key(page.url) == key:
            return page, name
    return None


def _state(page: PageRow) -> str:
    return WATCHED if page.watched else UNWATCHED


def watch_page(session: Session, source: str, url: str, now: datetime) -> WatchChange:
    """Watch ``url`` as a page of ``source`` (which must be stored); a page of another source is
    left alone and reported as that source's."""
    found = _find(session, url)
    if found is not None:
        page, owner = found
        before = _state(page)
        if owner == source:
            page.watched = True
        return WatchChange(page.url, owner, before, page.watched)
    source_id = session.scalars(select(SourceRow.id).where(SourceRow.name == source)).first()
    if source_id is None:
        raise NotFoundError(f"no source named {source!r} in the store")
    session.add(PageRow(source_id=source_id, url=url, discovered_at=now, discovered_via="api",
                        last_listed_at=now, info={}, watched=True))
    session.flush()
    return WatchChange(url, source, ABSENT, True)


def unwatch_page(session: Session, source: str, url: str) -> WatchChange:
    """Stop checking the page ``url`` of ``source``; its archive is kept."""
    found = _find(session, url)
    if found is None or found[1] != source:
        raise NotFoundError(f"{url} is not a page of source {source!r}")
    page, _ = found
    before = _state(page)
    page.watched = False
    return WatchChange(page.url, source, before, False)


def unwatched_urls(session: Session, source: str) -> set[str]:
    """The pages of ``source`` removed through the API."""
    return set(session.scalars(
        select(PageRow.url).join(SourceRow, PageRow.source_id == SourceRow.id)
        .where(SourceRow.name == source, PageRow.watched.is_(False))))


def retire_pages(session: Session, source: str, urls: list[str]) -> list[str]:
    """Stop watching the pages of ``urls`` that discovery found and that never had a version (a
    link to a page that does not exist, answered 404/410 ``gone_after`` times); configured and
    API-added pages, and pages with an archive, stay. Returns the URLs retired."""
    if not urls:
        return []
    from storage.models import VersionRow

    has_version = select(VersionRow.id).where(VersionRow.page_id == PageRow.id).exists()
    pages = session.scalars(
        select(PageRow).join(SourceRow, PageRow.source_id == SourceRow.id)
        .where(SourceRow.name == source, PageRow.url.in_(urls), PageRow.watched.is_(True),
               PageRow.discovered_via == "discovery", ~has_version)).all()
    for page in pages:
        page.watched = False
    return sorted(page.url for page in pages)
