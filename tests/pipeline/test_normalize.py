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


WHITESPACE = " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2009\u200a\u2028\u2029\u202f\u3000"


@given(st.lists(st.sampled_from([*WHITESPACE, "a", "é", "e\u0301", "\u200b", "\u00ad", "Z"]),
                max_size=60).map("".join))
def test_each_line_has_its_whitespace_runs_collapsed_and_trimmed(text: str) -> None:
    """The rule as written: NFC, invisible characters dropped, CR/CRLF as newlines, every run of
    Unicode whitespace other than the newline one space, lines trimmed, empty lines dropped."""
    import re
    import unicodedata

    expected = re.sub("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]", "",
                      unicodedata.normalize("NFC", text)).replace("\r\n", "\n").replace("\r", "\n")
    lines = (line.strip() for line in re.sub(r"[^\S\n]+", " ", expected).split("\n"))
    assert normalize_text(text) == "\n".join(line for line in lines if line)
