"""``profilewatch daemon``: run every source on its schedule until SIGTERM/SIGINT (SIGHUP reloads)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import click

from profilewatch.cli.app import App, pass_app
from profilewatch.config import Config, load_config
from scheduler.children import ChildRuns
from scheduler.daemon import DEFAULT_PARALLEL_RUNS, Daemon

# After the children stopped, their relay threads flush the last lines within this time.
RELAY_FLUSH_SECONDS = 5.0


@click.command()
@click.option("--jitter", "jitter_cap", type=click.FloatRange(min=0), metavar="SECONDS",
              help="Largest random delay added to each run (default: a tenth of the source's "
                   "period, at most 300 s; 0 disables it).")
@click.option("--max-parallel", type=click.IntRange(min=1), default=DEFAULT_PARALLEL_RUNS,
              show_default=True, help="Check cycles (sources) that may run at the same time.")
@pass_app
def daemon(app: App, jitter_cap: float | None, max_parallel: int) -> None:
    """Run each source on its schedule until SIGTERM/SIGINT; SIGHUP reloads the config.

    Each cycle is a fresh `profilewatch run --source NAME` process; last-run times are read from
    the store, so a restart keeps the schedules and an overdue source runs once.
    """
    if app.verbosity >= 0:   # the daemon's own life (runs started, finished, next) is its output
        logging.getLogger("scheduler").setLevel(logging.INFO)
    config = app.config
    config_path = str(Path(config.path).resolve()) if config.path else None
    store = app.store()
    children = ChildRuns(_child_args(app, config_path), _child_env(app),
                         json_logs=app.log_format == "json")

    def reload() -> Config:
        fresh = load_config(config_path if config_path else app.config_path)
        children.global_args = _child_args(app, str(Path(fresh.path).resolve()) if fresh.path
                                           else None)
        return fresh

    scheduler = Daemon(config, store, children.run, reload=reload, jitter_cap=jitter_cap,
                       parallel=max_parallel)
    if config.cluster.enabled:   # enqueue for the workers instead of running (docs/scaling.md)
        from scheduler.cluster import ClusterQueue, cluster_database_url

        queue = ClusterQueue(lambda: scheduler.config, store,
                             cluster_database_url(config, app.db_url)).open()
        scheduler.runner = queue.enqueue
        scheduler.serve_forever(lambda _timeout, _force: queue.close())
        return
    scheduler.serve_forever(children.stop)
    children.wait_idle(RELAY_FLUSH_SECONDS)


def _child_args(app: App, config_path: str | None) -> list[str]:
    args = ["--log-format", app.log_format]
    if app.verbosity < 0:
        args.append("--quiet")
    elif app.verbosity > 0:
        args.append("-" + "v" * app.verbosity)
    if config_path:
        args += ["--config", config_path]
    return args


def _child_env(app: App) -> dict[str, str]:
    """The database URL goes by environment, not argv: it may hold a password (`ps` shows argv)."""
    return {**os.environ, "PROFILEWATCH_DB": app.db_url}


COMMANDS = [daemon]
