"""Failed requests become short reasons a user can read in the summary and in `status`."""

from __future__ import annotations

import pytest
from scrapy import exceptions as scrapy_errors
from twisted.internet import error as net
from twisted.python.failure import Failure

from crawler.failures import failure_reason


@pytest.mark.parametrize(("exc", "reason"), [
    (scrapy_errors.DownloadTimeoutError("Getting http://x took longer than 30.0 seconds."), "timeout"),
    (scrapy_errors.CannotResolveHostError("DNS lookup failed: no results for hostname lookup: x."),
     "DNS lookup failed"),
    (scrapy_errors.DownloadConnectionRefusedError("Connection was refused by other side: 111"),
     "connection refused"),
    (scrapy_errors.ResponseDataLossError("Got data loss in http://x."), "truncated response"),
    (scrapy_errors.IgnoreRequest("Forbidden by robots.txt"), "disallowed by robots.txt"),
    (net.TimeoutError("User timeout caused connection failure."), "timeout"),
    (net.ConnectionRefusedError(), "connection refused"),
    (net.DNSLookupError("no results"), "DNS lookup failed"),
])
def test_reasons(exc: Exception, reason: str) -> None:
    assert failure_reason(Failure(exc)) == reason
