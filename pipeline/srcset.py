"""``srcset`` attributes, parsed as the HTML standard says (not with a regular expression).

:func:`parse_srcset` follows WHATWG HTML § 4.8.4.3.10 "parse a srcset attribute": candidates are
split on commas *outside* parentheses, a URL may itself contain commas (``a,b.png 1x``), and a URL
that ends in commas ends its candidate. Descriptors are kept as written (``2x``, ``480w``) — the
archive only rewrites URLs, it never chooses a candidate. :func:`serialize_srcset` writes candidates
back, so ``serialize_srcset([(rewrite(u), d) for u, d in parse_srcset(v)])`` rewrites every
candidate of ``v``.
"""

from __future__ import annotations

from dataclasses import dataclass

# The HTML standard's "ASCII whitespace".
WHITESPACE = " \t\n\f\r"
# Past this many characters an attribute is not a srcset a page needs (a hostile one can be
# megabytes): the rest is ignored.
MAX_SRCSET_CHARS = 64 * 1024


@dataclass(frozen=True, slots=True)
class Candidate:
    url: str
    descriptor: str = ""     # "2x", "480w", "" (descriptors joined by one space)


def _descriptors(value: str, position: int) -> tuple[list[str], int]:
    """The descriptor tokens after a URL, up to the comma that ends the candidate."""
    tokens: list[str] = []
    current = ""
    in_parens = False
    while position < len(value):
        char = value[position]
        position += 1
        if in_parens:
            current += char
            if char == ")":
                in_parens = False
        elif char in WHITESPACE:
            if current:
                tokens.append(current)
                current = ""
        elif char == ",":
            break
        else:
            current += char
            if char == "(":
                in_parens = True
    if current:
        tokens.append(current)
    return tokens, position


def parse_srcset(value: str) -> list[Candidate]:
    """Every candidate of a ``srcset`` value, in order (empty URLs skipped)."""
    value = value[:MAX_SRCSET_CHARS]
    candidates: list[Candidate] = []
    position = 0
    while True:
        while position < len(value) and (value[position] in WHITESPACE or value[position] == ","):
            position += 1
        if position >= len(value):
            return candidates
        start = position
        while position < len(value) and value[position] not in WHITESPACE:
            position += 1
        url = value[start:position]
        tokens: list[str] = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            tokens, position = _descriptors(value, position)
        if url:
            candidates.append(Candidate(url, " ".join(tokens)))


def serialize_srcset(candidates: list[Candidate]) -> str:
    """Candidates back into a ``srcset`` value. A URL with a comma at its end or whitespace
    inside cannot be written in a srcset: such candidates are left out."""
    parts = []
    for candidate in candidates:
        if not candidate.url or candidate.url.endswith(",") or any(
                c in WHITESPACE for c in candidate.url):
            continue
        parts.append(f"{candidate.url} {candidate.descriptor}".strip())
    return ", ".join(parts)
