"""Scale-out on procrastinate: the daemon enqueues batches of due pages, ``profilewatch worker`` runs them.

With ``[cluster] enabled = true`` the daemon (still the one scheduler) does not crawl a due source
itself: at each slot it splits the source's pages by domain into batches of ``pages_per_job`` and
defers one procrastinate job per batch (:func:`enqueue_cycle`). Workers on any number of machines
fetch the jobs from the shared PostgreSQL and run each in a fresh child process
(:mod:`scheduler.cluster_child`). What procrastinate guarantees, and what it is used for:

1. ``lock = "domain:<host>"``: jobs with one lock never run at once, whatever their source, so
   politeness (delay, per-domain concurrency) holds across workers as on one machine;
2. ``queueing_lock = "<source>:<host>:<n>"``: while batch n of a domain still waits in the queue a
   slow cycle does not enqueue it a second time;
3. a retry strategy: a batch whose domain was busy, whose run was interrupted or failed is retried
   with a growing delay; a config error is not retried;
4. heartbeats: a killed worker stops sending them; every live worker looks for such stalled jobs
   (:func:`sweep_stalled_jobs`) and puts them back in the queue after ``stalled_after``. A retried
   batch skips the pages checked since its cycle was enqueued (``run --unchecked-since``), so no
   page is checked twice in one cycle and nothing is lost.

The child itself holds the source's run lock shared and its domain's lock exclusively
(:func:`scheduler.locks.batch_locks`): the guard when a job is retried while the child of a
"stalled" worker is still alive, and against a whole-source ``profilewatch run`` at the same time.

The procrastinate schema is created in the cluster database on first use, under an advisory lock
(as the store's migrations are), or by ``profilewatch worker --apply-schema``.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from pipeline.urls import page_key
from profilewatch.config import ClusterSettings, Config, SourceConfig
from profilewatch.errors import ConfigError, StoreUnavailable
from scheduler.cluster_child import BatchDeferred, BatchFailed, BatchLauncher
from scheduler.locks import domain_lock_name, page_domain, source_locks
from storage.engine import normalise_url, redact_url
from storage.store import Store

if TYPE_CHECKING:
    import procrastinate
    from procrastinate.job_context import JobContext

logger = logging.getLogger(__name__)

CHECK_TASK = "profilewatch.check_pages"
CLEANUP_TASK = "profilewatch.remove_old_jobs"
# A worker sends this many heartbeats within ``stalled_after``: one late heartbeat (a busy
# database) never makes a live worker look dead.
HEARTBEATS_PER_STALL = 3
# A batch is retried this many times (busy domain, interrupted or failed run), then left
# ``failed`` for a person; the delays grow 2, 4, 8 … 512 s (about 17 min in all), long enough to
# ride out a store restart. A job that stalls (its worker died) this often is given up too.
MAX_ATTEMPTS = 9
RETRY_EXPONENT_SECONDS = 2
# Finished jobs stay this long (what ran when, for `procrastinate`'s own tools), then the hourly
# cleanup deletes them: the jobs table stays small and cheap to vacuum.
KEEP_FINISHED_JOBS_HOURS = 72
SCHEMA_LOCK_KEY = 0x7072_6F66_696C_6502   # advisory lock serialising the schema's creation
WORKER_CONTEXT_KEY = "profilewatch"


@dataclass(frozen=True)
class Batch:
    """One job: pages of one source on one domain."""

    source: str
    domain: str
    index: int                  # the n-th batch of this source on this domain
    urls: tuple[str, ...]
    discover: bool              # this batch also reads the source's listings and sitemaps

    @property
    def lock(self) -> str:
        return domain_lock_name(self.domain)

    @property
    def queueing_lock(self) -> str:
        return f"{self.source}:{self.domain}:{self.index}"


@dataclass(frozen=True)
class Enqueued:
    source: str
    pages: int
    domains: int
    jobs: int
    already_queued: int         # batches still waiting from an earlier cycle

    @property
    def line(self) -> str:
        text = (f"{self.source}: enqueued {self.jobs} job{'' if self.jobs == 1 else 's'} "
                f"({self.pages} page{'' if self.pages == 1 else 's'} on {self.domains} "
                f"domain{'' if self.domains == 1 else 's'})")
        if self.already_queued:
            text += (f"; {self.already_queued} batch{'' if self.already_queued == 1 else 'es'} "
                     "from an earlier cycle still waiting")
        return text


@dataclass(frozen=True)
class WorkerSettings:
    """What the tasks of one worker process need (procrastinate's ``additional_context``)."""

    launcher: BatchLauncher
    queue: str


# --- configuration -------------------------------------------------------------------------------

def cluster_database_url(config: Config, store_url: str) -> str:
    """The PostgreSQL URL of the job queue (libpq form); ConfigError when clustering cannot work.

    ``[cluster] database_url`` when set, else the store's own database. The store must be on
    PostgreSQL either way: workers on several machines write to it.
    """
    where = config.path or "<built-in>"
    if not config.cluster.enabled:
        raise ConfigError("[cluster] enabled = true is not set: workers and the queue are off",
                          path=where)
    store = normalise_url(store_url)
    if not store.startswith("postgresql"):
        raise ConfigError(f"cluster mode needs the store on PostgreSQL (--db or PROFILEWATCH_DB), "
                          f"not {redact_url(store)}", path=where, key="cluster.enabled")
    url = normalise_url(config.cluster.database_url or store)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("not a database URL", path=where, key="cluster.database_url") from None
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(f"must be a PostgreSQL URL, not {redact_url(url)}", path=where,
                          key="cluster.database_url")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


# --- planning ------------------------------------------------------------------------------------

def watched_pages(source: SourceConfig, known: Sequence[str]) -> list[str]:
    """The source's pages in the order a single-machine run checks them: configured URLs first,
    then the pages the store knows; one URL per page (see ``WatchSpider.watched_urls``)."""
    urls: dict[str, str] = {}
    for url in (*source.urls, *known):
        urls.setdefault(page_key(url), url)
    return list(urls.values())


def plan_batches(source: SourceConfig, urls: Sequence[str], pages_per_job: int) -> list[Batch]:
    """Split ``urls`` by domain (in order of first appearance), then into chunks.

    The first batch of the domain of the source's first URL also runs discovery (its listings
    and sitemaps are on that site): once per cycle, never in two batches at once.
    """
    by_domain: dict[str, list[str]] = {}
    for url in urls:
        by_domain.setdefault(page_domain(url), []).append(url)
    home = page_domain(source.urls[0]) if source.urls else next(iter(by_domain), "")
    batches: list[Batch] = []
    for domain, pages in by_domain.items():
        for index, start in enumerate(range(0, len(pages), pages_per_job)):
            chunk = tuple(pages[start:start + pages_per_job])
            batches.append(Batch(source.name, domain, index, chunk,
                                 discover=domain == home and index == 0))
    return batches


# --- the procrastinate app -----------------------------------------------------------------------

def make_app(database_url: str, *, queue: str, pool_size: int = 4) -> procrastinate.App:
    """A procrastinate app on ``database_url`` with profilewatch's tasks registered on ``queue``."""
    import procrastinate

    connector = procrastinate.PsycopgConnector(conninfo=database_url, min_size=1,
                                               max_size=max(2, pool_size))
    app = procrastinate.App(connector=connector)
    retry = procrastinate.RetryStrategy(
        max_attempts=MAX_ATTEMPTS, exponential_wait=RETRY_EXPONENT_SECONDS,
        retry_exceptions=[BatchDeferred, BatchFailed])
    app.task(name=CHECK_TASK, queue=queue, pass_context=True, retry=retry)(check_pages)
    cleanup = app.task(name=CLEANUP_TASK, queue=queue, pass_context=True, priority=50,
                       queueing_lock=f"{queue}:{CLEANUP_TASK}")(remove_old_jobs)
    app.periodic(cron="17 * * * *", periodic_id=queue)(cleanup)
    return app


def sweep_interval(stalled_after: float) -> float:
    """Seconds between two looks for stalled jobs: half ``stalled_after``."""
    return max(0.5, stalled_after / 2)


def ensure_schema(database_url: str) -> bool:
    """Create procrastinate's tables unless they exist; True when this call created them."""
    import psycopg
    from procrastinate.schema import SchemaManager

    try:
        with psycopg.connect(database_url) as connection:
            connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
            row = connection.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if row is not None and row[0] is not None:
                return False
            connection.execute(SchemaManager.get_schema())   # one transaction, with the lock
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreUnavailable(f"job queue {redact_url(database_url)}: {first}") from None
    logger.info("created the job queue's tables (procrastinate schema)")
    return True


# --- tasks (run by workers) ----------------------------------------------------------------------

def _settings(context: JobContext) -> WorkerSettings:
    settings = context.additional_context[WORKER_CONTEXT_KEY]
    assert isinstance(settings, WorkerSettings)
    return settings


async def check_pages(context: JobContext, *, source: str, urls: list[str], since: str,
                      discover: bool = False) -> str:
    """Check one batch of pages in a fresh ``profilewatch run`` child."""
    result = await _settings(context).launcher.run(context.job.id, source, urls, since, discover)
    logger.info("job %s: %s finished in %.1f s: %s", context.job.id, source, result.seconds,
                result.headline)
    return result.headline


async def retry_stalled_jobs(app: procrastinate.App, queue: str, stalled_after: float) -> int:
    """Put the jobs of dead workers (no heartbeat for ``stalled_after``) back in the queue.

    procrastinate's recipe (``JobManager.get_stalled_jobs`` then ``retry_job``); a job that
    stalled :data:`MAX_ATTEMPTS` times (it may be what kills its workers) is marked failed.
    """
    from procrastinate import exceptions
    from procrastinate.jobs import Status

    manager = app.job_manager
    retried = 0
    for job in await manager.get_stalled_jobs(queue=queue, seconds_since_heartbeat=stalled_after):
        source = job.task_kwargs.get("source")
        try:
            if job.attempts + 1 >= MAX_ATTEMPTS:
                logger.error("job %s (%s) stalled on its last attempt: giving up on it", job.id,
                             source)
                await manager.finish_job(job, Status.FAILED, delete_job=False)
                continue
            await manager.retry_job(job)
        except exceptions.ConnectorException as exc:   # another worker retried it first
            logger.debug("job %s: not retried: %s", job.id, exc)
            continue
        retried += 1
        logger.warning("job %s (%s): its worker stopped sending heartbeats; retrying it",
                       job.id, source)
    return retried


async def sweep_stalled_jobs(app: procrastinate.App, queue: str, stalled_after: float) -> None:
    """Every half ``stalled_after``, :func:`retry_stalled_jobs`; runs until cancelled.

    A loop beside the worker's job slots rather than a periodic job: a worker whose slots are
    all busy with long batches still notices a dead peer on time.
    """
    import asyncio

    while True:
        await asyncio.sleep(sweep_interval(stalled_after))
        try:
            await retry_stalled_jobs(app, queue, stalled_after)
        except Exception as exc:   # the database away for a moment: try again next time
            logger.warning("could not look for stalled jobs: %s", exc)


async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
    """Delete jobs finished more than :data:`KEEP_FINISHED_JOBS_HOURS` ago."""
    await context.app.job_manager.delete_old_jobs(
        nb_hours=KEEP_FINISHED_JOBS_HOURS, queue=_settings(context).queue,
        include_failed=True, include_cancelled=True, include_aborted=True)


# --- enqueueing (the daemon's side) --------------------------------------------------------------

def enqueue_cycle(app: procrastinate.App, config: Config, store: Store, name: str,
                  now: datetime | None = None) -> Enqueued:
    """Defer one job per batch of the pages of source ``name`` (call with ``app`` open)."""
    from procrastinate import exceptions

    source = config.source(name)
    now = now or datetime.now(UTC)
    with source_locks(store, [name]):
        pass   # when no batch of the source runs: close the runs killed processes left open
    urls = watched_pages(source, list(store.page_states(name)))
    batches = plan_batches(source, urls, config.cluster.pages_per_job)
    task = app.tasks[CHECK_TASK]
    since = now.astimezone(UTC).isoformat()   # to the microsecond: a retry skips what came after
    jobs = waiting = 0
    for batch in batches:
        deferrer = task.configure(lock=batch.lock, queueing_lock=batch.queueing_lock)
        try:
            deferrer.defer(source=batch.source, urls=list(batch.urls), since=since,
                           discover=batch.discover)
        except exceptions.AlreadyEnqueued:
            waiting += 1
            continue
        jobs += 1
    return Enqueued(name, len(urls), len({b.domain for b in batches}), jobs, waiting)


def queue_counts(app: procrastinate.App, queue: str) -> dict[str, int]:
    """Jobs of ``queue`` per status: todo, doing, succeeded, failed, cancelled, aborted."""
    statuses = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")
    counts = dict.fromkeys(statuses, 0)
    for row in app.job_manager.list_queues(queue=queue):
        for status in statuses:
            counts[status] += int(row.get(status) or 0)
    return counts


class ClusterQueue:
    """The daemon's side of the cluster: defers each due source's batches (thread-safe)."""

    def __init__(self, config: Callable[[], Config], store: Store, database_url: str) -> None:
        self.config = config            # read at each slot: a reloaded config applies at once
        self.store = store
        self.database_url = database_url
        cluster = config().cluster
        self.app = make_app(database_url, queue=cluster.queue)
        self._open = False

    def open(self) -> ClusterQueue:
        ensure_schema(self.database_url)
        self.app.open()
        self._open = True
        return self

    def close(self) -> None:
        if self._open:
            self._open = False
            self.app.close()

    def enqueue(self, name: str) -> None:
        """The daemon's runner in cluster mode: enqueue the cycle, log it; never raises."""
        try:
            done = enqueue_cycle(self.app, self.config(), self.store, name)
        except Exception as exc:  # a failed slot must not stop the daemon
            logger.error("%s: could not enqueue the cycle: %s", name, exc)
            return
        logger.info("%s", done.line)


def run_worker(database_url: str, cluster: ClusterSettings, launcher: BatchLauncher, *,
               concurrency: int, name: str) -> None:
    """Run jobs of ``cluster.queue`` until SIGTERM/SIGINT (procrastinate's handlers).

    On a stop signal the worker takes no new job and its children get one SIGTERM each: they
    record the pages in hand and exit, and their jobs go back to the queue for the pages left.
    """
    import asyncio

    app = make_app(database_url, queue=cluster.queue, pool_size=concurrency + 3)
    settings = WorkerSettings(launcher, cluster.queue)

    async def work() -> None:
        loop = asyncio.get_running_loop()
        async with app.open_async():
            sweeper = asyncio.create_task(
                sweep_stalled_jobs(app, cluster.queue, cluster.stalled_after))
            serving = asyncio.create_task(app.run_worker_async(
                queues=[cluster.queue], concurrency=concurrency, name=name,
                additional_context={WORKER_CONTEXT_KEY: settings},
                update_heartbeat_interval=cluster.stalled_after / HEARTBEATS_PER_STALL,
                stalled_worker_timeout=cluster.stalled_after, shutdown_graceful_timeout=0,
                install_signal_handlers=False))
            stops = 0

            def on_signal() -> None:
                nonlocal stops
                stops += 1
                if stops == 1:
                    logger.info("stop requested: no new jobs; running batches finish their pages "
                                "in hand and go back to the queue")
                    sweeper.cancel()      # from now on our own jobs look stalled: hands off
                    serving.cancel()      # procrastinate stops, then aborts the running jobs
                else:
                    launcher.kill_all()   # a second signal: stop the runs at once

            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, on_signal)
            try:
                await serving
            except asyncio.CancelledError:
                if not stops:
                    raise
            finally:
                for signum in (signal.SIGTERM, signal.SIGINT):
                    loop.remove_signal_handler(signum)
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
        logger.info("worker stopped")

    asyncio.run(work())
