"""The store API: the only door to the database.

Callers get plain records (:mod:`storage.results`); sessions and queries stay in this package.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from pipeline.types import PageState
from profilewatch.errors import NotFoundError, StoreUnavailable
from storage import documents, reporting, runstate, watching
from storage.archive_reads import ArchiveReads
from storage.engine import make_engine, migrate
from storage.models import PageRow, RunRow, SourceRow, VersionRow
from storage.process_locks import HeldLock, try_lock
from storage.prune import PruneSummary, prune_captures
from storage.recording import load_states, record_batch
from storage.results import (
    CheckInput,
    EventInfo,
    PageInfo,
    RecordOutcome,
    RunInfo,
)
from storage.runstate import SourceRuns
from storage.sessions import ConcurrentWrite, first_line, utcnow

logger = logging.getLogger(__name__)


# Pages written per flush when a source's configured or discovered pages are recorded.
PAGES_PER_FLUSH = 1000
# Rows fetched at a time when a source's page URLs are streamed (about 100 KB of URLs).
URLS_PER_READ = 1000


class Store(ArchiveReads):
    """A versioned page store on SQLite or PostgreSQL: sources and pages, runs and recording here;
    the archive's reads in :mod:`storage.archive_reads`; sessions in :mod:`storage.sessions`."""

    @classmethod
    def open(cls, url: str) -> Store:
        """Open (creating or migrating as needed); raises :class:`StoreUnavailable`."""
        engine = make_engine(url)
        try:
            migrate(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    # --- sources and pages ----------------------------------------------------------------------

    def sync_sources(self, sources: Iterable[Any]) -> None:
        """Create or update the configured sources and their configured pages."""
        now = utcnow()
        with self._write() as s:
            for source in sources:
                row = s.scalars(select(SourceRow).where(SourceRow.name == source.name)).first()
                if row is None:
                    row = SourceRow(name=source.name, spider=source.spider,
                                    organisation=source.organisation, created_at=now)
                    s.add(row)
                    s.flush()
                else:
                    row.spider = source.spider
                    row.organisation = source.organisation
                self._add_pages(s, row, source.urls, now, via="config", info=None)

    def add_pages(self, source: str, urls: Sequence[str], *, via: str = "discovery",
                  info: dict[str, dict[str, Any]] | None = None) -> int:
        """Record discovered pages (existing ones are marked as listed again); returns new ones."""
        now = utcnow()
        with self._write() as s:
            row = s.scalars(select(SourceRow).where(SourceRow.name == source)).one()
            return self._add_pages(s, row, urls, now, via=via, info=info)

    @staticmethod
    def _add_pages(s: Session, source: SourceRow, urls: Sequence[str], now: datetime, *, via: str,
                   info: dict[str, dict[str, Any]] | None) -> int:
        added = 0
        unique = list(dict.fromkeys(urls))
        # in chunks: one ORM object per page of a 100,000-page watchlist at once took ~450 MB
        for start in range(0, len(unique), PAGES_PER_FLUSH):
            chunk = unique[start:start + PAGES_PER_FLUSH]
            existing = {p.url: p for p in s.scalars(select(PageRow).where(PageRow.url.in_(chunk)))}
            for url in chunk:
                page = existing.get(url)
                facts = (info or {}).get(url) or {}
                if page is None:
                    s.add(PageRow(source_id=source.id, url=url, discovered_at=now,
                                  discovered_via=via, last_listed_at=now, info=dict(facts)))
                    added += 1
                else:
                    page.last_listed_at = now
                    if facts:
                        page.info = {**(page.info or {}), **facts}
            s.flush()   # the session keeps clean rows only weakly: the chunk's memory is freed
        return added

    def page_states(self, source: str | None = None, *,
                    urls: Sequence[str] | None = None) -> dict[str, PageState]:
        """The pages of ``source`` (or those of ``urls``, or both: those of ``urls`` in
        ``source``) with their validators, streaks and latest version, in page order."""
        with self._read() as s:
            return load_states(s, source=source, urls=urls)

    def watched_urls(self, source: str, *, through: int | None = None) -> Iterator[str]:
        """The URLs of the pages of ``source`` that are still watched (not removed through the
        API), in page order: what a run checks besides its configured pages. ``through``: only
        pages recorded up to that page id (see :meth:`last_page_id`). Read as a stream, a
        thousand rows at a time (consume it, or close it, promptly: it holds a read)."""
        query = (select(PageRow.url).join(SourceRow, PageRow.source_id == SourceRow.id)
                 .where(SourceRow.name == source, PageRow.watched.is_(True)).order_by(PageRow.id))
        if through is not None:
            query = query.where(PageRow.id <= through)
        with self._read() as s:
            yield from s.scalars(query.execution_options(yield_per=URLS_PER_READ))

    def last_page_id(self) -> int:
        """The id of the page recorded last (0 with none): pages recorded later have larger ids."""
        with self._read() as s:
            return s.scalar(select(func.max(PageRow.id))) or 0

    def pages(self, source: str | None = None) -> list[PageInfo]:
        with self.session() as s:
            return _page_infos(s, SourceRow.name == source if source else None)

    def page_info(self, url: str) -> PageInfo | None:
        """The stored page ``url`` (exact spelling), or None."""
        with self.session() as s:
            found = _page_infos(s, PageRow.url == url)
        return found[0] if found else None

    def failing_pages(self) -> list[PageInfo]:
        """The watched pages whose last check failed and that are not gone, in page order (what
        ``status`` lists: read alone, not out of every page — 100,000 pages took a minute)."""
        with self.session() as s:
            return _page_infos(s, PageRow.failing_since.is_not(None) & PageRow.gone_at.is_(None)
                               & PageRow.watched.is_(True))

    def page_list(self, source: str | None = None, needle: str = "", offset: int = 0,
                  limit: int = 50) -> tuple[list[tuple[PageInfo, str | None]], int]:
        """One screen of the page list, in page order: ``(page, its latest title)`` from
        ``offset``, at most ``limit``, and how many pages match in all. ``needle`` (casefolded)
        keeps the pages whose URL or latest title contains it. Only the screen's pages are read
        whole: on 100,000 pages this answers in well under a second."""
        with self.session() as s:
            query = select(PageRow.id).order_by(PageRow.id)
            if source:
                query = query.join(SourceRow, PageRow.source_id == SourceRow.id).where(
                    SourceRow.name == source)
            if needle:
                top = (select(VersionRow.page_id, func.max(VersionRow.number).label("n"))
                       .group_by(VersionRow.page_id).subquery())
                rows = s.execute(
                    query.add_columns(PageRow.url, VersionRow.title)
                    .outerjoin(top, top.c.page_id == PageRow.id)
                    .outerjoin(VersionRow, (VersionRow.page_id == PageRow.id)
                               & (VersionRow.number == top.c.n))).all()
                # casefolded in Python, as the list always did (SQL's lower() is ASCII-only)
                matching = [page_id for page_id, url, title in rows
                            if needle in url.casefold() or needle in (title or "").casefold()]
                total, ids = len(matching), matching[offset:offset + limit]
            else:
                total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
                ids = list(s.scalars(query.offset(offset).limit(limit)))
            if not ids:
                return [], total
            infos = _page_infos(s, PageRow.id.in_(ids))
            titles = dict(s.execute(
                select(VersionRow.page_id, VersionRow.title)
                .where(VersionRow.page_id.in_(ids))
                .order_by(VersionRow.page_id, VersionRow.number)).all())   # the last one wins
            by_url = {url: page_id for page_id, url in s.execute(
                select(PageRow.id, PageRow.url).where(PageRow.id.in_(ids)))}
        return [(info, titles.get(by_url[info.url])) for info in infos], total

    def try_lock(self, name: str, *, shared: bool = False) -> HeldLock | None:
        """A cross-process lock (see :mod:`storage.process_locks`); None when another process holds it."""
        try:
            return try_lock(self.engine, name, shared=shared)
        except OperationalError as exc:
            raise StoreUnavailable(f"store {self.url}: {first_line(exc)}") from None

    # --- runs -------------------------------------------------------------------------------------

    def start_run(self, source: str, trigger: str = "manual") -> int:
        with self._write() as s:
            source_row = s.scalars(select(SourceRow).where(SourceRow.name == source)).one()
            run = RunRow(source_id=source_row.id, started_at=utcnow(), status="running",
                         trigger=trigger, counts={}, host=socket.gethostname(), pid=os.getpid())
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: int, status: str, counts: dict[str, int]) -> None:
        with self._write() as s:
            run = s.get(RunRow, run_id)
            if run is None:
                return
            run.finished_at = utcnow()
            run.status = status
            run.counts = dict(counts)
            run.pages_failed = counts.get("failed", 0)
            run.pages_ok = sum(v for k, v in counts.items() if k != "failed")

    def runs(self, source: str | None = None, limit: int = 50) -> list[RunInfo]:
        with self.session() as s:
            query = (select(RunRow, SourceRow.name).join(SourceRow, RunRow.source_id == SourceRow.id)
                     .order_by(RunRow.id.desc()).limit(limit))
            if source:
                query = query.where(SourceRow.name == source)
            rows = s.execute(query).all()
        return [RunInfo(id=r.id, source=name, started_at=r.started_at, finished_at=r.finished_at,
                        status=r.status, trigger=r.trigger, pages_ok=r.pages_ok,
                        pages_failed=r.pages_failed, counts=dict(r.counts or {}))
                for r, name in rows]

    # --- recording -------------------------------------------------------------------------------

    def record(self, check: CheckInput, gone_after: int = 2) -> RecordOutcome:
        """Record one analysed fetch in one transaction."""
        with self._write() as s:
            states = load_states(s, urls=[check.url])
            return record_batch(s, [check], states, gone_after)[0][0]

    def record_batch(self, checks: Sequence[CheckInput], states: Mapping[str, PageState],
                     gone_after: int = 2) -> list[tuple[RecordOutcome, PageState]]:
        """Record several analysed fetches in one transaction (see :mod:`storage.recording`).

        ``states`` are the pages' states before the batch (from :meth:`page_states`); the returned
        states are the pages' states after it, valid once this method has returned."""
        try:
            with self._write() as s:
                return record_batch(s, checks, states, gone_after)
        except ConcurrentWrite:
            # another process (a second source listing the same page, run at the same time)
            # recorded one of these pages after its state was loaded: reload them and retry once
            logger.info("pages changed under this run; reloading %d page states", len(checks))
            with self._write() as s:
                fresh = {**states, **load_states(s, urls=[c.url for c in checks])}
                return record_batch(s, checks, fresh, gone_after)

    # --- reports (queries in storage/reporting.py) -----------------------------------------------

    def window_events(self, window: reporting.ReportWindow, *, kinds: Sequence[str] | None = None,
                      newest_first: bool = False, limit: int | None = None) -> list[EventInfo]:
        with self.session() as s:
            return reporting.window_events(s, window, kinds=kinds, newest_first=newest_first,
                                           limit=limit)

    def page_transitions(self, window: reporting.ReportWindow) -> list[reporting.PageTransition]:
        with self.session() as s:
            return reporting.page_transitions(s, window)

    def add_delivery(self, delivery: reporting.DeliveryInput) -> int:
        with self._write() as s:
            return reporting.add_delivery(s, delivery, utcnow())

    def delivery(self, delivery_id: int) -> reporting.DeliveryInfo:
        with self.session() as s:
            found = reporting.get_delivery(s, delivery_id)
        if found is None:
            raise NotFoundError(f"no delivery {delivery_id} (see `profilewatch report --deliveries`)")
        return found

    def deliveries(self, limit: int = 50) -> list[reporting.DeliveryInfo]:
        with self.session() as s:
            return reporting.list_deliveries(s, limit)

    def last_digest_end(self, prefix: str) -> datetime | None:
        with self.session() as s:
            return reporting.last_digest_end(s, prefix)

    def claim_digest(self, key: str, start: datetime, end: datetime) -> bool:
        """Mark the digest ``key`` as taken; False when another process took it first."""
        with self.session() as s:
            try:
                with s.begin():
                    reporting.claim_digest(s, key, start, end, utcnow())
            except IntegrityError:
                return False
            except OperationalError as error:
                raise StoreUnavailable(f"store {self.url}: {first_line(error)}") from None
        return True

    def runs_in_progress(self, started_before: datetime, started_after: datetime) -> int:
        with self.session() as s:
            return reporting.runs_in_progress(s, started_before, started_after)

    # --- watching pages through the API (issue 8): queries in storage/watching.py ---------------

    # --- linked documents (storage/documents.py; issue 15) --------------------------------------

    def link_documents(self, source: str, page_url: str, urls: Sequence[str]) -> list[str]:
        """Record the documents ``page_url`` links; returns those new to the store."""
        with self._write() as s:
            return documents.link_documents(s, source, page_url, urls, utcnow())

    def document_urls(self, source: str) -> set[str]:
        with self.session() as s:
            return documents.document_urls(s, source)

    def watch_page(self, source: str, url: str) -> watching.WatchChange:
        """Watch ``url`` as a page of ``source`` (added, or watched again; see
        :mod:`storage.watching`)."""
        with self._write() as s:
            return watching.watch_page(s, source, url, utcnow())

    def unwatch_page(self, source: str, url: str) -> watching.WatchChange:
        """Stop checking a page of ``source``; its versions and events stay in the archive."""
        with self._write() as s:
            return watching.unwatch_page(s, source, url)

    def retire_pages(self, source: str, urls: list[str]) -> list[str]:
        """Unwatch the discovered pages of ``urls`` that never had a version (see
        :func:`storage.watching.retire_pages`); returns those retired."""
        with self._write() as s:
            return watching.retire_pages(s, source, urls)

    def unwatched_urls(self, source: str) -> set[str]:
        with self.session() as s:
            return watching.unwatched_urls(s, source)

    # --- retention (issue 17): queries in storage/prune.py ---------------------------------------

    def prune_captures(self, before: datetime, *, dry_run: bool = False) -> PruneSummary:
        """Drop the raw captures of versions superseded before ``before`` (see
        :mod:`storage.prune`); a SQLite file then gives the space back (VACUUM)."""
        if dry_run:
            with self._read() as s:
                return prune_captures(s, before, now=utcnow(), dry_run=True)
        with self._write() as s:
            summary = prune_captures(s, before, now=utcnow())
        if summary.blobs and self.dialect == "sqlite":
            self.vacuum()
        return summary

    def vacuum(self) -> None:
        """Rewrite a SQLite file without its free pages, and fold the WAL back into it."""
        try:
            with self.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT")
                connection.exec_driver_sql("VACUUM")
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        except OperationalError as exc:
            # a busy store (a long reader) keeps its size until the next prune; nothing is lost
            logger.warning("could not give the freed space back to the file system: %s",
                           first_line(exc))

    # --- run bookkeeping: scheduler and `status` (see storage.runstate) --------------------------

    def source_runs(self) -> list[SourceRuns]:
        """Each stored source with its last run, last completed run and failing-page counts."""
        with self._read() as s:
            return runstate.source_runs(s)

    def last_run_started(self, source: str) -> datetime | None:
        """When the latest run of ``source`` started (whatever its trigger and outcome)."""
        with self._read() as s:
            return runstate.last_started(s, source)

    def close_abandoned_runs(self, source: str) -> int:
        """Mark runs a killed process left ``running`` as ``crashed`` (hold the run lock)."""
        with self._write() as s:
            return runstate.close_abandoned(s, source)

    def lock_held(self, name: str) -> bool | None:
        """Whether another session holds lock ``name`` without taking it; None: cannot tell.

        PostgreSQL lists advisory locks in ``pg_locks``; a file lock cannot be probed without
        taking it (which would make a concurrent run skip its source).
        """
        if self.dialect != "postgresql":
            return None
        with self._read() as s:
            return runstate.advisory_lock_held(s, name)


def _page_infos(s: Session, where: Any = None) -> list[PageInfo]:
    """The pages matching ``where`` (all when None) with their version counts, in page order."""
    counts = (select(VersionRow.page_id, func.count().label("n"),
                     func.max(VersionRow.fetched_at).label("last"))
              .group_by(VersionRow.page_id))
    query = (select(PageRow, SourceRow.name)
             .join(SourceRow, PageRow.source_id == SourceRow.id).order_by(PageRow.id))
    if where is not None:
        query = query.where(where)
        counts = counts.where(VersionRow.page_id.in_(select(PageRow.id).join(
            SourceRow, PageRow.source_id == SourceRow.id).where(where)))
    sub = counts.subquery()
    rows = s.execute(query.add_columns(sub.c.n, sub.c.last)
                     .outerjoin(sub, sub.c.page_id == PageRow.id)).all()
    return [PageInfo(url=p.url, source=name, discovered_at=p.discovered_at,
                     discovered_via=p.discovered_via, info=dict(p.info or {}),
                     versions=int(n or 0), last_checked_at=p.last_checked_at,
                     last_ok_at=p.last_ok_at, failing_since=p.failing_since,
                     fail_count=p.fail_count, last_error=p.last_error, gone_at=p.gone_at,
                     last_change_at=last, watched=p.watched)
            for p, name, n, last in rows]
