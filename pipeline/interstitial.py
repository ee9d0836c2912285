"""What kind of page a response is, read the way a person would: a login form, a consent wall, a
language or country chooser, a search page, a listing of teasers — or an ordinary page.

:func:`read_signals` measures a parsed page (before boilerplate pruning: forms and menus are the
evidence) and :func:`page_kind` names its kind from those measures. Whether that kind means "not
the watched page" is :mod:`pipeline.identity`'s decision. Words come from the language data
(:mod:`pipeline.languages`), so every language the sites publish in is read alike.

How the thresholds were chosen (measured with ``tests/pipeline/test_interstitial.py``'s pages and
the four samples in ``profilewatch/samples``): the samples' articles have 2,600-28,300 characters
of prose outside links, navigation and forms, a longest paragraph of 400-1,500 characters and at
most 3 headline links outside navigation; the login, consent and chooser pages the tests serve
(written after the real sites' ones) have under 250 characters of prose; the search, listing and
home pages have 8-12 headline links and no paragraph over 120 characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from urllib.parse import parse_qsl, urlsplit

from lxml import etree
from lxml.html import HtmlElement

from pipeline.languages import PhraseFinder, phrase_finder, phrase_pattern, vocabulary
from pipeline.sites.pages import is_navigation

# A login or sign-up page: a password field and little else to read (the samples' articles have
# 2,900+ characters of prose; login pages written after UN, UNICEF and Drupal ones have < 400).
LOGIN_MAX_PROSE = 1200
# A consent wall: the consent text is the page. Either one consent/cookie container of at least
# CONSENT_MIN_BLOCK characters holds more text than the main text left once it is removed (cookie
# banners beside an article are under 200 characters: the samples' are 115-195), or a small main
# text (< CONSENT_MAX_PROSE) speaks of cookies and consent CONSENT_MIN_WORDS + 1 times.
CONSENT_MIN_BLOCK = 200
CONSENT_MAX_PROSE = 1500
CONSENT_MIN_WORDS = 2
# A chooser: at least this many links named after languages (or countries, with a chooser phrase),
# and little prose around them.
CHOOSER_MIN_LINKS = 3
CHOOSER_MAX_PROSE = 800
# A listing: at least this many teaser links in the content and no paragraph an article would
# have (the shortest longest-paragraph of the four sample articles is 420 characters).
LISTING_MIN_TEASERS = 6
LISTING_MAX_PARAGRAPH = 350
# Characters of link text that make a link a teaser (a headline, not "Read more").
TEASER_MIN_CHARS = 20
# Search: a search field in the content, or the search parameter in the address, with a title
# saying so, and little prose.
SEARCH_MAX_PROSE = 3000
SEARCH_FIELD_NAMES = frozenset({"q", "query", "search", "s", "keys", "keyword", "keywords", "k",
                                "term", "text", "search_api_fulltext", "searchterm", "search_query"})

# Consent/cookie containers: elements of the body whose id or class says cookie, consent or gdpr
# (ASCII letters folded) or onetrust (as written). Candidates come from XPath (a bare ``descendant``
# step: libxml2 runs ``//body//*[...]`` per node, ~10x slower); the words are matched in Python
# (libxml2's translate/concat on every element cost ~6 ms on a 100 KB page).
CONSENT_CANDIDATES_XPATH = etree.XPath("//body/descendant::*[@id or @class]")
# The XPath string value of an element: its text nodes only (no comments or processing instructions),
# concatenated in C — what ``"".join(element.itertext())`` gives, at a third of the cost.
BODY_TEXT_XPATH = etree.XPath("string()", smart_strings=False)
CONSENT_FOLD = str.maketrans("COKIESNTGDPR", "cokiesntgdpr")
PARAGRAPH_TAGS = ("p", "li", "dd", "blockquote", "td", "div")
CHROME_TAGS = frozenset({"nav", "header", "footer", "aside"})
CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary"})
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "option"})
BLOCK_TAGS = frozenset({*PARAGRAPH_TAGS, "h1", "h2", "h3", "h4", "br", "tr", "table", "ul"})
# Elements whose text (and their descendants') is never prose.
SKIPPED_TAGS = SKIP_TAGS | {"a", "form", "button", "select", "label", *CHROME_TAGS}


@dataclass(frozen=True, slots=True)
class PageSignals:
    """What a reader notices first on a page, as numbers."""

    prose_chars: int = 0          # readable text outside links, navigation and forms
    longest_paragraph: int = 0    # the longest block of such text
    password_fields: int = 0
    search_field: bool = False    # a search input in the content (not the site header)
    search_query: bool = False    # the address carries a search parameter with a value
    teaser_links: int = 0         # content links with headline-length text
    language_links: int = 0       # distinct languages named by links outside navigation
    consent_chars: int = 0        # text inside consent/cookie containers
    consent_block: int = 0        # text of the largest such container
    consent_words: int = 0        # consent vocabulary in the page's text
    chooser_phrase: bool = False  # "choose your language / country" in title, heading or text
    search_title: bool = False    # "search" in the title or first heading
    login_title: bool = False     # "log in" / "sign up" in the title or first heading


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    words = vocabulary()
    return {key: phrase_pattern(getattr(words, key))
            for key in ("chooser", "search", "consent", "login")}


@cache
def _consent_finder() -> PhraseFinder:
    return phrase_finder(vocabulary().consent)


def _text(node: HtmlElement) -> str:
    # itertext() is text_content() (the XPath string value: text nodes only, no comments or
    # processing instructions) without an XPath evaluation per call.
    return " ".join("".join(node.itertext()).split())


class _Enough(Exception):
    """The prose read so far already settles every kind that depends on it."""


def _prose_blocks(body: HtmlElement, enough: Callable[[int, int], bool] | None = None
                  ) -> list[int]:
    """Lengths of the readable text blocks outside links, forms and navigation, in document order.
    With ``enough``, reading stops as soon as ``enough(longest, total)`` holds for the blocks read
    so far (checked after each block)."""
    blocks: list[int] = []
    current: list[str] = []
    longest = total = 0

    def flush() -> None:
        nonlocal longest, total
        if current:
            text = " ".join(" ".join(current).split())
            if text:
                blocks.append(len(text))
                longest, total = max(longest, len(text)), total + len(text)
                if enough is not None and enough(longest, total):
                    raise _Enough
            current.clear()

    def walk(node: HtmlElement) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in SKIPPED_TAGS:
            # Nothing inside a skipped element is read; its only effect is to end the block being
            # read when it holds (or is) a block element, once: later flushes find nothing to end.
            if any(True for _ in node.iter(*BLOCK_TAGS)):
                flush()
            return
        block = tag in BLOCK_TAGS
        if block:
            flush()
        if node.text:
            current.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                current.append(child.tail)
        if block:
            flush()

    try:
        walk(body)
        flush()
    except _Enough:
        pass
    return blocks


def _consent_markers(tree: HtmlElement) -> list[HtmlElement]:
    """The consent/cookie containers of the body, in document order."""
    found: list[HtmlElement] = []
    for element in CONSENT_CANDIDATES_XPATH(tree):
        ident, classes = element.get("id") or "", element.get("class") or ""
        folded = f"{ident} {classes}".translate(CONSENT_FOLD)
        if "cookie" in folded or "consent" in folded or "gdpr" in folded \
                or "onetrust" in classes or "onetrust" in ident:
            found.append(element)
    return found


def _in_site_chrome(element: HtmlElement) -> bool:
    """Whether ``element`` sits in the site's header, navigation, footer or sidebar (by tag or
    role: a chooser page's own list of languages may well have a class saying "languages")."""
    return any(a.tag in CHROME_TAGS or (a.get("role") or "") in CHROME_ROLES
               for a in element.iterancestors())


def read_signals(tree: HtmlElement, url: str | None, title: str | None,
                 h1: str | None) -> PageSignals:
    """Measure the parsed page ``tree`` (unpruned) fetched from ``url``, as far as
    :func:`page_kind` needs: a measure that cannot change its answer is not taken.

    Every kind but login and consent needs a page with no paragraph an article would have
    (``longest_paragraph < LISTING_MAX_PARAGRAPH``), so on an article the prose is read up to its
    first such paragraph (and, with a password field, until it passes ``LOGIN_MAX_PROSE``) and the
    links, teasers and chooser phrases are not read at all; the consent containers are looked for
    only when the page's text speaks of consent. Then ``prose_chars`` is the prose read so far (a
    lower bound) and the measures not taken keep their zero defaults.
    """
    body = tree.find("body")
    if body is None:
        return PageSignals()
    patterns = _patterns()
    passwords = 0
    search_field = False
    for field in body.iter("input"):
        kind = (field.get("type") or "text").lower()
        if kind == "password":
            passwords += 1
        elif kind in ("search", "text") and (
                kind == "search" or (field.get("name") or "").lower() in SEARCH_FIELD_NAMES):
            search_field = search_field or not is_navigation(field)

    def enough(longest: int, total: int) -> bool:
        # an article's paragraph rules out chooser, search and listing; login needs little prose
        return longest >= LISTING_MAX_PARAGRAPH and (not passwords or total > LOGIN_MAX_PROSE)

    blocks = _prose_blocks(body, enough)
    prose, longest = sum(blocks), max(blocks, default=0)
    page_text = " ".join(BODY_TEXT_XPATH(body).split())[:20_000]
    consent_words = _consent_finder().count(page_text, CONSENT_MIN_WORDS)
    consent_chars = consent_block = 0
    if consent_words >= CONSENT_MIN_WORDS:     # page_kind reads the containers only then
        seen: set[HtmlElement] = set()
        for element in _consent_markers(tree):
            if any(a in seen for a in element.iterancestors()):
                continue
            seen.add(element)
            size = len(_text(element))
            consent_chars += size
            consent_block = max(consent_block, size)
    signals = PageSignals(prose_chars=prose, longest_paragraph=longest, password_fields=passwords,
                          search_field=search_field, consent_chars=consent_chars,
                          consent_block=consent_block, consent_words=consent_words)
    if longest >= LISTING_MAX_PARAGRAPH:
        return signals          # an article's paragraph: no chooser, search or listing to tell
    heading = f"{title or ''} \n {h1 or ''}"
    names = vocabulary().names
    teasers = 0
    languages: set[str] = set()
    for anchor in body.iter("a"):
        text = _text(anchor)
        if anchor.get("hreflang") or text.lower() in names:
            if not _in_site_chrome(anchor):
                languages.add((anchor.get("hreflang") or text).lower())
        elif len(text) >= TEASER_MIN_CHARS and anchor.get("href") and not is_navigation(anchor):
            teasers += 1
    query = dict(parse_qsl(urlsplit(url or "").query))
    return replace(
        signals,
        search_query=any(k.lower() in SEARCH_FIELD_NAMES and v.strip() for k, v in query.items()),
        teaser_links=teasers,
        language_links=len(languages),
        chooser_phrase=bool(patterns["chooser"].search(f"{heading}\n{page_text[:2000]}")),
        search_title=bool(patterns["search"].search(heading)),
        login_title=bool(patterns["login"].search(heading)),
    )


def page_kind(signals: PageSignals, main_text: str) -> str | None:
    """``login page``, ``consent page``, ``language chooser``, ``country chooser``, ``search page``,
    ``listing page``, or None for an ordinary page (the order is the order of certainty).
    ``main_text`` is the extracted main text (boilerplate, cookie banners included, removed)."""
    s = signals
    if s.password_fields and s.prose_chars <= LOGIN_MAX_PROSE:
        return "login page"
    if s.consent_words >= CONSENT_MIN_WORDS and (
            (s.consent_block >= CONSENT_MIN_BLOCK and s.consent_block > len(main_text))
            or (len(main_text) <= CONSENT_MAX_PROSE and s.consent_block == 0
                and len(_patterns()["consent"].findall(main_text)) > CONSENT_MIN_WORDS)):
        return "consent page"
    if s.prose_chars <= CHOOSER_MAX_PROSE and s.longest_paragraph < LISTING_MAX_PARAGRAPH:
        if s.language_links >= CHOOSER_MIN_LINKS and (s.chooser_phrase or s.teaser_links < s.language_links):
            return "language chooser"
        if s.chooser_phrase:
            return "country chooser"
    if (s.search_query or (s.search_field and s.search_title)) and s.prose_chars <= SEARCH_MAX_PROSE \
            and s.longest_paragraph < LISTING_MAX_PARAGRAPH:
        return "search page"
    if s.teaser_links >= LISTING_MIN_TEASERS and s.longest_paragraph < LISTING_MAX_PARAGRAPH:
        return "listing page"
    return None
