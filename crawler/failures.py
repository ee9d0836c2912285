"""Turning Twisted/Scrapy failures into the short reasons users read."""

from __future__ import annotations

from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest
from twisted.internet import error as net
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

# Scrapy's own download exceptions (by name: older Scrapy versions lack them) and their reasons.
SCRAPY_REASONS = (
    ("DownloadTimeoutError", "timeout"),
    ("CannotResolveHostError", "DNS lookup failed"),
    ("DownloadConnectionRefusedError", "connection refused"),
    ("ResponseDataLossError", "truncated response"),
    ("UnsupportedURLSchemeError", "unsupported URL scheme"),
    ("DownloadCancelledError", "too large or cancelled"),
)


def failure_reason(failure: Failure) -> str:
    """A one-phrase reason for a failed request (``timeout``, ``connection refused`` …)."""
    exc = failure.value
    text = str(exc)
    for name, reason in SCRAPY_REASONS:       # Scrapy >= 2.13 wraps transport errors in its own
        cls = getattr(scrapy_errors, name, None)
        if cls is not None and isinstance(exc, cls):
            return reason
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in text:
            return "disallowed by robots.txt"
        if "max size" in text or "larger than" in text:
            return "too large"
        if "redirect" in text.lower():
            return "redirect loop or too many redirects"
        return f"request refused: {text or type(exc).__name__}"
    if isinstance(exc, net.TimeoutError | net.TCPTimedOutError):
        return "timeout"
    if isinstance(exc, net.DNSLookupError):
        return "DNS lookup failed"
    if isinstance(exc, net.ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, net.ConnectionLost | net.ConnectionDone):
        return "connection lost"
    if isinstance(exc, ResponseFailed):
        inner = " ".join(str(f.value) for f in getattr(exc, "reasons", []))
        if "dataloss" in inner.lower() or "data loss" in inner.lower():
            return "truncated response"
        return "connection lost mid-response"
    if "data loss" in text.lower():
        return "truncated response"
    if "larger than" in text or "maxsize" in text.lower() or "max size" in text.lower():
        return "too large"
    name = type(exc).__name__
    if name == "CancelledError":
        return "too large or cancelled"
    return f"{name}: {text}" if text else name
