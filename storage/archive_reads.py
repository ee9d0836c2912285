"""The archive's read side of the store: pages, versions, texts, events and checks, as plain
records (:mod:`storage.results`). :class:`storage.store.Store` inherits these methods."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import case, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from pipeline.tables import Table
from pipeline.urls import page_key
from profilewatch.errors import CapturePruned, NotFoundError, StoreUnavailable
from storage import tables as stored_tables
from storage.blobstore import read_blob
from storage.documents import DOCUMENT, linked_from
from storage.models import CheckRow, EventRow, PageRow, SourceRow, VersionRow
from storage.results import EventInfo, VersionInfo
from storage.sessions import StoreSessions, first_line
from storage.verify import VerifyReport, verify_store

# What ``changes`` reads of an event: the details only of ``content`` events (their changed table
# cells are part of the listing; decoding every event's details took a third of the read).
EVENT_COLUMNS = (EventRow.id, EventRow.kind, EventRow.detected_at, EventRow.from_version,
                 EventRow.to_version, EventRow.last_modified_before, EventRow.last_modified_after,
                 EventRow.title, EventRow.summary, EventRow.lines_added, EventRow.lines_removed,
                 case((EventRow.kind == "content", EventRow.details)).label("details"))


class ArchiveReads(StoreSessions):
    """Read methods of the archive (web, reports, citations, WARC, CLI queries)."""

    def _page(self, s: Session, url: str) -> tuple[PageRow, str]:
        candidates = [url]
        if url.endswith("/"):
            candidates.append(url.rstrip("/"))
        else:
            candidates.append(url + "/")
        for candidate in candidates:
            row = s.execute(select(PageRow, SourceRow.name)
                            .join(SourceRow, PageRow.source_id == SourceRow.id)
                            .where(PageRow.url == candidate)).first()
            if row is not None:
                return row[0], row[1]
        # another spelling of a watched page (http/https, www, case, tracking parameters …):
        # compare identities among the pages of the same host
        try:
            key = page_key(url)
            host = urlsplit(url).hostname or ""
        except ValueError:
            raise NotFoundError(f"{url} is not a URL") from None
        rows = s.execute(select(PageRow, SourceRow.name)
                         .join(SourceRow, PageRow.source_id == SourceRow.id)
                         .where(PageRow.url.contains(host.removeprefix("www.")))).all()
        matches = [(page, name) for page, name in rows if page_key(page.url) == key]
        if len(matches) == 1:
            return matches[0][0], matches[0][1]
        raise NotFoundError(f"{url} is not a watched page (see `profilewatch sources`)")

    def has_page(self, url: str) -> bool:
        with self.session() as s:
            try:
                self._page(s, url)
            except NotFoundError:
                return False
            return True

    def history(self, url: str) -> list[VersionInfo]:
        """Every version of the page, oldest first (``[]`` for a watched page with none yet)."""
        with self.session() as s:
            page, source = self._page(s, url)
            organisation = s.get(SourceRow, page.source_id).organisation  # type: ignore[union-attr]
            rows = s.scalars(select(VersionRow).where(VersionRow.page_id == page.id)
                             .order_by(VersionRow.number)).all()
            return [_version_info(page.url, source, organisation, v) for v in rows]

    def version(self, url: str, number: int | None = None, at: datetime | None = None) -> VersionInfo:
        """Version ``number``, or the one live at ``at`` (latest at or before), or the latest."""
        with self.session() as s:
            page, source = self._page(s, url)
            organisation = s.get(SourceRow, page.source_id).organisation  # type: ignore[union-attr]
            query = select(VersionRow).where(VersionRow.page_id == page.id)
            if number is not None:
                query = query.where(VersionRow.number == number)
            if at is not None:
                # times are compared to the second (the precision users and Memento see):
                # a version fetched at 12:00:00.700 is live "at 12:00:00"
                bound = at.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
                query = query.where(VersionRow.fetched_at < bound)
            row = s.scalars(query.order_by(VersionRow.number.desc()).limit(1)).first()
            if row is None:
                raise NotFoundError(_no_version_message(s, page, number, at))
            return _version_info(page.url, source, organisation, row)

    def text(self, version: VersionInfo) -> str:
        with self.session() as s:
            return read_blob(s, version.content_sha256).decode("utf-8")

    def body(self, version: VersionInfo) -> bytes:
        """The raw capture; :class:`CapturePruned` when ``prune`` dropped it."""
        if version.capture_pruned_at is not None:
            raise CapturePruned(version.url, version.version, version.capture_pruned_at)
        with self.session() as s:
            return read_blob(s, version.body_sha256)

    def tables(self, version: VersionInfo, ignores: Sequence[str] = ()) -> tuple[Table, ...]:
        """The data tables of a version's main text (see :mod:`storage.tables`); computed from the
        capture, and kept, for a version recorded before tables were stored."""
        with self._write() as s:
            return stored_tables.tables_of(s, version.url, version.version, ignores=ignores)

    def headers(self, version: VersionInfo) -> dict[str, str]:
        with self.session() as s:
            page, _ = self._page(s, version.url)
            row = s.scalars(select(VersionRow).where(VersionRow.page_id == page.id,
                                                     VersionRow.number == version.version)).one()
            return dict(row.headers or {})

    def events(self, *, since: datetime | None = None, url: str | None = None,
               kind: str | None = None, source: str | None = None, after_id: int | None = None,
               limit: int | None = None) -> list[EventInfo]:
        """Change events, oldest first (by id: increasing and unique). ``details`` is read for
        ``content`` events only (the reports read every event's: :mod:`storage.reporting`).

        Columns, not ORM objects, and the linking pages read for the documents among them only:
        100,000 events are read in about a second."""
        with self.session() as s:
            query = (select(*EVENT_COLUMNS, PageRow.url, PageRow.kind.label("page_kind"),
                            SourceRow.name, SourceRow.organisation)
                     .join(PageRow, EventRow.page_id == PageRow.id)
                     .join(SourceRow, PageRow.source_id == SourceRow.id))
            if since is not None:
                query = query.where(EventRow.detected_at >= since)
            if url is not None:
                page, _ = self._page(s, url)
                query = query.where(EventRow.page_id == page.id)
            if kind is not None:
                query = query.where(EventRow.kind == kind)
            if source is not None:
                query = query.where(SourceRow.name == source)
            if after_id is not None:
                query = query.where(EventRow.id > after_id)
            query = query.order_by(EventRow.id)
            if limit is not None:
                query = query.limit(limit)
            rows = s.connection().execute(query).all()     # Core: no ORM row processing
            documents = linked_from(s, list({row[12] for row in rows if row[13] == DOCUMENT}))
            return [EventInfo(id, page_url, name, kind, detected_at, from_version, to_version,
                              before, after, title, summary, added, removed, dict(details or {}),
                              organisation, page_url in documents,
                              tuple(documents.get(page_url, ())))
                    for (id, kind, detected_at, from_version, to_version, before, after, title,
                         summary, added, removed, details, page_url, _, name, organisation)
                    in rows]

    def linked_from(self, urls: Sequence[str]) -> dict[str, list[str]]:
        """The linking pages of each document among ``urls`` (pages are absent; issue 15)."""
        with self.session() as s:
            return linked_from(s, urls)

    def checks(self, url: str, limit: int = 100) -> list[dict[str, Any]]:
        with self.session() as s:
            page, _ = self._page(s, url)
            rows = s.scalars(select(CheckRow).where(CheckRow.page_id == page.id)
                             .order_by(CheckRow.id.desc()).limit(limit)).all()
            return [{"fetched_at": c.fetched_at, "http_status": c.http_status,
                     "outcome": c.outcome, "reason": c.reason, "final_url": c.final_url,
                     "duration_ms": c.duration_ms} for c in rows]

    def sources(self) -> list[dict[str, Any]]:
        """Every stored source: name, spider, organisation and page count."""
        with self.session() as s:
            rows = s.execute(select(SourceRow, func.count(PageRow.id))
                             .outerjoin(PageRow, PageRow.source_id == SourceRow.id)
                             .group_by(SourceRow.id).order_by(SourceRow.name)).all()
        return [{"name": r.name, "spider": r.spider, "organisation": r.organisation,
                 "pages": int(n)} for r, n in rows]

    def latest_versions(self) -> dict[str, VersionInfo]:
        """Each page's latest version by page URL, in one query (pages without one are absent)."""
        with self.session() as s:
            latest = (select(VersionRow.page_id, func.max(VersionRow.number).label("n"))
                      .group_by(VersionRow.page_id).subquery())
            rows = s.execute(
                select(VersionRow, PageRow.url, SourceRow.name, SourceRow.organisation)
                .join(latest, (latest.c.page_id == VersionRow.page_id)
                      & (latest.c.n == VersionRow.number))
                .join(PageRow, PageRow.id == VersionRow.page_id)
                .join(SourceRow, PageRow.source_id == SourceRow.id)).all()
        return {url: _version_info(url, name, org, v) for v, url, name, org in rows}

    def verify(self) -> VerifyReport:
        """Recompute every blob digest and every page's hash chain (see :mod:`storage.verify`)."""
        with self.session() as s:
            try:
                return verify_store(s)
            except OperationalError as error:
                raise StoreUnavailable(f"store {self.url}: {first_line(error)}") from None


def _version_info(url: str, source: str, organisation: str | None, v: VersionRow) -> VersionInfo:
    return VersionInfo(
        url=url, version=v.number, fetched_at=v.fetched_at, content_sha256=v.content_sha256,
        body_sha256=v.body_sha256, last_modified=v.declared_value,
        last_modified_text=v.declared_text, last_modified_kind=v.declared_kind, title=v.title,
        http_status=v.http_status, final_url=v.final_url, language=v.language,
        content_type=v.content_type, chain_sha256=v.chain_sha256, source=source,
        organisation=(v.meta or {}).get("organisation") or organisation,
        metadata=dict(v.meta or {}), headings=tuple(v.headings or ()),
        capture_pruned_at=v.capture_pruned_at)


def _no_version_message(s: Session, page: PageRow, number: int | None, at: datetime | None) -> str:
    if number is not None:
        return f"{page.url} has no version {number}"
    if at is not None:
        first = s.scalars(select(VersionRow.fetched_at).where(VersionRow.page_id == page.id)
                          .order_by(VersionRow.number).limit(1)).first()
        when = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        if first is None:
            return f"{page.url} has no version yet"
        return (f"{page.url} has no version at or before {when} "
                f"(first captured {first.strftime('%Y-%m-%dT%H:%M:%SZ')})")
    return f"{page.url} has no version yet"
