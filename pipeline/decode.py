"""Bytes to text: the declared charsets first, then detection; refuse what is not text."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

# A page whose text is more than this share of U+FFFD or control characters is not text. Real pages
# with a wrong charset declaration give ~10-40 % replacement characters with the wrong codec and
# under 0.1 % with the right one; 2 % leaves room for a few genuinely broken bytes.
MAX_BAD_CHAR_RATIO = 0.02
# How much of the body to sample when judging a decoding (the start is representative of a page).
SAMPLE_CHARS = 200_000


class UndecodableBody(ValueError):
    """No encoding turns the body into text."""


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str


def _bad_ratio(text: str) -> float:
    sample = text[:SAMPLE_CHARS]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ch == "\ufffd" or (ch < " " and ch not in "\t\n\r\f"))
    return bad / len(sample)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    resolved = resolve_encoding(name)
    if not resolved:
        return None
    try:
        return codecs.lookup(resolved).name
    except LookupError:
        return None


def _detect(body: bytes) -> str | None:
    from charset_normalizer import from_bytes  # local: only needed for undeclared, non-UTF-8 bodies

    best = from_bytes(body[:SAMPLE_CHARS]).best()
    return _codec(best.encoding) if best is not None else None


def _checked(decoded: Decoded) -> Decoded:
    """Text with many control characters is binary, however it decoded."""
    if _bad_ratio(decoded.text) > MAX_BAD_CHAR_RATIO:
        raise UndecodableBody("undecodable body (binary content)")
    return decoded


def decode_body(body: bytes, content_type: str | None) -> Decoded:
    """Decode an HTML body: BOM, HTTP charset, ``<meta charset>``, UTF-8, detection, in that order.

    A declared charset that leaves many replacement characters is treated as wrong and the next
    candidate is tried. Raises :class:`UndecodableBody` when nothing gives text.
    """
    bom = read_bom(body)
    if bom[0]:
        name = _codec(bom[0]) or "utf-8"
        return _checked(Decoded(body[len(bom[1]):].decode(name, errors="replace"), name))
    candidates: list[str] = []
    for declared in (http_content_type_encoding(content_type or ""),
                     html_body_declared_encoding(body[:4096])):
        codec = _codec(declared)
        if codec and codec not in candidates:
            candidates.append(codec)
    if "utf-8" not in candidates:
        candidates.append("utf-8")
    # 1. non-ASCII bytes that form valid UTF-8 are UTF-8, whatever a single-byte declaration says
    #    (random text in a legacy codepage is almost never valid UTF-8)
    if not body.isascii():
        try:
            return _checked(Decoded(body.decode("utf-8"), "utf-8"))
        except UnicodeDecodeError:
            pass
    # 2. a declared candidate that decodes cleanly wins
    for name in candidates:
        try:
            return _checked(Decoded(body.decode(name), name))
        except UnicodeDecodeError:
            continue
    # 3. undeclared or wrongly declared: detection, if it decodes cleanly
    detected = _detect(body)
    if detected and detected not in candidates:
        try:
            return _checked(Decoded(body.decode(detected), detected))
        except UnicodeDecodeError:
            pass
    # 4. a few broken bytes in an otherwise sound page are tolerated (they become U+FFFD)
    for name in candidates + ([detected] if detected and detected not in candidates else []):
        text = body.decode(name, errors="replace")
        if _bad_ratio(text) <= MAX_BAD_CHAR_RATIO:
            return Decoded(text, name)
    raise UndecodableBody("undecodable body")
