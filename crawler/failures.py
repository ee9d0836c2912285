"""Turning Twisted/Scrapy failures into the short reasons users read.

Scrapy 2.13 wraps Twisted's download errors in its own (``DownloadTimeoutError`` …); both families
are mapped, by class name for Scrapy's so that older Scrapy versions import this module too.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest
from twisted.internet import defer
from twisted.internet import error as net
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed

from crawler.guard import AddressRefused

# Scrapy's download exceptions (scrapy.exceptions, 2.13+) → reason.
SCRAPY_DOWNLOAD_ERRORS = {
    "DownloadTimeoutError": "timeout",
    "CannotResolveHostError": "DNS lookup failed",
    "DownloadConnectionRefusedError": "connection refused",
    "ResponseDataLossError": "truncated response",
    "UnsupportedURLSchemeError": "refused: not an http(s) URL",
}
# Phrases of Scrapy's size-cap messages: the announced Content-Length ("Expected to receive N bytes
# which is larger than download max size") and the decompressed body (HttpCompressionMiddleware:
# "exceeded DOWNLOAD_MAXSIZE ... during decompression").
TOO_LARGE_PHRASES = ("larger than download max size", "download_maxsize", "max size", "larger than")


def _too_large(text: str) -> bool:
    lowered = text.lower()
    return any(phrase in lowered for phrase in TOO_LARGE_PHRASES)


def _lost(text: str) -> str:
    lowered = text.lower()
    if "dataloss" in lowered or "data loss" in lowered:
        return "truncated response"
    return "connection lost mid-response"


def failure_reason(failure: Failure) -> str:
    """A one-phrase reason for a failed request (``timeout``, ``connection refused`` …)."""
    return exception_reason(failure.value) if failure.value is not None else "unknown failure"


def exception_reason(exc: BaseException) -> str:
    """:func:`failure_reason` of a bare exception."""
    text = str(exc)
    name = type(exc).__name__
    if isinstance(exc, AddressRefused):
        return text
    if isinstance(exc, IgnoreRequest):
        if "robots.txt" in text:
            return "disallowed by robots.txt"
        if _too_large(text):
            return "too large"
        if "redirect" in text.lower():
            return "redirect loop or too many redirects"
        return f"request refused: {text or name}"
    if name in SCRAPY_DOWNLOAD_ERRORS:
        return SCRAPY_DOWNLOAD_ERRORS[name]
    if name == "DownloadCancelledError" or isinstance(exc, defer.CancelledError):
        # Scrapy's HTTP/1.1 handler cancels a body in two places only: the announced size is over
        # the cap (with that message), or the bytes received went over it (no message). Timeouts
        # arrive as timeouts, and stopping the engine does not cancel downloads in flight.
        return "too large"
    if name == "DownloadFailedError":
        return _lost(text)
    if isinstance(exc, net.TimeoutError | net.TCPTimedOutError):
        return "timeout"
    if isinstance(exc, net.DNSLookupError):
        return "DNS lookup failed"
    if isinstance(exc, net.ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, net.ConnectionLost | net.ConnectionDone):
        return "connection lost"
    if isinstance(exc, ResponseFailed):
        return _lost(" ".join(str(f.value) for f in getattr(exc, "reasons", [])))
    if "data loss" in text.lower():
        return "truncated response"
    if _too_large(text):
        return "too large"
    return f"{name}: {text}" if text else name
