"""Fingerprints: SHA-256 of normalised text and of raw bodies, as lower-case hex."""

from __future__ import annotations

import hashlib


def text_sha256(text: str) -> str:
    """The fingerprint two versions compare: SHA-256 of the normalised text in UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def body_sha256(body: bytes) -> str:
    """The digest of a raw HTTP body (content-addressed capture storage, WARC payload digest)."""
    return hashlib.sha256(body).hexdigest()
