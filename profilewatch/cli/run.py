"""``profilewatch run``: one check cycle now (cron mode)."""

from __future__ import annotations

import logging

import click

from profilewatch.cli.app import App, pass_app
from profilewatch.cli.output import notice, stderr_is_terminal
from profilewatch.progress import make_progress
from profilewatch.summary import render_summary
from scheduler.locks import source_locks

logger = logging.getLogger(__name__)


@click.command()
@click.option("--source", "source_names", multiple=True, metavar="NAME",
              help="Run only this source (repeatable). Default: every source.")
@click.option("--trigger", type=click.Choice(["manual", "schedule", "cluster"]), default="manual",
              hidden=True)
@pass_app
def run(app: App, source_names: tuple[str, ...], trigger: str) -> None:
    """Run one check cycle now, print a summary, and exit."""
    from crawler.runner import run_sources  # local: Scrapy and Twisted load only for runs

    config = app.config
    sources = [config.source(n) for n in source_names] if source_names else list(config.sources)
    store = app.store()
    store.sync_sources(config.sources)
    with source_locks(store, [s.name for s in sources]) as (locked, busy):
        for name in busy:
            notice(f"source {name} is already being run by another process; skipping it")
        if not locked:
            return
        chosen = [s for s in sources if s.name in locked]
        interactive = stderr_is_terminal() and app.verbosity >= 0
        progress = make_progress(interactive=interactive, quiet=app.verbosity < 0)
        log_level = "DEBUG" if app.verbosity >= 2 else "WARNING"
        report = run_sources(config, store, chosen, progress=progress, trigger=trigger,
                             log_level=log_level)
        report.skipped = busy
    click.echo(render_summary(report))
    from profilewatch.reports.digest import send_after_run

    send_after_run(config, store, report)   # never raises: a failed delivery is logged and recorded


COMMANDS = [run]
