"""Retries inside a run: transient failures again after an exponential backoff, within a page budget.

Transient: timeouts, refused or reset connections, truncated bodies (Scrapy's
``RETRY_EXCEPTIONS``) and the statuses of ``RETRY_HTTP_CODES`` (408, 429, 5xx). A ``Retry-After``
header (seconds or an HTTP date) is honoured when it is short (:data:`RETRY_AFTER_MAX_SECONDS`);
a server asking for more is not retried in this run (the next run will check again). Every
retry must fit the page's time budget: with the default 30 s timeout and 2 retries one page
never takes more than :data:`PAGE_BUDGET_SECONDS`, and the last attempt's timeout is shortened to
fit. During a graceful stop nothing is retried.

The policy (:func:`retry_delay`, :func:`parse_retry_after`) is plain functions; the middleware is
glue around Scrapy's ``RetryMiddleware`` (retry counting, stats, priorities).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.response import response_status_message

logger = logging.getLogger(__name__)

# First backoff and its cap: 1 s, 2 s, 4 s … at most 30 s (each drawn in [half, full] so that
# pages failing together do not retry together).
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 30.0
# A Retry-After longer than this is a server asking to be left alone: the page fails for this run.
RETRY_AFTER_MAX_SECONDS = 60.0
# One page, all attempts and waits included, stays under two minutes.
PAGE_BUDGET_SECONDS = 110.0
# A retry whose attempt would get less time than this is not worth sending.
MIN_ATTEMPT_SECONDS = 5.0
# Sleeping retries look this often whether the run is being stopped.
STOP_CHECK_SECONDS = 0.25


@dataclass(frozen=True)
class RetryPolicy:
    base: float = BACKOFF_BASE_SECONDS
    cap: float = BACKOFF_MAX_SECONDS
    retry_after_max: float = RETRY_AFTER_MAX_SECONDS
    budget: float = PAGE_BUDGET_SECONDS
    min_attempt: float = MIN_ATTEMPT_SECONDS


@dataclass(frozen=True)
class RetryPlan:
    wait: float          # seconds before the next attempt
    timeout: float       # that attempt's download timeout


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date); None if absent
    or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def backoff(attempt: int, policy: RetryPolicy, rng: random.Random | None = None) -> float:
    """The wait before retry number ``attempt`` (1, 2 …): exponential, capped, half-jittered."""
    full = min(policy.cap, policy.base * 2.0 ** max(0, attempt - 1))
    spread: float = (rng or random).uniform(0.5, 1.0)
    return full * spread


def retry_delay(attempt: int, elapsed: float, timeout: float, policy: RetryPolicy,
                retry_after: float | None = None, rng: random.Random | None = None) -> RetryPlan | None:
    """Whether and when to send retry number ``attempt`` of a page ``elapsed`` seconds into its
    budget; None: do not retry."""
    if retry_after is not None and retry_after > policy.retry_after_max:
        return None
    wait = max(backoff(attempt, policy, rng), retry_after or 0.0)
    left = policy.budget - elapsed - wait
    if left < min(policy.min_attempt, timeout):
        return None
    return RetryPlan(wait=wait, timeout=min(timeout, left))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, waiting (backoff, ``Retry-After``) within a per-page budget."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.policy = RetryPolicy(
            base=settings.getfloat("RETRY_BACKOFF_BASE", BACKOFF_BASE_SECONDS),
            cap=settings.getfloat("RETRY_BACKOFF_MAX", BACKOFF_MAX_SECONDS),
            retry_after_max=settings.getfloat("RETRY_AFTER_MAX", RETRY_AFTER_MAX_SECONDS),
            budget=settings.getfloat("RETRY_PAGE_BUDGET", PAGE_BUDGET_SECONDS))

    def process_request(self, request: Request) -> None:
        request.meta.setdefault("retry_started", time.monotonic())

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry_after = parse_retry_after(_header(response, b"Retry-After"))
        retry = await self._wait_and_retry(request, response_status_message(response.status),
                                           retry_after)
        return retry or response

    async def process_exception(self, request: Request, exception: Exception) -> Request | None:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or not isinstance(exception,
                                                                   self.exceptions_to_retry):
            return None
        return await self._wait_and_retry(request, exception, None)

    async def _wait_and_retry(self, request: Request, reason: str | Exception,
                              retry_after: float | None) -> Request | None:
        attempt = request.meta.get("retry_times", 0) + 1
        if attempt > request.meta.get("max_retry_times", self.max_retry_times):
            return self._retry(request, reason)      # Scrapy logs and counts the give-up
        elapsed = time.monotonic() - request.meta.get("retry_started", time.monotonic())
        plan = retry_delay(attempt, elapsed, self.timeout, self.policy, retry_after)
        stats = self.crawler.stats
        if plan is None or self._stopping():
            if stats is not None:
                stats.inc_value("retry/not_in_budget" if plan is None else "retry/stopping")
            logger.debug("not retrying %s (%s): %s", request.url, reason,
                         "no time left in its budget or Retry-After too long" if plan is None
                         else "the run is stopping")
            return None
        retry = self._retry(request, reason)
        if retry is None:
            return None
        if stats is not None:
            stats.inc_value("retry/wait_seconds", int(plan.wait))
        if not await self._sleep(plan.wait):
            return None
        retry.meta["download_timeout"] = plan.timeout
        return retry

    def _stopping(self) -> bool:
        try:
            return not self.crawler.engine.running
        except RuntimeError:   # no engine yet
            return True

    async def _sleep(self, seconds: float) -> bool:
        """Wait ``seconds``; False as soon as the run is being stopped."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._stopping():
                return False
            await asyncio.sleep(min(left, STOP_CHECK_SECONDS))
        return not self._stopping()


def _header(response: Response, name: bytes) -> str | None:
    value: Any = response.headers.get(name)
    return value.decode("latin-1") if value else None
