"""``profilewatch daemon``: every source on its schedule, on APScheduler 3, until SIGTERM/SIGINT.

One job per source, from its ``schedule`` (an interval or a 5-field cron expression), with
``max_instances=1`` (a slow cycle is never doubled), ``coalesce=True`` (missed slots run once),
a misfire grace time of half a period and a random jitter (:mod:`scheduler.plan`). A job runs one
cycle in a fresh child process (:mod:`scheduler.children`), the same ``profilewatch run`` cron uses.

The first slot of each source is planned from the last run recorded in the store, so a restart
keeps every rhythm and a source overdue after downtime runs once, now. At each slot the store is
read again: when another process (cron, a manual run, a second daemon) ran the source less than
half a period ago, the slot is skipped.

Signals: SIGHUP reloads the config (a bad file is logged and the running config kept); the first
SIGTERM/SIGINT stops scheduling and forwards one SIGTERM to each running cycle, which finishes its
pages in hand; cycles still running after :data:`STOP_TIMEOUT_SECONDS` are killed (the store stays
consistent: one transaction per page). A second signal kills them at once.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from types import FrameType
from typing import Any

from profilewatch.config import Config, SourceConfig
from profilewatch.errors import ConfigError, StoreError
from scheduler import plan
from scheduler.protocol import ChildExit
from storage.results import iso
from storage.store import Store

logger = logging.getLogger(__name__)

# A child run stops within its own grace (crawler.shutdown.STOP_GRACE_SECONDS) plus Scrapy's
# close; past this the daemon kills it. The systemd unit's TimeoutStopSec is above this.
STOP_TIMEOUT_SECONDS = 30.0
# Cycles that may run at the same time (each is a process with its own Scrapy crawl); more due
# sources wait for a free slot, which counts as running for max_instances.
DEFAULT_PARALLEL_RUNS = 4
# With ``[retention] captures_max_age``, old captures are pruned after a run at most this often:
# a prune scans every version (seconds on a large store) and VACUUMs a SQLite file.
PRUNE_EVERY = timedelta(days=1)

Runner = Callable[[str], ChildExit | None]   # runs one cycle of the named source


class Daemon:
    """The scheduler of one ``profilewatch daemon`` process."""

    def __init__(self, config: Config, store: Store, runner: Runner, *,
                 reload: Callable[[], Config] | None = None, jitter_cap: float | None = None,
                 parallel: int = DEFAULT_PARALLEL_RUNS, timezone: tzinfo | None = None) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        self.config = config
        self.store = store
        self.runner = runner
        self.reload_config = reload
        self.jitter_cap = jitter_cap
        self.sources = {s.name: s for s in config.sources}
        options: dict[str, Any] = {"timezone": timezone} if timezone is not None else {}
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max(1, parallel))}, **options)
        # cron expressions are read in the machine's local zone (APScheduler's default), like cron
        self.timezone: tzinfo = self.scheduler.timezone
        self._stop_requests = 0
        self._reload_requested = False
        self._wake = threading.Event()
        self._retention_lock = threading.Lock()
        self._last_prune: datetime | None = None

    # --- planning ---------------------------------------------------------------------------------

    def _trigger(self, source: SourceConfig, first: datetime) -> Any:
        from apscheduler.triggers.interval import IntervalTrigger

        spread = plan.max_jitter(source.schedule, self.jitter_cap)
        if source.schedule.seconds is not None:
            return IntervalTrigger(seconds=source.schedule.seconds, start_date=first,
                                   timezone=self.timezone, jitter=int(spread) or None)
        return plan.cron_trigger(source.schedule.cron or "0 0 * * *", self.timezone, spread)

    def plan_source(self, source: SourceConfig, now: datetime | None = None) -> datetime:
        """Add (or replace) the job of ``source``; returns its first run time."""
        now = now or datetime.now(UTC)
        last = self.store.last_run_started(source.name)
        due = plan.next_due(source.schedule, last, now, self.timezone)
        first = due + plan.jitter(source.schedule, self.jitter_cap)
        self.scheduler.add_job(
            self._fire, self._trigger(source, first), args=[source.name], id=source.name,
            name=source.name, next_run_time=first, max_instances=1, coalesce=True,
            misfire_grace_time=plan.misfire_grace(source.schedule), replace_existing=True)
        overdue = " (overdue)" if last is not None and due <= now else ""
        logger.info("%s: schedule %s, last run %s, next run %s%s", source.name,
                    source.schedule.text, iso(last) or "never", iso(first), overdue)
        return first

    def next_run(self, name: str) -> datetime | None:
        job = self.scheduler.get_job(name)
        return job.next_run_time if job is not None else None

    # --- one slot ---------------------------------------------------------------------------------

    def _fire(self, name: str) -> None:
        """Run one cycle of ``name`` (in a scheduler worker thread); never raises."""
        source = self.sources.get(name)
        if source is None or self._stop_requests:
            return
        try:
            last = self.store.last_run_started(name)
        except StoreError as exc:
            logger.warning("%s: cannot read the last run (%s); running anyway", name, exc)
            last = None
        now = datetime.now(UTC)
        if plan.ran_recently(source.schedule, last, now):
            logger.info("%s: skipping this slot, a run started at %s", name, iso(last))
            return
        try:
            result = self.runner(name)
        except Exception as exc:  # a failed launch must not stop the daemon
            logger.error("%s: could not start a run: %s", name, exc)
            return
        if result is None:
            return
        next_at = iso(self.next_run(name)) or "-"
        if result.returncode == 0:
            logger.info("%s: run finished in %.1f s: %s; next run %s", name, result.seconds,
                        result.headline, next_at)
        else:
            logger.error("%s: run exited with status %d after %.1f s; next run %s", name,
                         result.returncode, result.seconds, next_at)
        self.retain()

    def retain(self, now: datetime | None = None) -> bool:
        """Prune captures older than ``[retention] captures_max_age`` unless done less than
        :data:`PRUNE_EVERY` ago (or under way in another thread); True when it pruned."""
        max_age = self.config.retention.captures_max_age
        if max_age is None or self._stop_requests:
            return False
        now = now or datetime.now(UTC)
        if not self._retention_lock.acquire(blocking=False):
            return False
        try:
            if self._last_prune is not None and now - self._last_prune < PRUNE_EVERY:
                return False
            self._last_prune = now
            summary = self.store.prune_captures(now - timedelta(seconds=max_age))
            logger.info("retention: %s", summary.line(dry_run=False))
            return True
        except StoreError as exc:   # retention must never stop the daemon
            logger.warning("retention: cannot prune old captures: %s", exc)
            return False
        finally:
            self._retention_lock.release()

    # --- life cycle -------------------------------------------------------------------------------

    def start(self) -> None:
        self.store.sync_sources(self.config.sources)
        self.scheduler.start(paused=True)
        for source in self.config.sources:
            self.plan_source(source)
        self.scheduler.resume()
        logger.info("daemon started: %d source%s", len(self.sources),
                    "" if len(self.sources) == 1 else "s")

    def reload(self) -> None:
        """Re-read the config: add, drop and re-plan jobs whose schedule changed."""
        if self.reload_config is None:
            return
        try:
            config = self.reload_config()
            self.store.sync_sources(config.sources)
        except (ConfigError, StoreError) as exc:
            logger.error("reload failed, keeping the current config: %s", exc)
            return
        new = {s.name: s for s in config.sources}
        for name in sorted(self.sources.keys() - new.keys()):
            self.scheduler.remove_job(name)
            logger.info("%s: removed from the config, no longer scheduled", name)
        old = self.sources
        self.config, self.sources = config, new
        for name, source in new.items():
            if name not in old or old[name].schedule != source.schedule:
                self.plan_source(source)
        logger.info("config reloaded: %d source%s", len(new), "" if len(new) == 1 else "s")

    def request_stop(self) -> None:
        self._stop_requests += 1
        self._wake.set()

    def request_reload(self) -> None:
        self._reload_requested = True
        self._wake.set()

    @property
    def force_requested(self) -> bool:
        return self._stop_requests > 1

    def serve_forever(self, stop_children: Callable[[float, Callable[[], bool]], None]) -> None:
        """Install the signal handlers, run until a stop signal, then stop within a bounded time."""
        def on_stop(signum: int, _frame: FrameType | None) -> None:
            self.request_stop()

        def on_hup(signum: int, _frame: FrameType | None) -> None:
            self.request_reload()

        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        signal.signal(signal.SIGHUP, on_hup)
        self.start()
        while not self._stop_requests:
            self._wake.wait(timeout=60)
            self._wake.clear()
            if self._reload_requested and not self._stop_requests:
                self._reload_requested = False
                self.reload()
        logger.info("stop requested: no new runs")
        self.scheduler.shutdown(wait=False)
        stop_children(STOP_TIMEOUT_SECONDS, lambda: self.force_requested)
        logger.info("daemon stopped")
