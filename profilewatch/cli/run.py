"""``profilewatch run``: one check cycle now (cron mode), or one cluster batch (``--url``)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from profilewatch.cli.app import App, pass_app
from profilewatch.cli.output import notice, stderr_is_terminal
from profilewatch.config import SourceConfig
from profilewatch.errors import EXIT_OK, EXIT_RETRY_LATER, UsageError
from profilewatch.progress import make_progress
from profilewatch.summary import render_summary
from profilewatch.timeutil import parse_user_time
from scheduler.locks import batch_locks, page_domain, source_locks
from scheduler.protocol import RunResult, claim_result_fd, result_of, write_result
from storage.runs import RunRequest
from storage.store import Store

if TYPE_CHECKING:
    from storage.runs import RunReport

logger = logging.getLogger(__name__)


@click.command()
@click.option("--source", "source_names", multiple=True, metavar="NAME",
              help="Run only this source (repeatable). Default: every source.")
@click.option("--trigger", type=click.Choice(["manual", "schedule", "cluster"]), default="manual",
              hidden=True)
@click.option("--url", "only_urls", multiple=True, metavar="URL", hidden=True,
              help="Check only this page of the one --source (repeatable): a cluster batch.")
@click.option("--unchecked-since", "since_text", metavar="TIME", hidden=True,
              help="With --url: skip pages checked at or after TIME (a retried batch).")
@click.option("--discover/--no-discover", default=True, hidden=True,
              help="With --url: read the source's listings and sitemaps too.")
@click.option("--result-fd", type=click.IntRange(min=0), default=None, hidden=True,
              callback=lambda _ctx, _param, fd: claim_result_fd(fd),
              help="Write the run's result as one JSON line on this file descriptor "
                   "(the child protocol of daemon and cluster workers: scheduler.protocol).")
@click.pass_context
@pass_app
def run(app: App, ctx: click.Context, source_names: tuple[str, ...], trigger: str,
        only_urls: tuple[str, ...], since_text: str | None, discover: bool,
        result_fd: int | None) -> None:
    """Run one check cycle now, print a summary, and exit."""
    config = app.config
    if only_urls or since_text:
        if len(source_names) != 1 or not only_urls:
            raise UsageError("--url and --unchecked-since need exactly one --source and one --url")
        since = parse_user_time(since_text) if since_text else None
        code = _run_batch(app, config.source(source_names[0]), only_urls, since, discover, trigger,
                          result_fd)
        if code:
            ctx.exit(code)
        return
    sources = [config.source(n) for n in source_names] if source_names else list(config.sources)
    _prestart_workers(config.settings.workers, sum(len(s.urls) for s in sources))
    store = app.store()
    store.sync_sources(config.sources)
    with source_locks(store, [s.name for s in sources]) as (locked, busy):
        for name in busy:
            notice(f"source {name} is already being run by another process; skipping it")
        if not locked:
            write_result(result_fd, RunResult("busy", skipped=tuple(busy)))
            return
        request = RunRequest(tuple(s for s in sources if s.name in locked), trigger=trigger,
                             workers=config.settings.workers)
        report = _run(app, store, request, busy)
    _report(app, store, report, result_fd)


def _prestart_workers(workers: int | None, pages: int) -> None:
    """A run that will extract in worker processes starts their fork server first: it imports the
    extraction modules on another core while this process opens the store and sets the crawl up."""
    from crawler.procpool import AUTO_POOL_MIN_PAGES, WORKER_MODULES, prestart  # no Scrapy

    if workers or (workers is None and pages >= AUTO_POOL_MIN_PAGES):
        prestart(WORKER_MODULES)


def _run_batch(app: App, source: SourceConfig, only_urls: tuple[str, ...],
               since: datetime | None, discover: bool, trigger: str,
               result_fd: int | None = None) -> int:
    """Check some pages of one source under the batch locks; returns the exit status."""
    store = app.store()
    store.sync_sources(app.config.sources)
    domains = sorted({page_domain(url) for url in only_urls})
    with batch_locks(store, source.name, domains) as got:
        if not got:
            notice(f"source {source.name}: {', '.join(domains)} is being checked by another "
                   "process; skipping these pages")
            write_result(result_fd, RunResult("busy"))
            return EXIT_RETRY_LATER if trigger == "cluster" else EXIT_OK
        urls = _due_pages(store, source, only_urls, since)
        if not urls:
            one = len(only_urls) == 1
            click.echo(f"Nothing to check: the {len(only_urls)} page{'' if one else 's'} given "
                       f"{'was' if one else 'were'} checked already.")
            write_result(result_fd, RunResult("nothing-due"))
            return EXIT_OK
        batch = RunRequest((source,), trigger=trigger, only_urls={source.name: tuple(urls)},
                           discover=discover, workers=app.config.settings.workers)
        report = _run(app, store, batch, [])
    _report(app, store, report, result_fd)
    if trigger == "cluster" and any(s.status != "completed" for s in report.sources):
        return EXIT_RETRY_LATER
    return EXIT_OK


def _due_pages(store: Store, source: SourceConfig, urls: tuple[str, ...],
               since: datetime | None) -> list[str]:
    """The pages of ``urls`` that belong to the source and were not checked since ``since``."""
    asked = list(dict.fromkeys(urls))
    states = store.page_states(source.name, urls=asked)
    due: list[str] = []
    for url in asked:
        state = states.get(url)
        if state is None and url not in source.urls:
            logger.warning("%s: %s is not one of its pages; not checking it", source.name, url)
            continue
        checked = state.last_checked_at if state is not None else None
        if checked is not None and checked.tzinfo is None:   # SQLite keeps naive UTC times
            checked = checked.replace(tzinfo=UTC)
        if since is not None and checked is not None and checked >= since:
            continue
        due.append(url)
    return due


def _run(app: App, store: Store, request: RunRequest, busy: list[str]) -> RunReport:
    """One cycle of the request's sources (the caller holds their locks)."""
    from crawler.runner import run_sources  # local: Scrapy and Twisted load only for runs

    interactive = stderr_is_terminal() and app.verbosity >= 0
    progress = make_progress(interactive=interactive, quiet=app.verbosity < 0)
    log_level = "DEBUG" if app.verbosity >= 2 else "WARNING"
    report = run_sources(app.config, store, request, progress=progress, log_level=log_level)
    report.skipped = busy
    return report


def _report(app: App, store: Store, report: RunReport, result_fd: int | None = None) -> None:
    """The summary on stdout and the result for a parent, then the change reports (after the
    locks are released)."""
    from profilewatch.reports.digest import send_after_run

    click.echo(render_summary(report))
    write_result(result_fd, result_of(report))
    send_after_run(app.config, store, report)   # never raises: a failed delivery is logged


COMMANDS = [run]
