"""Is the page that answered the watched page? (The contract's "Not the page" rule.)

A response whose page is not the watched page — the site's or a section's home page, a login form,
a consent wall, a language or country chooser, a search or listing page, or any other document a
redirect (HTTP 30x or ``<meta http-equiv="refresh">``) landed on — is a failed check with its
reason, never a version. A page that only moved (https, www, a trailing slash, a renamed slug, a
new path with the same document) is still the page.

:func:`read_identity` reads what a page says it is (final URL, canonical link, ``og:url``, title,
``<h1>``, language); :func:`judge_page` decides, from that, the page's kind
(:mod:`pipeline.interstitial`), the extracted text and what the store knows of the last version
(:class:`PreviousPage`). The previous text is read only when the decision needs it (a redirect to a
new place, or an interstitial-looking page), through a callable, so ordinary checks stay cheap.

The decision, in order (the first rule that applies wins):

====  =========================================================  =====================================
rule  the page that answered                                     verdict
====  =========================================================  =====================================
1     login page, consent page, language or country chooser       failed (its kind), unless its text is
                                                                 the last version's (SAME_TEXT)
2     redirected (not to the last version's own address) to the  failed ``home page``
      site's root or a proper prefix of the watched path
3     answered directly, but its canonical/``og:url`` is the     failed ``home page``
      site's root or a proper prefix of the watched path
4     search or listing page that does not look like the         failed (its kind)
      watched document
5     redirected to a new place that does not look like the      failed ``redirected away to URL``
      watched document (another language's path is another
      document)
6     served under the watched address with a new title, a new   failed ``another page (TITLE)``
      ``<h1>`` and almost none (REPLACED_TEXT) of the last text
7     anything else                                              the page
====  =========================================================  =====================================

"Looks like the watched document": its canonical or ``og:url`` names the watched (or last final)
address; or, with a last version, its text shares SAME_TEXT of the last text's shingles, or its
title or ``<h1>`` is the last one's and it shares EDITED_TEXT; or, with no version yet, the slug of
its address or its title/``<h1>`` carries SLUG_MATCH of the watched address's slug words. A change
of declared language under a redirect is another document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

from lxml.html import HtmlElement

from pipeline.interstitial import page_kind
from pipeline.treeindex import tagged

# Word 3-shingles shared (Jaccard) by two texts that are one document. Measured on the four samples
# (tests/pipeline/test_identity.py::test_thresholds_separate_the_samples): an edited version
# (samples.edit_text, 1-3 edits) keeps 0.93-0.99 of its shingles; a paragraph rewritten in a 300-word
# page keeps ~0.6; two different pages of one site share < 0.02, a home or listing page that quotes
# the article's headline and lead < 0.08.
SAME_TEXT = 0.5
# With the same title or <h1> as the last version, a rewritten text is still the document down to
# this share (a home page whose <h1> is the site name never has the article's <h1>).
EDITED_TEXT = 0.15
# Under the same address, a text sharing less than this with the last version, under a new title and
# a new <h1>, is another document (two different pages of one site share < 0.02; an edited page
# keeps > 0.9, a rewritten one > 0.3).
REPLACED_TEXT = 0.05
SHINGLE = 3
# Share of the watched slug's words that the new slug, or the title and <h1>, must carry for a page
# with no version yet to be taken as the watched one (a renamed slug keeps most of its words).
SLUG_MATCH = 0.5
# Kinds that are never the watched page (unless the watched page always was one).
NEVER_THE_PAGE = frozenset({"login page", "consent page", "language chooser", "country chooser"})
# Kinds that are not the watched page unless it looks like the watched document (a watched listing).
LISTINGS = frozenset({"search page", "listing page"})
WORD_RE = re.compile(r"\w+", re.U)
# Path segments that name an index document, not a page of their own.
INDEX_NAMES = frozenset({"index.html", "index.htm", "index.php", "default.aspx", "default.asp",
                         "index.shtml"})
LANG_SEGMENT_RE = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2,4})?$", re.I)


@dataclass(frozen=True, slots=True)
class PageIdentity:
    """What a page says it is."""

    url: str                       # the final URL (after redirects and meta refresh)
    canonical: str | None = None   # <link rel=canonical>, absolute
    og_url: str | None = None      # <meta property=og:url>, absolute
    title: str | None = None
    h1: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class PreviousPage:
    """What the store knows of the page's last version."""

    final_url: str | None = None
    title: str | None = None
    h1: str | None = None
    language: str | None = None


def read_identity(tree: HtmlElement, final_url: str, title: str | None, h1: str | None,
                  language: str | None) -> PageIdentity:
    """The identity fields of a parsed page fetched (finally) from ``final_url``."""
    canonical = og_url = None
    for link in tagged(tree, "link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = _absolute(link.get("href") or "", final_url)
            break
    for meta in tagged(tree, "meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:url" and meta.get("content"):
            og_url = _absolute(meta.get("content") or "", final_url)
            break
    return PageIdentity(final_url, canonical, og_url, title, h1, language)


def _absolute(href: str, base: str) -> str | None:
    try:
        url = urljoin(base, href.strip())
    except ValueError:
        return None
    return url if url.startswith(("http://", "https://")) else None


# --- addresses -----------------------------------------------------------------------------------

def address_key(url: str) -> tuple[str, str, str]:
    """An address with what never distinguishes two documents folded: scheme, ``www.``, default
    port, case of the host, trailing slash, an index document name, the fragment."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port not in (None, 80, 443):
        host = f"{host}:{port}"
    segments = [s for s in unquote(parts.path).split("/") if s]
    if segments and segments[-1].lower() in INDEX_NAMES:
        segments.pop()
    return host, "/" + "/".join(segments), parts.query


def same_address(a: str | None, b: str | None) -> bool:
    return bool(a and b) and address_key(a or "") == address_key(b or "")


def is_home_of(target: str, watched: str) -> bool:
    """Whether ``target`` is the site's root (or a language root such as ``/en``) or a proper
    prefix of ``watched``'s path on the same site: the home page of the site or of a section."""
    host, path, _ = address_key(target)
    watched_host, watched_path, _ = address_key(watched)
    if host != watched_host or path == watched_path:
        return False
    segments = [s for s in path.split("/") if s]
    if not segments or (len(segments) == 1 and LANG_SEGMENT_RE.match(segments[0])):
        return watched_path != path
    watched_segments = [s for s in watched_path.split("/") if s]
    return (len(segments) < len(watched_segments)
            and [s.lower() for s in watched_segments[:len(segments)]] == [s.lower() for s in segments])


# --- likeness ------------------------------------------------------------------------------------

def shingles(text: str, size: int = SHINGLE) -> set[tuple[str, ...]]:
    words = WORD_RE.findall(text.lower())
    if len(words) < size:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


def text_likeness(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' word 3-shingles (0 … 1)."""
    first, second = shingles(a), shingles(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def slug_words(url: str) -> set[str]:
    """The words of an address's last meaningful path segment (``127239-eu-funded-…`` → words)."""
    segments = [s for s in unquote(urlsplit(url).path).split("/") if s]
    while segments and (segments[-1].lower() in INDEX_NAMES or LANG_SEGMENT_RE.match(segments[-1])):
        segments.pop()
    if not segments:
        return set()
    last = re.sub(r"\.(?:html?|php|aspx?)$", "", segments[-1].lower()).lstrip("~")
    return {w for w in re.split(r"[^\w]+|_", last) if w and not (w.isdigit() and len(w) < 3)}


def _words(text: str | None) -> set[str]:
    return {w for w in WORD_RE.findall((text or "").lower()) if len(w) > 1}


def _same_label(a: str | None, b: str | None) -> bool:
    return bool(a and b) and " ".join((a or "").lower().split()) == " ".join((b or "").lower().split())


def _declares(page: PageIdentity, *urls: str | None) -> bool:
    """Whether the page's canonical link or og:url names one of ``urls``."""
    return any(same_address(declared, url) for declared in (page.canonical, page.og_url)
               for url in urls if url)


def _path_language(url: str | None) -> str | None:
    segments = [s for s in urlsplit(url or "").path.split("/") if s]
    return segments[0].lower() if segments and LANG_SEGMENT_RE.match(segments[0]) else None


def _looks_like(watched_url: str, page: PageIdentity, text: str, previous: PreviousPage | None,
                previous_text: Callable[[], str | None]) -> bool:
    if _declares(page, watched_url, previous.final_url if previous else None):
        return True
    was, now = _path_language(previous.final_url if previous else watched_url), _path_language(page.url)
    if was and now and was != now:       # /en/… → /ru/…: the page in another language
        return False
    if previous is not None:
        if page.language and previous.language and page.language != previous.language:
            return False
        old = previous_text()
        if old is None:       # the last text is unreadable: fall back to what a new page needs
            return _looks_like_slug(watched_url, page)
        likeness = text_likeness(old, text)
        if likeness >= SAME_TEXT:
            return True
        same_label = _same_label(page.h1, previous.h1) or _same_label(page.title, previous.title)
        return same_label and likeness >= EDITED_TEXT
    return _looks_like_slug(watched_url, page)


def _looks_like_slug(watched_url: str, page: PageIdentity) -> bool:
    wanted = slug_words(watched_url)
    if not wanted:        # nothing to judge by (``/?p=123``): only the page kind can tell
        return True
    found = slug_words(page.url)
    if len(wanted & found) >= SLUG_MATCH * len(wanted):
        return True
    shown = _words(page.title) | _words(page.h1)
    return len(wanted & shown) >= SLUG_MATCH * len(wanted)


# --- the decision --------------------------------------------------------------------------------

def judge_page(watched_url: str, page: PageIdentity, kind: str | None, text: str,
               previous: PreviousPage | None,
               previous_text: Callable[[], str | None] = lambda: None) -> str | None:
    """The reason the answer is not the watched page, or None when it is (rules in the module
    docstring). ``kind`` is :func:`pipeline.interstitial.page_kind`'s; ``previous`` is None when
    the page has no version yet."""
    redirected = not same_address(page.url, watched_url)
    settled = previous is not None and same_address(page.url, previous.final_url)
    moved = redirected and not settled
    # 1. pages that are never a watched document
    if kind in NEVER_THE_PAGE:
        if previous is not None and not moved and _text_is_previous(text, previous_text):
            return None
        return kind
    # 2. redirected to the site's or a section's home page
    if moved and is_home_of(page.url, watched_url):
        return "home page"
    # 3. the home page served under the watched address
    if not moved and any(declared and is_home_of(declared, watched_url)
                         for declared in (page.canonical, page.og_url)) and (
            previous is None or not _text_is_previous(text, previous_text)):
        return "home page"
    # 4. a search or listing page where a document was
    if kind in LISTINGS:
        if previous is not None and not moved:
            if _same_label(page.title, previous.title) or _same_label(page.h1, previous.h1):
                return None
            if _text_is_previous(text, previous_text, EDITED_TEXT):
                return None
            return kind
        if not _looks_like(watched_url, page, text, previous, previous_text):
            return kind
        return None
    # 5. redirected elsewhere
    if moved and not _looks_like(watched_url, page, text, previous, previous_text):
        return f"redirected away to {page.url}"
    # 6. another document served under the watched address: nothing of the last version left
    if previous is not None and not moved and _replaced(page, previous, text, previous_text):
        return f"another page ({page.title or page.h1 or 'untitled'})"
    return None


def _replaced(page: PageIdentity, previous: PreviousPage, text: str,
              previous_text: Callable[[], str | None]) -> bool:
    """A different document under the same address (a soft redirect to the home page or another
    article): a new title *and* a new ``<h1>`` (both known before), and under REPLACED_TEXT of the
    last text. Checked only when both labels changed, so ordinary edits never read the old text."""
    if not (previous.title and previous.h1 and page.title and page.h1):
        return False
    if _same_label(page.title, previous.title) or _same_label(page.h1, previous.h1):
        return False
    old = previous_text()
    return old is not None and text_likeness(old, text) < REPLACED_TEXT


def _text_is_previous(text: str, previous_text: Callable[[], str | None],
                      threshold: float = SAME_TEXT) -> bool:
    old = previous_text()
    return old is not None and text_likeness(old, text) >= threshold


__all__ = ["PageIdentity", "PreviousPage", "judge_page", "page_kind", "read_identity",
           "text_likeness"]
