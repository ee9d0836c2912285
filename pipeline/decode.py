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
# A declared single-byte reading of the page's non-ASCII words this garbled (charset-normalizer's
# "chaos") is suspect; another codepage overrides it only when it reads this much better. Right
# readings score 0.0-0.2 (Turkish in windows-1254: 0.18), French read as Cyrillic 1.0.
MISREAD_CHAOS = 0.3
MISREAD_MARGIN = 0.2
# Legacy encodings by how common they are on the web (W3Techs order), for breaking detection ties.
WEB_ENCODINGS = ("cp1252", "cp1251", "latin_1", "cp1250", "cp1256", "shift_jis", "gb18030", "euc_kr",
                 "big5", "iso8859_2", "cp1254", "koi8_r", "cp1253", "cp1255", "cp1257", "euc_jp",
                 "iso8859_15", "tis_620", "cp1258")


# What detection may answer: the legacy encodings browsers know (the WHATWG Encoding Standard), as
# Python codecs. DOS and other codepages no web page uses would otherwise win on pages whose only
# non-ASCII characters are a no-break space or curly quotes.
BROWSER_ENCODINGS = (*WEB_ENCODINGS, "cp866", "cp874", "koi8_u", "iso8859_3", "iso8859_4", "iso8859_5",
                     "iso8859_6", "iso8859_7", "iso8859_8", "iso8859_10", "iso8859_13", "iso8859_14",
                     "iso8859_16", "mac_roman", "mac_cyrillic", "iso2022_jp")


class UndecodableBody(ValueError):
    """No encoding turns the body into text."""


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str


BAD_CHAR_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")


BAD_CHARS = (*(chr(c) for c in (*range(0x09), 0x0B, *range(0x0E, 0x20))), "\ufffd")


def _bad_ratio(text: str) -> float:
    sample = text[:SAMPLE_CHARS]
    if not sample or not any(char in sample for char in BAD_CHARS):   # C scans: 10x the regex
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


# Markup that says nothing about the text's language: scripts, styles, comments and tags.
_MARKUP_RE = re.compile(rb"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>",
                        re.IGNORECASE | re.DOTALL)
# How much of the body detection reads (markup included) to find SAMPLE_CHARS of text.
DETECTION_WINDOW = 262_144


def _words(body: bytes) -> list[bytes]:
    """The words of the body's text (markup removed), from its first DETECTION_WINDOW bytes."""
    return _MARKUP_RE.sub(b" ", body[:DETECTION_WINDOW]).split()


def _text_sample(body: bytes) -> bytes:
    """The body's text bytes for detection. In a page of English markup (menus, scripts, class
    names) with Cyrillic text, the markup outweighs the text and every Latin codepage scores as
    well as the right one; without it, the language of the text decides."""
    text = b" ".join(_words(body))
    return text[:SAMPLE_CHARS] if not text.isascii() else body[:SAMPLE_CHARS]


def _detect(body: bytes, among: list[str] | None = None) -> str | None:
    """Detection for undeclared, non-UTF-8 bodies (or, with ``among``, the choice between
    declarations that disagree).

    Short Latin texts decode equally well in several single-byte codepages; among the candidates
    that charset-normalizer scores (almost) as well as its best, the one most used on the web wins.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(_text_sample(body), cp_isolation=among or list(BROWSER_ENCODINGS)))
    if not matches:
        return None
    best = matches[0]
    close = [m for m in matches if m.chaos <= best.chaos + DETECTION_TIE
             and m.coherence >= best.coherence - DETECTION_TIE]
    ranked = sorted(close, key=lambda m: WEB_ENCODINGS.index(_codec(m.encoding) or "")
                    if (_codec(m.encoding) or "") in WEB_ENCODINGS else len(WEB_ENCODINGS))
    return _codec(ranked[0].encoding)


def _chaos(sample: bytes, codec: str) -> float:
    """charset-normalizer's measure of how garbled ``sample`` reads in ``codec`` (1.0: beyond
    what it accepts as text)."""
    from charset_normalizer import from_bytes

    match = from_bytes(sample, cp_isolation=[codec]).best()
    return 1.0 if match is None else float(match.chaos)


def _non_ascii_words(body: bytes) -> bytes:
    """The words that a codepage can misread: in a mostly English page a few garbled words are
    lost among the ASCII ones, so only these are judged."""
    return b" ".join(word for word in _words(body) if not word.isascii())[:SAMPLE_CHARS]


def _unless_misread(body: bytes, declared: Decoded) -> Decoded:
    """A legacy single-byte declaration decodes any bytes, so a wrong one gives mojibake rather
    than an error (French in windows-1251: "а Bakou, йtй"). When the declared reading is clearly
    garbled and detection finds a common codepage that reads clearly better, detection wins."""
    if declared.encoding == "utf-8" or body.isascii():
        return declared
    sample = _non_ascii_words(body)
    declared_chaos = _chaos(sample, declared.encoding)
    if declared_chaos < MISREAD_CHAOS:
        return declared
    detected = _detect(body)
    if not detected or detected == declared.encoding or detected not in WEB_ENCODINGS:
        return declared
    if _chaos(sample, detected) > declared_chaos - MISREAD_MARGIN:
        return declared
    try:
        return _checked(Decoded(body.decode(detected), detected))
    except (UnicodeDecodeError, UndecodableBody):
        return declared


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
    # 2. a declared candidate that decodes cleanly wins; when the header and the page declare
    #    different charsets that both decode (any byte is Latin-1), the text's language decides
    clean: list[Decoded] = []
    for name in candidates:
        try:
            clean.append(_checked(Decoded(body.decode(name), name)))
        except (UnicodeDecodeError, UndecodableBody):
            continue
    if len(clean) > 1 and not body.isascii():
        preferred = _detect(body, among=[decoded.encoding for decoded in clean])
        clean.sort(key=lambda decoded: decoded.encoding != preferred)
    if clean:
        return _unless_misread(body, clean[0])
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
