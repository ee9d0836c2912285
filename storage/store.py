"""The store API: the only door to the database.

Callers get plain records (:mod:`storage.records`); sessions and queries stay in this package.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from pipeline.urls import page_key
from profilewatch.errors import NotFoundError, StoreError, StoreUnavailable
from storage import reporting, runstate, watching
from storage.blobstore import read_blob
from storage.engine import make_engine, migrate, redact_url
from storage.locks import HeldLock, try_lock
from storage.models import CheckRow, EventRow, PageRow, RunRow, SourceRow, VersionRow
from storage.recording import load_states, record_batch
from storage.records import (
    CheckInput,
    EventInfo,
    FetchState,
    PageInfo,
    PageState,
    RecordOutcome,
    RunInfo,
    VersionInfo,
)
from storage.runstate import SourceRuns
from storage.verify import VerifyReport, verify_store

logger = logging.getLogger(__name__)


class ConcurrentWrite(StoreError):
    """A unique constraint refused a write: another process wrote the same rows first."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    """A versioned page store on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        """Open (creating or migrating as needed); raises :class:`StoreUnavailable`."""
        engine = make_engine(url)
        migrate(engine)
        return cls(engine)

    @property
    def url(self) -> str:
        return redact_url(str(self.engine.url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

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
        existing = {p.url: p for p in s.scalars(select(PageRow).where(PageRow.url.in_(list(urls))))}
        added = 0
        for url in dict.fromkeys(urls):
            page = existing.get(url)
            facts = (info or {}).get(url) or {}
            if page is None:
                s.add(PageRow(source_id=source.id, url=url, discovered_at=now, discovered_via=via,
                              last_listed_at=now, info=dict(facts)))
                added += 1
            else:
                page.last_listed_at = now
                if facts:
                    page.info = {**(page.info or {}), **facts}
        s.flush()
        return added

    def page_states(self, source: str) -> dict[str, PageState]:
        """Every page of ``source`` with its validators, streaks and latest version."""
        with self.session() as s:
            return load_states(s, source=source)

    def fetch_states(self, source: str) -> list[FetchState]:
        """Every page of ``source`` with its conditional-request validators."""
        return [FetchState(url=st.url, page_id=st.page_id, etag=st.etag,
                           http_last_modified=st.http_last_modified,
                           has_version=st.version is not None, content_sha256=st.content_sha256)
                for st in self.page_states(source).values()]

    def pages(self, source: str | None = None) -> list[PageInfo]:
        with self.session() as s:
            counts = (select(VersionRow.page_id, func.count().label("n"),
                             func.max(VersionRow.fetched_at).label("last"))
                      .group_by(VersionRow.page_id).subquery())
            query = (select(PageRow, SourceRow.name, counts.c.n, counts.c.last)
                     .join(SourceRow, PageRow.source_id == SourceRow.id)
                     .outerjoin(counts, counts.c.page_id == PageRow.id).order_by(PageRow.id))
            if source:
                query = query.where(SourceRow.name == source)
            rows = s.execute(query).all()
        return [PageInfo(url=p.url, source=name, discovered_at=p.discovered_at,
                         discovered_via=p.discovered_via, info=dict(p.info or {}),
                         versions=int(n or 0), last_checked_at=p.last_checked_at,
                         last_ok_at=p.last_ok_at, failing_since=p.failing_since,
                         fail_count=p.fail_count, last_error=p.last_error, gone_at=p.gone_at,
                         last_change_at=last, watched=p.watched)
                for p, name, n, last in rows]

    def try_lock(self, name: str, *, shared: bool = False) -> HeldLock | None:
        """A cross-process lock (see :mod:`storage.locks`); None when another process holds it."""
        try:
            return try_lock(self.engine, name, shared=shared)
        except OperationalError as exc:
            raise StoreUnavailable(f"store {self.url}: {_first_line(exc)}") from None

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

    # --- queries ---------------------------------------------------------------------------------

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
        with self.session() as s:
            return read_blob(s, version.body_sha256)

    def headers(self, version: VersionInfo) -> dict[str, str]:
        with self.session() as s:
            page, _ = self._page(s, version.url)
            row = s.scalars(select(VersionRow).where(VersionRow.page_id == page.id,
                                                     VersionRow.number == version.version)).one()
            return dict(row.headers or {})

    def events(self, *, since: datetime | None = None, url: str | None = None,
               kind: str | None = None, source: str | None = None, after_id: int | None = None,
               limit: int | None = None) -> list[EventInfo]:
        """Change events, oldest first (by id: increasing and unique)."""
        with self.session() as s:
            query = (select(EventRow, PageRow.url, SourceRow.name, SourceRow.organisation)
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
            rows = s.execute(query).all()
        return [EventInfo(id=e.id, url=u, source=name, kind=e.kind, detected_at=e.detected_at,
                          from_version=e.from_version, to_version=e.to_version,
                          last_modified_before=e.last_modified_before,
                          last_modified_after=e.last_modified_after, title=e.title,
                          summary=e.summary, lines_added=e.lines_added,
                          lines_removed=e.lines_removed, details=dict(e.details or {}),
                          organisation=org)
                for e, u, name, org in rows]

    def checks(self, url: str, limit: int = 100) -> list[dict[str, Any]]:
        with self.session() as s:
            page, _ = self._page(s, url)
            rows = s.scalars(select(CheckRow).where(CheckRow.page_id == page.id)
                             .order_by(CheckRow.id.desc()).limit(limit)).all()
            return [{"fetched_at": c.fetched_at, "http_status": c.http_status,
                     "outcome": c.outcome, "reason": c.reason, "final_url": c.final_url,
                     "duration_ms": c.duration_ms} for c in rows]

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
                raise StoreUnavailable(f"store {self.url}: {_first_line(error)}") from None
        return True

    def runs_in_progress(self, started_before: datetime, started_after: datetime) -> int:
        with self.session() as s:
            return reporting.runs_in_progress(s, started_before, started_after)

    # --- plumbing --------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One write transaction; database errors become one-line store errors."""
        with self.session() as session:
            try:
                with session.begin():
                    yield session
            except OperationalError as error:
                raise StoreUnavailable(f"store {self.url}: {_first_line(error)}") from None
            except IntegrityError as error:
                raise ConcurrentWrite(f"store {self.url}: {_first_line(error)}") from None
            except SQLAlchemyError as error:
                raise StoreError(f"store {self.url}: {_first_line(error)}") from None

    # --- the citable archive (issue 6): thin read methods ------------------------------------------

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
                raise StoreUnavailable(f"store {self.url}: {_first_line(error)}") from None

    # --- watching pages through the API (issue 8): queries in storage/watching.py ---------------

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

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read-only session; database errors become one-line store errors."""
        with self.session() as session:
            try:
                yield session
            except OperationalError as error:
                raise StoreUnavailable(f"store {self.url}: {_first_line(error)}") from None
            except SQLAlchemyError as error:
                raise StoreError(f"store {self.url}: {_first_line(error)}") from None


def _first_line(exc: BaseException) -> str:
    message = str(getattr(exc, "orig", None) or exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__


def _version_info(url: str, source: str, organisation: str | None, v: VersionRow) -> VersionInfo:
    return VersionInfo(
        url=url, version=v.number, fetched_at=v.fetched_at, content_sha256=v.content_sha256,
        body_sha256=v.body_sha256, last_modified=v.declared_value,
        last_modified_text=v.declared_text, last_modified_kind=v.declared_kind, title=v.title,
        http_status=v.http_status, final_url=v.final_url, language=v.language,
        content_type=v.content_type, chain_sha256=v.chain_sha256, source=source,
        organisation=(v.meta or {}).get("organisation") or organisation,
        metadata=dict(v.meta or {}), headings=tuple(v.headings or ()))


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
