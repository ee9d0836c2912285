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
# Every Unicode space separator (NBSP, thin space, ideographic space …) becomes a plain space.
SPACES_RE = re.compile(r"[^\S\n]+")
BLANK_LINES_RE = re.compile(r"\n{2,}")


def normalize_text(text: str) -> str:
    """NFC, drop invisible characters, collapse spaces, trim lines, drop empty lines."""
    text = INVISIBLE_RE.sub("", unicodedata.normalize("NFC", text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = (SPACES_RE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def normalize_title(title: str | None) -> str | None:
    """A title compared between versions: normalised like text, on one line."""
    if title is None:
        return None
    flat = normalize_text(title).replace("\n", " ")
    return flat or None
