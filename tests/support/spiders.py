"""The in-process spider harness: a source's real spider, item pipelines, middlewares and store,
through :func:`crawler.runner.run_sources`, without a ``profilewatch run`` subprocess.

For tests of what a spider discovers and extracts (what is stored, which requests the server saw),
not of the process (exit codes, the summary, signals: those stay in ``tests/e2e/`` with
``tests.conftest.Cli``).

How: the Twisted reactor runs once per process, so each crawl runs in a child made by
multiprocessing's ``forkserver``: a single-threaded server process, started once per session with
Scrapy, the crawler and the pipeline already imported, forks one child per crawl (~0.1 s instead of
the ~1-3 s of imports a ``profilewatch run`` pays). The test process never installs a reactor and
never forks itself (the mock server's threads make ``fork`` unsafe there, and Python 3.12+ warns
about it). The child sends its :class:`~storage.runs.RunReport`, its log lines and the warnings it
saw back through a pipe; the warnings are raised again in the test process, so
``filterwarnings = error`` still catches them. The read commands (``sources``, ``show``,
``changes``) run in the test process (:func:`tests.support.cli.invoke`).
"""

from __future__ import annotations

import logging
import multiprocessing
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import Result
from tests.support.cli import invoke

if TYPE_CHECKING:
    from storage.runs import RunReport

# Imported once by the fork server, before it forks any crawl (the extraction pool's own modules
# included: whichever of the two starts the server first names what it preloads).
PRELOAD = ["crawler.runner", "crawler.extraction", "pipeline.analyse", "profilewatch.config",
           "tests.support.spiders"]
CRAWL_TIMEOUT = 120.0


@dataclass
class Crawl:
    """What one harness crawl did: the run report and what the run logged (WARNING and above)."""

    report: RunReport
    log: list[str] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        """Every source's crawl finished (as a ``profilewatch run`` that exits 0 and says so)."""
        return bool(self.report.sources) and all(s.status == "completed"
                                                 for s in self.report.sources)

    @property
    def log_text(self) -> str:
        return "\n".join(self.log)


@dataclass(frozen=True)
class _Job:
    db: str
    config: str
    sources: tuple[str, ...]


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def _crawl_child(job: _Job, results: Connection) -> None:
    """In the forked child: one check cycle as ``profilewatch run`` makes it, minus the locks and
    the summary; sends ``(report or exception, log lines, warnings)``."""
    from crawler.runner import run_sources
    from profilewatch.config import load_config
    from storage.runs import RunRequest
    from storage.store import Store

    root = logging.getLogger()
    handler = _ListHandler()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    outcome: object
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            config = load_config(job.config)
            store = Store.open(job.db)
            try:
                store.sync_sources(config.sources)
                sources = tuple(s for s in config.sources
                                if not job.sources or s.name in job.sources)
                request = RunRequest(sources, workers=config.settings.workers)
                outcome = run_sources(config, store, request, log_level="WARNING")
            finally:
                store.close()
        except BaseException as exc:  # sent to the test process, which raises it
            exc.add_note(traceback.format_exc())
            outcome = exc
    raised = [(w.category, str(w.message)) for w in seen]
    try:
        results.send((outcome, handler.lines, raised))
    except Exception:  # an exception that does not pickle: its text instead
        results.send((RuntimeError(traceback.format_exception(outcome)
                                   if isinstance(outcome, BaseException) else repr(outcome)),
                      handler.lines, raised))
    results.close()


def crawl(db: str, config: Path, *sources: str, timeout: float = CRAWL_TIMEOUT) -> Crawl:
    """One check cycle of ``config``'s sources (or only ``sources``) into the store ``db``."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_crawl_child, args=(_Job(db, str(config), sources), send),
                            name="profilewatch-harness-crawl")
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise AssertionError(f"the harness crawl did not finish in {timeout:.0f} s")
        outcome, log, raised = receive.recv()
    except EOFError:
        child.join(5)
        raise AssertionError(f"the harness crawl died (exit code {child.exitcode})") from None
    finally:
        receive.close()
        child.join(10)
        if child.is_alive():
            child.kill()
            child.join()
    for category, message in raised:
        warnings.warn(message, category, stacklevel=2)
    if isinstance(outcome, BaseException):
        raise outcome
    return Crawl(outcome, log)


class Harness:
    """A store and a config file in a temporary folder: ``run()`` crawls in a child, calls read
    commands in this process (the same calls as ``tests.conftest.Cli``)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.db = f"sqlite:///{workdir / 'store.db'}"
        self.config = workdir / "profilewatch.toml"

    def write_config(self, text: str) -> Path:
        self.config.write_text(text, encoding="utf-8")
        return self.config

    def run(self, *sources: str) -> Crawl:
        return crawl(self.db, self.config, *sources)

    def __call__(self, *args: str) -> Result:
        """A read command (``sources --json``, ``show``, ``changes --json``...) in this process."""
        done = invoke(self.db, self.config, *args)
        return Result(done.exit_code, done.stdout, done.stderr)


@pytest.fixture
def harness(tmp_path: Path, root_logging: None) -> Iterator[Harness]:
    yield Harness(tmp_path)
