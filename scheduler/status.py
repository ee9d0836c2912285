"""What ``profilewatch status`` reports: per source its last run, next run, staleness and failing pages.

Built from the config (schedules) and the store (runs, page error streaks); nothing here writes.
A run row still ``running`` whose process is gone (killed, machine rebooted) is reported
``crashed``: on PostgreSQL when nobody holds the source's advisory run lock, on this host when its
process no longer exists (or the pid now belongs to a younger process).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from profilewatch.config import Config, SourceConfig
from scheduler import plan
from scheduler.locks import run_lock_name
from storage.results import PageInfo, iso
from storage.runstate import RunState, SourceRuns
from storage.store import Store

# A pid is the run's own process if that process started before the run row (plus this margin for
# clock granularity); a younger process reuses the pid of a dead run.
PID_START_SLACK_SECONDS = 5.0


@dataclass(frozen=True)
class SourceStatus:
    name: str
    schedule: str
    period_seconds: int
    last_run: RunState | None
    last_completed: RunState | None
    next_run: datetime          # the slot after the last run; in the past when overdue
    stale_since: datetime | None
    pages: int
    failing: tuple[PageInfo, ...]
    gone: int
    now: datetime
    created_at: datetime | None = None

    @property
    def stale(self) -> bool:
        return self.stale_since is not None

    @property
    def known(self) -> bool:
        """False for a source the store has never seen (no run of it ever started)."""
        return self.created_at is not None

    @property
    def due(self) -> bool:
        return self.next_run <= self.now

    def as_json(self) -> dict[str, Any]:
        last = self.last_run
        return {
            "name": self.name,
            "schedule": self.schedule,
            "period_seconds": self.period_seconds,
            "last_run": None if last is None else {
                "id": last.id, "status": last.status, "trigger": last.trigger,
                "started_at": iso(last.started_at), "finished_at": iso(last.finished_at),
                "pages_ok": last.pages_ok, "pages_failed": last.pages_failed},
            "last_completed_at": iso(self.last_completed.finished_at)
            if self.last_completed else None,
            "next_run": iso(self.next_run),
            "due": self.due,
            "stale": self.stale,
            "stale_since": iso(self.stale_since) if self.known else None,
            "pages": self.pages,
            "pages_failing": len(self.failing),
            "pages_gone": self.gone,
            "failing": [{
                "url": p.url,
                "failing_since": iso(p.failing_since),
                "failing_for_seconds": int((self.now - p.failing_since).total_seconds())
                if p.failing_since else None,
                "fail_count": p.fail_count,
                "last_error": p.last_error,
                "last_ok_at": iso(p.last_ok_at),
                "last_checked_at": iso(p.last_checked_at)} for p in self.failing],
        }


def source_statuses(config: Config, store: Store | None, now: datetime | None = None) -> list[SourceStatus]:
    """The status of every configured source (``store`` None: no database yet, nothing ran)."""
    now = now or datetime.now(UTC)
    stored = {r.source: r for r in store.source_runs()} if store is not None else {}
    pages = store.failing_pages() if store is not None else []   # the failing ones only
    out = []
    for source in config.sources:
        runs = stored.get(source.name)
        last = runs.last if runs else None
        if last is not None and last.status == "running" and store is not None \
                and not run_alive(store, last):
            last = replace(last, status="crashed")
        failing = sorted((p for p in pages if p.source == source.name and p.failing_since
                          and p.gone_at is None and p.watched),
                         key=lambda p: (p.failing_since or now, p.url))
        out.append(_status(source, runs, last, tuple(failing), now))
    return out


def _status(source: SourceConfig, runs: SourceRuns | None, last: RunState | None,
            failing: tuple[PageInfo, ...], now: datetime) -> SourceStatus:
    completed = runs.last_completed if runs else None
    return SourceStatus(
        name=source.name, schedule=source.schedule.text,
        period_seconds=source.schedule.nominal_seconds, last_run=last, last_completed=completed,
        next_run=plan.slot_after(source.schedule, last.started_at) if last else now,
        stale_since=plan.stale_since(source.schedule, completed.finished_at if completed else None,
                                     runs.created_at if runs else None, now),
        pages=runs.pages if runs else len(source.urls), failing=failing,
        gone=runs.gone if runs else 0, now=now, created_at=runs.created_at if runs else None)


def run_alive(store: Store, run: RunState) -> bool:
    """Whether the process of a ``running`` row still runs (True when it cannot be told)."""
    held = store.lock_held(run_lock_name(run.source))
    if held is not None:
        return held
    if run.host != socket.gethostname() or run.pid is None:
        return True
    return pid_alive(run.pid, run.started_at)


def pid_alive(pid: int, since: datetime) -> bool:
    """Whether ``pid`` exists and is not a process younger than ``since`` (a reused pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass   # exists, owned by another user
    started = process_start_time(pid)
    return started is None or started <= since + timedelta(seconds=PID_START_SLACK_SECONDS)


def process_start_time(pid: int) -> datetime | None:
    """When process ``pid`` started (Linux ``/proc``); None elsewhere or when unreadable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(int(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        ticks = int(stat.rsplit(")", 1)[1].split()[19])   # field 22, counted after "(comm)"
        return datetime.fromtimestamp(boot + ticks / os.sysconf("SC_CLK_TCK"), UTC)
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def human_duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``5 h 10 min``, ``3 d 4 h``."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    days, hours = divmod(hours, 24)
    return f"{days} d" + (f" {hours} h" if hours else "")
