"""Text normalisation: what two captures must agree on to count as the same text.

Applied to the extracted main text before fingerprinting and diffing. Only differences a reader
cannot see are removed: Unicode composition, invisible characters, and whitespace layout.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that CMS editors and copy-paste leave mid-sentence (PEER pages carry them):
# zero-width space/non-joiner/joiner, word joiner, BOM, soft hyphen, LRM/RLM marks.
# (A regex: str.translate with a mapping is ~10x slower on long texts.)
INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]")
BLANK_LINES_RE = re.compile(r"\n{2,}")


# Text that changes on every fetch without the page changing: view/visit counters and relative
# times. Only these exact shapes (a counter word next to a number, "N units ago") are removed, so a
# sentence such as "112 students benefited" is never touched.
VOLATILE_RES = (
    re.compile(r"\b(?:page\s+)?(?:views?|visits?|visitors|hits|reads|downloads)\s*:\s*\d[\d,.\u00a0 ]*",
               re.I),
    re.compile(r"\b\d[\d,.]*\s+(?:views|visits|visitors|reads|hits)\b", re.I),
    re.compile(r"\b(?:\d+|an?|one)\s+(?:second|minute|hour|day|week|month|year)s?\s+ago\b", re.I),
)


# Words one of which must occur for the matching pattern above to be worth running.
VOLATILE_HINTS = (("view", "visit", "hits", "reads", "download"),
                  ("views", "visits", "visitors", "reads", "hits"),
                  (" ago",))


def strip_volatile(text: str) -> str:
    """Remove counters and relative times (see :data:`VOLATILE_RES`)."""
    lowered = text.lower()
    for pattern, hints in zip(VOLATILE_RES, VOLATILE_HINTS, strict=True):
        if any(hint in lowered for hint in hints):
            text = pattern.sub("", text)
    return text


def normalize_text(text: str) -> str:
    """NFC, drop invisible characters, collapse spaces, trim lines, drop empty lines."""
    if not text.isascii():      # ASCII is NFC and has no invisible characters
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        text = INVISIBLE_RE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # every run of Unicode whitespace in a line (NBSP, thin and ideographic spaces, tabs …: what
    # str.isspace() and re's \s name) becomes one plain space, and the line is trimmed
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def normalize_title(title: str | None) -> str | None:
    """A title compared between versions: normalised like text, on one line."""
    if title is None:
        return None
    flat = normalize_text(title).replace("\n", " ")
    return flat or None
