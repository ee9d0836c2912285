"""Stages 1-2 of the analysis (:mod:`pipeline.analyse`): what a response's transport error or
HTTP status settles before its body is read.

Light on purpose: the crawling process answers refused connections, timeouts, 304s and 404s with
it, without importing the extraction stack (trafilatura, lxml, extruct: ~0.3 s at the start of
every run) that only its worker processes use.
"""

from __future__ import annotations

from pipeline.types import Analysis, Fetched, Outcome

MISSING_STATUSES = frozenset({404, 410})


def failed(reason: str, fetched: Fetched, **kw: object) -> Analysis:
    """A failed check for ``reason`` (the response's content type kept)."""
    return Analysis(Outcome.FAILED, reason=reason, content_type=fetched.headers.get("content-type"),
                    **kw)  # type: ignore[arg-type]


def early_outcome(fetched: Fetched) -> Analysis | None:
    """Stages 1 (transport) and 2 (status): a failed check, ``not modified`` or ``missing``; None
    when the body must be read."""
    if fetched.error is not None:
        return failed(fetched.error, fetched)
    if fetched.status == 304:
        return Analysis(Outcome.NOT_MODIFIED)
    if fetched.status in MISSING_STATUSES:
        return Analysis(Outcome.MISSING, reason=f"HTTP {fetched.status}")
    return None


def is_document(fetched: Fetched) -> bool:
    """A linked document (issue 15): analysed by its format's extractor, not as a page."""
    return bool(fetched.hints.get("document"))
