"""Run bookkeeping for the scheduler and ``status``: last runs per source, abandoned runs, lock probes.

A run row is written ``running`` when a cycle starts and finished when it ends. A process killed
with SIGKILL (or a power cut) never finishes its row: the next run of the source, holding the
source's run lock and so knowing nobody else runs it, closes such rows as ``crashed``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from storage.models import CheckRow, PageRow, RunRow, SourceRow
from storage.process_locks import scoped_key


@dataclass(frozen=True, slots=True)
class RunState:
    """One run row, with its page counts (counted from its checks while it has not finished)."""

    id: int
    source: str
    started_at: datetime
    finished_at: datetime | None
    status: str                 # running | completed | interrupted | failed | crashed
    trigger: str
    pages_ok: int
    pages_failed: int
    host: str | None
    pid: int | None


@dataclass(frozen=True, slots=True)
class SourceRuns:
    """What ``status`` needs about one stored source."""

    source: str
    created_at: datetime
    last: RunState | None            # the most recent run, whatever its status
    last_completed: RunState | None  # the most recent run that completed
    pages: int
    failing: int                     # pages whose last check failed (gone pages excluded)
    gone: int


def _check_counts(session: Session, run_ids: list[int]) -> dict[int, tuple[int, int]]:
    """``run_id -> (ok, failed)`` counted from the checks each run recorded."""
    if not run_ids:
        return {}
    rows = session.execute(
        select(CheckRow.run_id, CheckRow.outcome, func.count())
        .where(CheckRow.run_id.in_(run_ids)).group_by(CheckRow.run_id, CheckRow.outcome)).all()
    counts: dict[int, list[int]] = {}
    for run_id, outcome, n in rows:
        if run_id is None:
            continue
        counts.setdefault(run_id, [0, 0])[1 if outcome == "failed" else 0] += int(n)
    return {k: (v[0], v[1]) for k, v in counts.items()}


def _state(run: RunRow, source: str, live: dict[int, tuple[int, int]]) -> RunState:
    ok, failed = run.pages_ok, run.pages_failed
    if run.finished_at is None and run.id in live:
        ok, failed = live[run.id]
    return RunState(id=run.id, source=source, started_at=run.started_at,
                    finished_at=run.finished_at, status=run.status, trigger=run.trigger,
                    pages_ok=ok, pages_failed=failed, host=run.host, pid=run.pid)


def source_runs(session: Session) -> list[SourceRuns]:
    """Every stored source with its last run, last completed run and page streak counts."""
    last_ids = dict(session.execute(
        select(RunRow.source_id, func.max(RunRow.id)).group_by(RunRow.source_id)).all())
    completed_ids = dict(session.execute(
        select(RunRow.source_id, func.max(RunRow.id)).where(RunRow.status == "completed")
        .group_by(RunRow.source_id)).all())
    wanted = {i for i in (*last_ids.values(), *completed_ids.values()) if i is not None}
    runs = {r.id: r for r in session.scalars(select(RunRow).where(RunRow.id.in_(wanted)))}
    live = _check_counts(session, [r.id for r in runs.values() if r.finished_at is None])
    page_rows = session.execute(
        select(PageRow.source_id, func.count(),
               func.count(PageRow.failing_since) - func.count(PageRow.gone_at),
               func.count(PageRow.gone_at))
        .group_by(PageRow.source_id)).all()
    pages = {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in page_rows}
    out: list[SourceRuns] = []
    for source in session.scalars(select(SourceRow).order_by(SourceRow.id)):
        last = runs.get(last_ids.get(source.id, -1))
        done = runs.get(completed_ids.get(source.id, -1))
        total, failing, gone = pages.get(source.id, (0, 0, 0))
        out.append(SourceRuns(
            source=source.name, created_at=source.created_at,
            last=_state(last, source.name, live) if last is not None else None,
            last_completed=_state(done, source.name, live) if done is not None else None,
            pages=total, failing=max(failing, 0), gone=gone))
    return out


def last_started(session: Session, source: str) -> datetime | None:
    """When the latest run of ``source`` started (any trigger, any outcome), or None."""
    value: datetime | None = session.scalar(
        select(func.max(RunRow.started_at)).join(SourceRow, RunRow.source_id == SourceRow.id)
        .where(SourceRow.name == source))
    return _aware(value)


def close_abandoned(session: Session, source: str) -> int:
    """Mark the unfinished runs of ``source`` ``crashed`` (call holding the source's run lock).

    The end time is that of the run's last recorded check (when it was last seen alive) and its
    counts are those of the checks it recorded.
    """
    rows = list(session.scalars(
        select(RunRow).join(SourceRow, RunRow.source_id == SourceRow.id)
        .where(SourceRow.name == source, RunRow.status == "running",
               RunRow.finished_at.is_(None))))
    for run in rows:
        outcomes = Counter(dict(session.execute(
            select(CheckRow.outcome, func.count()).where(CheckRow.run_id == run.id)
            .group_by(CheckRow.outcome)).all()))
        last_check = session.scalar(select(func.max(CheckRow.fetched_at))
                                    .where(CheckRow.run_id == run.id))
        run.status = "crashed"
        run.finished_at = _aware(last_check) or run.started_at
        run.counts = {k: int(v) for k, v in outcomes.items()}
        run.pages_failed = int(outcomes.get("failed", 0))
        run.pages_ok = sum(int(v) for k, v in outcomes.items() if k != "failed")
    return len(rows)


def advisory_lock_held(session: Session, name: str) -> bool:
    """Whether some session holds the PostgreSQL advisory lock ``name`` (without taking it)."""
    key = scoped_key(session.connection(), name) & 0xFFFF_FFFF_FFFF_FFFF
    held = session.scalar(
        text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
             "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
             "AND classid = CAST(:hi AS oid) AND objid = CAST(:lo AS oid) AND objsubid = 1"),
        {"hi": key >> 32, "lo": key & 0xFFFF_FFFF})
    return bool(held)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite aggregates (``max``) lose the column type: their naive datetimes are UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment
