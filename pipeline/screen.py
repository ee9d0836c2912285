"""Screening: is a response a page at all, or an error, challenge or maintenance page?

Two checks, before and after extraction. Each returns a reason (a short phrase the user sees in
``status`` and in the run summary) or ``None`` when the page is usable. A reason means a failed
check, never a version.
"""

from __future__ import annotations

import json
import re

from pipeline.languages import vocabulary

# Content types that are HTML (or may be: servers mislabel HTML as text/plain or omit the type).
HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/octet-stream", "")
# Media that are never pages, whatever their subtype says (``image/svg+xml`` is an image).
NON_PAGE_MEDIA = ("image/", "audio/", "video/", "font/", "model/")
# Signatures of formats servers mislabel as HTML, text or octet-stream (or send with no type).
SIGNATURES = ((b"%PDF-", "PDF"), (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"GIF87a", "GIF image"),
              (b"GIF89a", "GIF image"), (b"\xff\xd8\xff", "JPEG image"), (b"PK\x03\x04", "ZIP archive"),
              (b"\x1f\x8b", "gzip data"), (b"\x00\x00\x01\x00", "icon"), (b"%!PS", "PostScript"),
              (b"\xd0\xcf\x11\xe0", "Office document"))
# A page this short after extraction, that also matches an error phrase below, is an error page.
# Real watched pages are 2-30k characters; error and challenge pages are under 1k. 1,500 leaves room
# for a long maintenance notice without letting a real article that merely mentions "maintenance"
# be mistaken for one.
SHORT_PAGE_CHARS = 1500
# Most elements a page may have (pipeline.extract.parse_html refuses more). trafilatura's time grows
# with the square of the paragraphs (measured: 25,000 take 1.5 s, 50,000 take 6 s, 100,000 take
# 21 s; the 1.3 million of a hostile 10 MB page of "<p>a</p>" would take about an hour) and lxml
# holds ~300 bytes per element. The watched sites' pages have 1,000-6,000 elements; 50,000 leaves
# ten times that.
MAX_ELEMENTS = 50_000

# Challenge interstitials are small; their markers sit in the first tens of kilobytes.
CHALLENGE_SCAN_CHARS = 100_000
# Markers of bot-challenge interstitials in the raw HTML: specific enough to appear on no real page.
CHALLENGE_MARKERS = re.compile(
    r"cf-browser-verification|cf_chl_|challenges\.cloudflare\.com|/cdn-cgi/challenge-platform"
    r"|_Incapsula_Resource|incapsula incident|px-captcha|perimeterx|distil_r_captcha"
    r"|ddos-guard|sucuri website firewall|<title>\s*just a moment\.\.\.\s*</title>"
    r"|<title>\s*attention required!? \| cloudflare\s*</title>|aws-waf-token",
    re.I,
)
# Phrases of challenge, maintenance and error pages served with status 200 (checked on short pages).
SOFT_FAILURE_PHRASES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bot challenge page", re.compile(
        r"checking (?:if the site connection is secure|your browser)|verify(?:ing)? (?:that )?you are "
        r"(?:a )?human|are you a robot|please (?:complete|solve) the (?:security check|captcha)"
        r"|enable javascript and cookies to continue|access to this page has been denied"
        r"|pardon our interruption|request unsuccessful|one more step", re.I)),
    ("maintenance page", re.compile(
        r"(?:under|down for|undergoing|scheduled) (?:scheduled )?maintenance|maintenance mode"
        r"|temporarily (?:unavailable|down|offline)|we(?:'|’)ll be back (?:soon|shortly)"
        r"|be right back|site is (?:currently )?(?:down|offline)|service unavailable", re.I)),
    ("error page", re.compile(
        r"page (?:not found|cannot be found|could not be found|you requested (?:was|could) not)"
        r"|\b404\b.{0,40}\bnot found|internal server error|bad gateway|gateway time-?out"
        r"|an (?:unexpected )?error (?:has )?occurred|something went wrong|error \d{3}\b"
        r"|the requested url was not found|database error|site error|\b403 forbidden|access denied"
        r"|too many requests|rate limit exceeded", re.I)),
    # in every language of pipeline/data/languages.toml (its ``not_available`` notices)
    ("not available in this language", vocabulary().not_available),
)


def screen_response(status: int | None, content_type: str | None, body: bytes) -> str | None:
    """Reject what cannot be a page before decoding: bad status, non-HTML, empty body."""
    if status is None:
        return "no response"
    if not 200 <= status < 300:
        return f"HTTP {status}"
    if not body.strip():
        return "empty body"
    media = (content_type or "").split(";")[0].strip().lower()
    if media.startswith(NON_PAGE_MEDIA) or (
            media not in HTML_TYPES and "html" not in media and "xml" not in media):
        return f"not HTML ({media})"
    sniffed = sniff_format(body)
    if sniffed:
        return f"not HTML ({sniffed}, served as {media or 'no type'})"
    return None


def sniff_format(body: bytes) -> str | None:
    """The non-HTML format ``body`` starts like (PDF, images, archives, JSON), if any."""
    head = body[:16]
    for signature, name in SIGNATURES:
        if head.startswith(signature):
            return name
    if head[4:8] == b"ftyp" or (head.startswith(b"RIFF") and head[8:12] in (b"WEBP", b"WAVE", b"AVI ")):
        return "media file"
    start = body.lstrip()[:1]
    if start in (b"{", b"[") and b"<" not in body[:4096]:
        try:
            json.loads(body)
        except ValueError:
            return None
        return "JSON"
    return None


def looks_truncated(html: str) -> bool:
    """An HTML document that opens ``<html>``/``<body>`` but closes neither was cut short."""
    head = html[:4096].lower()
    if "<html" not in head and "<body" not in head:
        return False
    tail = html[-4096:].lower()
    return "</html>" not in tail and "</body>" not in tail


def screen_page(raw_html: str, title: str | None, text: str) -> str | None:
    """Reject challenge, maintenance, error and "not in this language" pages served with 200."""
    if len(text) > SHORT_PAGE_CHARS:
        return None      # a page with this much main text is not an interstitial
    if CHALLENGE_MARKERS.search(raw_html[:CHALLENGE_SCAN_CHARS]):
        return "bot challenge page"
    if not text.strip():
        return "no main text"
    probe = f"{title or ''}\n{text}"
    for reason, pattern in SOFT_FAILURE_PHRASES:
        if pattern.search(probe):
            return reason
    return None
