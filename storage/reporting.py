"""Queries behind change reports: events of runs, pages that started failing or recovered, report
deliveries and periodic digest marks. Functions take a Session; :class:`storage.store.Store`
exposes them through thin methods.

A page's *state* is the outcome of its checks: ``new``/``content``/``metadata``/``unchanged`` are
ok, ``failed``/``gone`` are failures. A page *started failing* at a failed check whose previous
check was ok (or that is its first check ever); it *recovered* at an ok check whose previous check
failed. Each transition is reported once: by the window (runs or time range) holding that check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, true
from sqlalchemy.orm import Session, aliased

from storage.documents import with_documents
from storage.models import (
    CheckRow,
    DeliveryRow,
    DigestMarkRow,
    EventRow,
    PageRow,
    RunRow,
    SourceRow,
    VersionRow,
)
from storage.results import EventInfo

FAILED_OUTCOMES = ("failed", "gone")


@dataclass(frozen=True, slots=True)
class ReportWindow:
    """Which checks (and so which events) a report covers: runs, a time range, a source."""

    run_ids: tuple[int, ...] | None = None
    since: datetime | None = None           # inclusive
    until: datetime | None = None           # exclusive
    source: str | None = None

    def check_filter(self, checks: Any) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = []
        if self.run_ids is not None:
            conditions.append(checks.run_id.in_(list(self.run_ids)))
        if self.since is not None:
            conditions.append(checks.fetched_at >= self.since)
        if self.until is not None:
            conditions.append(checks.fetched_at < self.until)
        return and_(true(), *conditions)


@dataclass(frozen=True, slots=True)
class PageTransition:
    """A page that started failing or recovered."""

    url: str
    source: str
    organisation: str | None
    title: str | None
    state: str                     # "failing" | "recovered"
    at: datetime                   # the check that made the transition
    since: datetime                # when the failure began
    reason: str | None             # the (last) failure reason
    http_status: int | None
    failed_checks: int             # failed checks in the streak so far (recovered: the whole streak)


@dataclass(frozen=True, slots=True)
class DeliveryInput:
    target: str                    # redacted
    ok: bool
    error: str | None
    attempts: int
    subject: str | None
    event_ids: Sequence[int]
    report: dict[str, Any]
    run_id: int | None = None


@dataclass(frozen=True, slots=True)
class DeliveryInfo:
    id: int
    created_at: datetime
    run_id: int | None
    target: str
    ok: bool
    error: str | None
    attempts: int
    subject: str | None
    event_ids: list[int] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)


# --- events ---------------------------------------------------------------------------------------

def window_events(s: Session, window: ReportWindow, *, kinds: Sequence[str] | None = None,
                  newest_first: bool = False, limit: int | None = None) -> list[EventInfo]:
    """Events in ``window``: of its runs' checks (through ``check_id``) or detected in its range."""
    query = (select(EventRow, PageRow.url, SourceRow.name, SourceRow.organisation)
             .join(PageRow, EventRow.page_id == PageRow.id)
             .join(SourceRow, PageRow.source_id == SourceRow.id))
    if window.run_ids is not None:
        query = query.join(CheckRow, EventRow.check_id == CheckRow.id).where(
            CheckRow.run_id.in_(list(window.run_ids)))
    if window.since is not None:
        query = query.where(EventRow.detected_at >= window.since)
    if window.until is not None:
        query = query.where(EventRow.detected_at < window.until)
    if window.source is not None:
        query = query.where(SourceRow.name == window.source)
    if kinds is not None:
        query = query.where(EventRow.kind.in_(list(kinds)))
    query = query.order_by(EventRow.id.desc() if newest_first else EventRow.id)
    if limit is not None:
        query = query.limit(limit)
    return with_documents(s, [_event_info(e, url, name, org)
                              for e, url, name, org in s.execute(query).all()])


def _event_info(e: EventRow, url: str, source: str, organisation: str | None) -> EventInfo:
    return EventInfo(id=e.id, url=url, source=source, kind=e.kind, detected_at=e.detected_at,
                     from_version=e.from_version, to_version=e.to_version,
                     last_modified_before=e.last_modified_before,
                     last_modified_after=e.last_modified_after, title=e.title, summary=e.summary,
                     lines_added=e.lines_added, lines_removed=e.lines_removed,
                     details=dict(e.details or {}), organisation=organisation)


# --- failing and recovered pages ------------------------------------------------------------------

def _is_failure(outcome: str | None) -> bool:
    return outcome in FAILED_OUTCOMES


def page_transitions(s: Session, window: ReportWindow) -> list[PageTransition]:
    """Pages that started failing or recovered in ``window``, in check order."""
    inside = _window_checks(window)
    rows = s.scalars(inside.order_by(CheckRow.page_id, CheckRow.id)).all()
    if not rows:
        return []
    previous = _checks_before_window(s, window, {c.page_id for c in rows})
    found: list[tuple[CheckRow, str]] = []
    last_outcome = {page_id: c.outcome for page_id, c in previous.items()}
    for check in rows:
        before = last_outcome.get(check.page_id)      # None: the page's first check ever
        if _is_failure(check.outcome) and not _is_failure(before):
            found.append((check, "failing"))
        elif not _is_failure(check.outcome) and before is not None and _is_failure(before):
            found.append((check, "recovered"))
        last_outcome[check.page_id] = check.outcome
    found.sort(key=lambda item: item[0].id)
    return [_transition(s, check, state) for check, state in found]


def _window_checks(window: ReportWindow) -> Select[CheckRow]:
    query = select(CheckRow).where(window.check_filter(CheckRow))
    if window.source is not None:
        query = (query.join(PageRow, CheckRow.page_id == PageRow.id)
                 .join(SourceRow, PageRow.source_id == SourceRow.id)
                 .where(SourceRow.name == window.source))
    return query


def _checks_before_window(s: Session, window: ReportWindow, page_ids: set[int]) -> dict[int, CheckRow]:
    """Each page's last check before its first check in the window."""
    first = aliased(CheckRow)
    earlier = aliased(CheckRow)
    first_in_window = (select(func.min(first.id)).where(first.page_id == earlier.page_id,
                                                        window.check_filter(first))
                       .scalar_subquery())
    last_ids = (select(func.max(earlier.id)).where(earlier.page_id.in_(sorted(page_ids)),
                                                   earlier.id < first_in_window)
                .group_by(earlier.page_id))
    return {c.page_id: c for c in s.scalars(select(CheckRow).where(CheckRow.id.in_(last_ids)))}


def _transition(s: Session, check: CheckRow, state: str) -> PageTransition:
    page = s.get(PageRow, check.page_id)
    assert page is not None
    source = s.get(SourceRow, page.source_id)
    assert source is not None
    title = s.scalars(select(VersionRow.title).where(VersionRow.page_id == page.id)
                      .order_by(VersionRow.number.desc()).limit(1)).first()
    streak_end = check.id + 1 if state == "failing" else check.id
    last_ok = s.scalars(select(func.max(CheckRow.id)).where(
        CheckRow.page_id == page.id, CheckRow.id < streak_end,
        CheckRow.outcome.not_in(FAILED_OUTCOMES))).first()
    streak = s.scalars(select(CheckRow).where(
        CheckRow.page_id == page.id, CheckRow.id < streak_end, CheckRow.id > (last_ok or 0))
        .order_by(CheckRow.id)).all()
    failures = [c for c in streak if _is_failure(c.outcome)] or [check]
    last_failure = failures[-1]
    return PageTransition(url=page.url, source=source.name, organisation=source.organisation,
                          title=title, state=state, at=check.fetched_at,
                          since=failures[0].fetched_at, reason=last_failure.reason,
                          http_status=last_failure.http_status, failed_checks=len(failures))


# --- deliveries -----------------------------------------------------------------------------------

def add_delivery(s: Session, delivery: DeliveryInput, now: datetime) -> int:
    row = DeliveryRow(created_at=now, run_id=delivery.run_id, target=delivery.target,
                      ok=delivery.ok, error=delivery.error, attempts=delivery.attempts,
                      subject=delivery.subject, event_ids=list(delivery.event_ids),
                      report=dict(delivery.report))
    s.add(row)
    s.flush()
    return row.id


def get_delivery(s: Session, delivery_id: int) -> DeliveryInfo | None:
    row = s.get(DeliveryRow, delivery_id)
    return _delivery_info(row) if row is not None else None


def list_deliveries(s: Session, limit: int = 50) -> list[DeliveryInfo]:
    rows = s.scalars(select(DeliveryRow).order_by(DeliveryRow.id.desc()).limit(limit)).all()
    return [_delivery_info(r) for r in rows]


def _delivery_info(row: DeliveryRow) -> DeliveryInfo:
    return DeliveryInfo(id=row.id, created_at=row.created_at, run_id=row.run_id, target=row.target,
                        ok=row.ok, error=row.error, attempts=row.attempts, subject=row.subject,
                        event_ids=[int(i) for i in row.event_ids or []],
                        report=dict(row.report or {}))


# --- periodic digests -----------------------------------------------------------------------------

def last_digest_end(s: Session, prefix: str) -> datetime | None:
    """The end of the latest period claimed for digests whose key starts with ``prefix:``."""
    return s.scalars(select(func.max(DigestMarkRow.period_end))
                     .where(DigestMarkRow.key.like(f"{prefix}:%"))).first()


def claim_digest(s: Session, key: str, start: datetime, end: datetime, now: datetime) -> None:
    """Insert the mark ``key`` (in its own transaction: when another process claimed it first, the
    unique key raises ``IntegrityError``)."""
    s.add(DigestMarkRow(key=key, period_start=start, period_end=end, created_at=now))
    s.flush()


def runs_in_progress(s: Session, started_before: datetime, started_after: datetime) -> int:
    """Runs still marked ``running`` that started in ``[started_after, started_before)``."""
    return int(s.scalars(select(func.count()).select_from(RunRow).where(
        RunRow.status == "running", RunRow.started_at < started_before,
        RunRow.started_at >= started_after)).one())
