"""``profilewatch worker`` and ``profilewatch enqueue``: the cluster's two ends (docs/scaling.md)."""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import click

from profilewatch.cli.app import App, pass_app
from profilewatch.cli.daemon import _child_args, _child_env

# Worker processes of one machine share its cores: each job is a crawl with its own extraction
# processes, so one job per worker and one worker per core or two is the usual shape.
DEFAULT_CONCURRENCY = 1


@click.command()
@click.option("--concurrency", type=click.IntRange(1, 64), default=DEFAULT_CONCURRENCY,
              show_default=True, help="Jobs (each a child crawl of one batch) run at the same time.")
@click.option("--apply-schema", is_flag=True,
              help="Create the job queue's tables in the cluster database, then exit.")
@pass_app
def worker(app: App, concurrency: int, apply_schema: bool) -> None:
    """Run the cluster's jobs (batches of due pages) until SIGTERM/SIGINT.

    Needs `[cluster] enabled = true` and the store on PostgreSQL. Start any number of workers on
    any number of machines with the same config: the daemon enqueues, workers check. The job
    queue's tables are created on first use (or with --apply-schema).
    """
    from scheduler.cluster import cluster_database_url, ensure_schema, run_worker
    from scheduler.cluster_child import BatchLauncher

    config = app.config
    url = cluster_database_url(config, app.db_url)
    if app.verbosity >= 0:   # jobs started and finished are the worker's own output
        logging.getLogger("scheduler").setLevel(logging.INFO)
    if apply_schema:
        created = ensure_schema(url)
        click.echo("Created the job queue's tables." if created
                   else "The job queue's tables exist already.")
        return
    app.store()                          # migrates the store, proves it answers
    ensure_schema(url)
    config_path = str(Path(config.path).resolve()) if config.path else None
    launcher = BatchLauncher(_child_args(app, config_path), _child_env(app),
                             json_logs=app.log_format == "json")
    run_worker(url, config.cluster, launcher, concurrency=concurrency,
               name=f"{socket.gethostname()}:{os.getpid()}")


@click.command()
@click.option("--source", "source_names", multiple=True, metavar="NAME",
              help="Enqueue only this source (repeatable). Default: every source.")
@pass_app
def enqueue(app: App, source_names: tuple[str, ...]) -> None:
    """Queue one check cycle now for the cluster's workers, print what was queued, and exit.

    The cluster's `run`: for cron, or to check everything now while the daemon keeps its
    schedule. Batches of a source still waiting from an earlier cycle are not queued twice.
    """
    from scheduler.cluster import ClusterQueue, cluster_database_url, enqueue_cycle

    config = app.config
    url = cluster_database_url(config, app.db_url)
    names = [config.source(n).name for n in source_names] or [s.name for s in config.sources]
    store = app.store()
    store.sync_sources(config.sources)
    queue = ClusterQueue(lambda: config, store, url).open()
    try:
        for name in names:
            click.echo(enqueue_cycle(queue.app, config, store, name).line)
    finally:
        queue.close()


COMMANDS = [worker, enqueue]
