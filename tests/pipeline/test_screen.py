"""Failures are data: responses that must never become versions."""

from __future__ import annotations

import pytest

from pipeline.types import Outcome
from profilewatch import samples
from tests.pipeline.test_extract import analyse
from tests.support.mockserver import CHALLENGE_HTML, MAINTENANCE_HTML


@pytest.mark.parametrize(("status", "outcome", "reason"), [
    (304, Outcome.NOT_MODIFIED, None),
    (404, Outcome.MISSING, "HTTP 404"),
    (410, Outcome.MISSING, "HTTP 410"),
    (500, Outcome.FAILED, "HTTP 500"),
    (503, Outcome.FAILED, "HTTP 503"),
    (403, Outcome.FAILED, "HTTP 403"),
])
def test_status_codes(status: int, outcome: Outcome, reason: str | None) -> None:
    result = analyse("<html><body><p>x</p></body></html>", status=status)
    assert (result.outcome, result.reason) == (outcome, reason)


@pytest.mark.parametrize(("body", "content_type", "reason"), [
    (b"", "text/html", "empty body"),
    (b"   \n ", "text/html", "empty body"),
    (b"%PDF-1.4 ...", "application/pdf", "not HTML (application/pdf)"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "not HTML (image/png)"),
    (b'{"a": 1}', "application/json", "not HTML (application/json)"),
    (bytes(range(256)) * 40, "text/html", "undecodable body"),
    (CHALLENGE_HTML.encode(), "text/html", "bot challenge page"),
    (MAINTENANCE_HTML.encode(), "text/html", "maintenance page"),
    (b"<html><head><title>404 Not Found</title></head><body><h1>Page not found</h1>"
     b"<p>The page you requested could not be found.</p></body></html>", "text/html", "error page"),
    (b"<html><body><main><p>The Inclusion chapter is not available in this language .</p></main>"
     b"</body></html>", "text/html", "not available in this language"),
    (b"<html><body><script>var x=1;</script></body></html>", "text/html", "no main text"),
])
def test_pages_that_are_not_pages(body: bytes, content_type: str, reason: str) -> None:
    result = analyse(body, content_type=content_type)
    assert result.outcome is Outcome.FAILED
    assert result.reason == reason
    assert result.extracted is None


def test_truncated_html_is_a_failed_check() -> None:
    html = samples.load_sample("unicef-page")
    result = analyse(html[: len(html) // 2])
    assert (result.outcome, result.reason) == (Outcome.FAILED, "truncated body")


def test_a_long_page_mentioning_maintenance_is_still_a_page() -> None:
    html = samples.load_sample("unesco-profile").replace(
        "<p>Although the 2009",
        "<p>The site is undergoing scheduled maintenance of ICT labs. Although the 2009")
    result = analyse(html)
    assert result.outcome is Outcome.OK
