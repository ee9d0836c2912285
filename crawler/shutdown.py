"""Stopping a run on SIGTERM/SIGINT within a bounded time.

First signal: Scrapy's graceful stop — no new page is started, pages in flight finish and are
recorded (each in its one transaction). Pages still downloading after :data:`STOP_GRACE_SECONDS`
are abandoned: the reactor stops, nothing is recorded for them (an interrupted fetch is not a
failed check). A second signal abandons them at once. Either way the run row ends ``interrupted``.

Replaces Scrapy's own handlers, whose graceful stop waits for every download to finish or time out
(``DOWNLOAD_TIMEOUT`` plus retries: minutes).
"""

from __future__ import annotations

import contextlib
import logging
import signal
from types import FrameType
from typing import Any, cast

from scrapy.crawler import CrawlerProcess
from scrapy.utils.defer import deferred_from_coro
from scrapy.utils.ossignal import install_shutdown_handlers, signal_names

logger = logging.getLogger(__name__)

# How long pages in flight get to finish after SIGTERM: a normal page answers in a second or two;
# one still downloading after this is abandoned. The daemon waits a little longer than this
# (scheduler.daemon.STOP_TIMEOUT_SECONDS) before it kills a run.
STOP_GRACE_SECONDS = 10.0
# A crawl still opening when the signal comes is looked at again this often, to stop it.
OPENING_POLL_SECONDS = 0.1


class RunStopper:
    """Signal handlers for one ``CrawlerProcess`` (install before ``process.start``)."""

    def __init__(self, process: CrawlerProcess, grace: float = STOP_GRACE_SECONDS) -> None:
        self.process = process
        self.grace = grace
        self.signals = 0
        self.forced = False

    def install(self) -> None:
        install_shutdown_handlers(self._on_signal)

    def uninstall(self) -> None:
        """After the crawl: a stop signal while the run writes its end is ignored (milliseconds)."""
        install_shutdown_handlers(signal.SIG_IGN)

    @property
    def stopping(self) -> bool:
        return self.signals > 0

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        reactor = _reactor()
        self.signals += 1
        # logging and stopping happen in the reactor thread, never inside the signal handler
        if self.signals == 1:
            reactor.callFromThread(self._graceful, signum)
        else:
            install_shutdown_handlers(signal.SIG_IGN)
            reactor.callFromThread(self._force, signum)

    def _graceful(self, signum: int) -> None:
        logger.warning("received %s: finishing the pages in flight (at most %.0f s; send it "
                       "again to stop at once)", signal_names.get(signum, signum), self.grace)
        _reactor().callLater(self.grace, self._force, None)
        self._stop_crawlers()

    def _stop_crawlers(self) -> None:
        """Gracefully stop every running crawl; one still opening is stopped once it runs
        (Scrapy ignores a stop that comes before its engine starts)."""
        opening = False
        for crawler in list(self.process.crawlers):
            try:
                engine = crawler.engine
            except RuntimeError:   # not created yet
                engine = None
            if engine is not None and engine.running:
                deferred_from_coro(crawler.stop_async()).addErrback(
                    lambda failure: logger.error("stopping a crawl failed: %s", failure.value))
            elif crawler.crawling:
                opening = True
        if opening and not self.forced:
            _reactor().callLater(OPENING_POLL_SECONDS, self._stop_crawlers)

    def _force(self, signum: Any) -> None:
        reactor = _reactor()
        self.forced = True
        if signum is not None:
            logger.warning("received %s again: abandoning the pages in flight",
                           signal_names.get(signum, signum))
        else:
            logger.warning("pages still in flight after %.0f s: abandoning them", self.grace)
        with contextlib.suppress(RuntimeError):   # already stopping: the crawl ended meanwhile
            reactor.stop()


def _reactor() -> Any:
    from twisted.internet import reactor

    return cast(Any, reactor)
