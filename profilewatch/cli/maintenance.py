"""Keeping the store for years: ``copy`` (back up, move) and ``prune`` (drop old raw captures)."""

from __future__ import annotations

from dataclasses import asdict
from types import TracebackType
from typing import Any

import click

from profilewatch.cli.app import App, pass_app
from profilewatch.cli.output import notice, print_json, stderr_is_terminal
from profilewatch.errors import NotFoundError
from profilewatch.timeutil import format_time, parse_user_time
from storage.copy import CopyReport, copy_store
from storage.engine import normalise_url, redact_url


class CopyBar:
    """A rich progress bar per table on stderr (used only when stderr is a terminal)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(TextColumn("[bold]copying {task.description}"), BarColumn(),
                                  MofNCompleteColumn(), console=Console(stderr=True),
                                  transient=True)
        self._task: Any = None

    def __enter__(self) -> CopyBar:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._progress.stop()

    def table(self, name: str, rows: int) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(name, total=rows or None)

    def advance(self, rows: int) -> None:
        self._progress.update(self._task, advance=rows)


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def copy_summary(report: CopyReport, target: str) -> str:
    rows = report.rows
    return (f"copied {rows.get('pages', 0)} pages, {rows.get('versions', 0)} versions, "
            f"{rows.get('events', 0)} events and {rows.get('blobs', 0)} blobs "
            f"({_mb(report.bytes)}; {sum(rows.values())} rows in {len(rows)} tables) to "
            f"{target} in {report.seconds:.1f} s")


@click.command(name="copy")
@click.option("--to", "target", required=True, metavar="URL",
              help="The empty store to copy into (SQLite or PostgreSQL URL).")
@pass_app
def copy_command(app: App, target: str) -> None:
    """Copy the whole store into an empty one: a backup of a live store, or a move between
    SQLite and PostgreSQL. Histories, events (ids kept), captures and hash chains stay
    identical; a target that holds pages is refused (exit 2) and left untouched.
    """
    if not app.store_exists():
        raise NotFoundError(f"no store at {redact_url(app.db_url)}: nothing to copy")
    target = normalise_url(target)
    if stderr_is_terminal() and app.verbosity >= 0:
        with CopyBar() as bar:
            report = copy_store(app.db_url, target, progress=bar)
    else:
        report = copy_store(app.db_url, target)
    notice(copy_summary(report, redact_url(target)))


@click.command()
@click.option("--captures-before", "before", required=True, metavar="TIME",
              help="Drop the raw captures of versions superseded before TIME.")
@click.option("--dry-run", is_flag=True, help="Print what would go; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="The figures as a JSON object.")
@pass_app
def prune(app: App, before: str, dry_run: bool, as_json: bool) -> None:
    """Drop the raw captures of versions superseded before TIME (a later version of the page was
    captured at or before TIME). The version live at TIME and later ones keep theirs; versions,
    texts, events, digests and hash chains stay, so `verify` and `cite` keep working.
    """
    moment = parse_user_time(before)
    if not app.store_exists():
        raise NotFoundError(f"no store at {redact_url(app.db_url)}: nothing to prune")
    summary = app.store().prune_captures(moment, dry_run=dry_run)
    if as_json:
        print_json({**asdict(summary), "before": format_time(summary.before),
                    "dry_run": dry_run})
        return
    click.echo(summary.line(dry_run=dry_run))


COMMANDS = [copy_command, prune]
