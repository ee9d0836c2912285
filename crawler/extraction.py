"""What an extraction worker process runs for one fetch (no Scrapy here: workers stay light)."""

from __future__ import annotations

import logging
from dataclasses import replace

from pipeline.analyse import analyse_fetch
from pipeline.documents.analyse import analyse_document
from pipeline.identity import PreviousPage
from pipeline.requisites import page_references
from pipeline.stagetimes import laps
from pipeline.status import is_document
from pipeline.types import Analysis, Fetched, Outcome, PageState, Profile
from storage.codecs import compress

logger = logging.getLogger(__name__)


def analyse_in_worker(fetched: Fetched, profile: Profile, known: PageState | None,
                      store_url: str | None = None) -> Analysis:
    """Analyse one fetch; when the text is new (a version will be stored), compress the body —
    as a delta against the page's keyframe (read from the store at ``store_url``) when it has
    one — and the text. ``known`` is what the store holds of the page (None: a new page)."""
    def previous_text() -> str | None:     # read only when the not-the-page rule is in doubt
        if known is None or not (store_url and known.content_sha256):
            return None
        from storage.previous import stored_text

        return stored_text(store_url, known.content_sha256)

    if is_document(fetched):    # a linked document (issue 15): its format's extractor
        analysis = analyse_document(fetched, organisation=profile.organisation)
    else:
        previous = None if known is None or known.version is None else PreviousPage(
            known.version_final_url, known.title, known.version_h1, known.version_language)
        # a new page makes a version: its requisites are read from the tree being parsed anyway
        analysis = analyse_fetch(fetched, profile, previous, previous_text,
                                 references=profile.requisites and previous is None)
    if (analysis.outcome is not Outcome.OK or analysis.extracted is None
            or (known is not None and analysis.extracted.text_sha256 == known.content_sha256)):
        return analysis
    clock = laps()
    requisites = analysis.requisites
    if profile.requisites and requisites is None and not is_document(fetched):
        requisites = requisites_of(fetched)     # a known page whose text changed: read here
        clock.lap("requisites")
    reference = known.body_sha256 if known is not None else None
    codec, payload = _compress_body(fetched.body, reference, store_url)
    text_codec, text_payload = compress(analysis.extracted.text.encode("utf-8"))
    clock.lap("compression")
    return replace(analysis, compressed_body=payload, codec=codec, compressed_text=text_payload,
                   text_codec=text_codec, timings=analysis.timings + tuple(clock.laps),
                   requisites=requisites)


def requisites_of(fetched: Fetched) -> tuple[tuple[str, str], ...]:
    """A page's requisites, (URL, kind), read from its body."""
    return tuple((r.url, r.kind) for r in page_references(
        fetched.body, fetched.headers.get("content-type"), fetched.final_url or fetched.url))


def _compress_body(body: bytes, reference: str | None, store_url: str | None) -> tuple[str, bytes]:
    if reference and store_url:
        # imported by the first changed page a worker compresses, not in every run's fork server
        # (SQLAlchemy and the models: ~0.2 s before the first page of every run)
        from storage.keyframes import KEYFRAME_RATIO, keyframe

        try:
            frame = keyframe(store_url, reference)
        except Exception as exc:  # a keyframe is an optimisation: never fail the page for it
            logger.warning("keyframe %s unavailable: %s", reference, exc)
            frame = None
        if frame is not None:
            sha, data, stored_size = frame
            codec, delta = compress(body, reference=(sha, data))
            if len(delta) <= KEYFRAME_RATIO * stored_size:
                return codec, delta
    return compress(body)


def warm_up() -> None:
    """Import the heavy modules once per worker, before the first page arrives."""
    import trafilatura  # noqa: F401
