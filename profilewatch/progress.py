"""Run progress: a rich progress bar on a terminal, one log line per page otherwise."""

from __future__ import annotations

import logging
from typing import Any

from storage.results import RecordOutcome

logger = logging.getLogger("profilewatch.run")


class LogProgress:
    """Plain lines on stderr (cron, pipes, ``--log-format json``)."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet

    def start(self, total: int) -> None:
        if not self.quiet:
            logger.info("checking %d page%s", total, "" if total == 1 else "s")

    def page_done(self, source: str, url: str, outcome: RecordOutcome) -> None:
        if self.quiet:
            return
        reason = f" ({outcome.reason})" if outcome.reason else ""
        version = f" v{outcome.version}" if outcome.version else ""
        logger.info("%s: %s%s%s", url, outcome.kind.value, version, reason)

    def finish(self) -> None:
        pass


class RichProgress:
    """A progress bar with the last page's outcome, on stderr."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(TextColumn("[bold]checking"), BarColumn(), MofNCompleteColumn(),
                                  TextColumn("{task.description}"),
                                  console=Console(stderr=True), transient=True)
        self._task: Any = None

    def start(self, total: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task("", total=total or None)

    def page_done(self, source: str, url: str, outcome: RecordOutcome) -> None:
        task = self._progress.tasks[0]
        total = task.total
        if total is not None and task.completed + 1 > total:   # discovery found more pages
            total = task.completed + 1
        self._progress.update(self._task, advance=1, total=total,
                              description=f"{outcome.kind.value}: {url[-60:]}")

    def finish(self) -> None:
        self._progress.stop()


def make_progress(*, interactive: bool, quiet: bool) -> LogProgress | RichProgress:
    return RichProgress() if interactive and not quiet else LogProgress(quiet=quiet)
