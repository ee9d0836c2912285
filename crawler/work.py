"""What an extraction worker process runs for one fetch (no Scrapy here: workers stay light)."""

from __future__ import annotations

from dataclasses import replace

from pipeline.analyse import Profile, analyse_fetch
from pipeline.types import Analysis, Fetched, Outcome
from storage.blobs import compress


def analyse_in_worker(fetched: Fetched, profile: Profile, known_sha256: str | None) -> Analysis:
    """Analyse one fetch; compress the raw body too when the text is new (it will be stored)."""
    analysis = analyse_fetch(fetched, profile)
    if (analysis.outcome is Outcome.OK and analysis.extracted is not None
            and analysis.extracted.text_sha256 != known_sha256):
        codec, payload = compress(fetched.body)
        text_codec, text_payload = compress(analysis.extracted.text.encode("utf-8"))
        analysis = replace(analysis, compressed_body=payload, codec=codec,
                           compressed_text=text_payload, text_codec=text_codec)
    return analysis


def warm_up() -> None:
    """Import the heavy modules once per worker, before the first page arrives."""
    import trafilatura  # noqa: F401
