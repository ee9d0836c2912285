"""Bytes to text: the declared charsets first, then detection; refuse what is not text."""

from __future__ import annotations

import codecs
import re
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
SAMPLE_CHARS = 32_768


# Detection scores closer than this count as a tie (charset-normalizer reports 0.0 chaos for every
# Latin codepage on a short French or English text).
DETECTION_TIE = 0.02
# Legacy encodings by how common they are on the web (W3Techs order), for breaking detection ties.
WEB_ENCODINGS = ("cp1252", "cp1251", "latin_1", "cp1250", "cp1256", "shift_jis", "gb18030", "euc_kr",
                 "big5", "iso8859_2", "cp1254", "koi8_r", "cp1253", "cp1255", "cp1257", "euc_jp",
                 "iso8859_15", "tis_620", "cp1258")


class UndecodableBody(ValueError):
    """No encoding turns the body into text."""


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str


BAD_CHAR_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


def _bad_ratio(text: str) -> float:
    sample = text[:SAMPLE_CHARS]
    if not sample:
        return 0.0
    return len(BAD_CHAR_RE.findall(sample)) / len(sample)


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
    """Detection for undeclared, non-UTF-8 bodies.

    Short Latin texts decode equally well in several single-byte codepages; among the candidates
    that charset-normalizer scores (almost) as well as its best, the one most used on the web wins.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(body[:SAMPLE_CHARS]))
    if not matches:
        return None
    best = matches[0]
    close = [m for m in matches if m.chaos <= best.chaos + DETECTION_TIE
             and m.coherence >= best.coherence - DETECTION_TIE]
    ranked = sorted(close, key=lambda m: WEB_ENCODINGS.index(_codec(m.encoding) or "")
                    if (_codec(m.encoding) or "") in WEB_ENCODINGS else len(WEB_ENCODINGS))
    return _codec(ranked[0].encoding)


def _checked(decoded: Decoded) -> Decoded:
    """Text with many control characters is binary, however it decoded."""
    if _bad_ratio(decoded.text) > MAX_BAD_CHAR_RATIO:
        raise UndecodableBody("undecodable body")
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
