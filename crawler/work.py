"""What an extraction worker process runs for one fetch (no Scrapy here: workers stay light)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from pipeline.analyse import Profile, analyse_fetch
from pipeline.identity import PreviousPage
from pipeline.types import Analysis, Fetched, Outcome
from storage.blobs import compress
from storage.keyframes import KEYFRAME_RATIO, keyframe

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Known:
    """What the store holds for the page: its latest text and capture (picklable)."""

    text_sha256: str | None = None
    body_sha256: str | None = None
    store_url: str | None = None
    previous: PreviousPage | None = None    # the last version's identity (None: no version)


def analyse_in_worker(fetched: Fetched, profile: Profile, known: Known) -> Analysis:
    """Analyse one fetch; when the text is new (a version will be stored), compress the body —
    as a delta against the page's keyframe when it has one — and the text."""
    def previous_text() -> str | None:
        if not (known.store_url and known.text_sha256):
            return None
        from storage.previous import stored_text

        return stored_text(known.store_url, known.text_sha256)

    analysis = analyse_fetch(fetched, profile, known.previous, previous_text)
    if (analysis.outcome is not Outcome.OK or analysis.extracted is None
            or analysis.extracted.text_sha256 == known.text_sha256):
        return analysis
    codec, payload = _compress_body(fetched.body, known)
    text_codec, text_payload = compress(analysis.extracted.text.encode("utf-8"))
    return replace(analysis, compressed_body=payload, codec=codec, compressed_text=text_payload,
                   text_codec=text_codec)


def _compress_body(body: bytes, known: Known) -> tuple[str, bytes]:
    if known.body_sha256 and known.store_url:
        try:
            frame = keyframe(known.store_url, known.body_sha256)
        except Exception as exc:  # a keyframe is an optimisation: never fail the page for it
            logger.warning("keyframe %s unavailable: %s", known.body_sha256, exc)
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
