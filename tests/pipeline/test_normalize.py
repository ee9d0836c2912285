"""Normalisation (``pipeline.normalize``) and the fingerprints it makes equal (with a Hypothesis
property)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.fingerprint import text_sha256
from pipeline.normalize import normalize_text


def test_invisible_differences_are_normalised_away() -> None:
    a = "Tech\u200bnology   in\u00a0education\r\n\n\n  2.1. Policy\ufeff  "
    b = "Technology in education\n2.1. Policy"
    assert normalize_text(a) == b
    assert text_sha256(normalize_text(a)) == text_sha256(b)
    assert normalize_text("e\u0301cole") == normalize_text("\u00e9cole")   # NFC


def test_visible_differences_are_kept() -> None:
    assert normalize_text("1. Terminology") != normalize_text("1. Terminologies")
    assert normalize_text("a\nb") != normalize_text("a b")


@given(st.text(max_size=300))
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_counters_and_relative_times_are_not_text() -> None:
    from pipeline.normalize import strip_volatile

    assert normalize_text(strip_volatile("Views: 1,234\nPosted 3 hours ago\nBody")) == "Posted\nBody"
    assert strip_volatile("Read more (5,321 views)") == "Read more ()"
    kept = "As a result of the project, 112 students with disabilities benefited; 50 video lessons."
    assert strip_volatile(kept) == kept
