"""Extraction: one parsed document → main text, title, language.

The document is parsed once (:func:`parse_html`); metadata is read from that tree first, then the
boilerplate pruning and the user's ``css:``/``xpath:`` ignores edit it, then trafilatura extracts the
main text from it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection

import lxml.html
from lxml import etree
from lxml.html import HtmlElement
from trafilatura import bare_extraction

from pipeline.ignore import IgnoreFilter
from pipeline.layout import flatten_layout_tables
from pipeline.linkblocks import settle_links
from pipeline.screen import MAX_ELEMENTS
from pipeline.treeindex import tagged

logger = logging.getLogger(__name__)

# Elements that are boilerplate wherever they sit; removed before extraction so that neither
# trafilatura nor its small-page fallback can pick up a menu or a cookie banner.
# The expressions are relative (``.//``) and run on the page's <main> when it has one: walking a
# 100 KB page's whole tree costs ~1 ms per expression, its main content a fifth of that.
BOILERPLATE_TAGS = ("nav", "aside", "footer", "script", "style", "noscript", "template", "form",
                    "header")
BOILERPLATE_ROLES_XPATH = etree.XPath(
    ".//*[@role or @aria-hidden or @hidden][@role='navigation' or @role='contentinfo'"
    " or @role='complementary' or @role='banner' or @role='search' or @role='alertdialog'"
    " or @aria-hidden='true' or @hidden]")
BOILERPLATE_BANNERS_XPATH = etree.XPath(
    ".//@*[local-name()='id' or local-name()='class']"
    "[contains(., 'ookie') or contains(., 'OOKIE') or contains(., 'onetrust') or contains(., 'onsent')]"
    "/..")
# Containers that hold page content: a <form> or <header> wrapping one of them is kept (ASP.NET
# pages wrap everything in a form; articles put their title in a header).
CONTENT_TAGS = frozenset({"main", "article", "h1", "h2"})
ROLE_MAIN_XPATH = etree.XPath("//@role[.='main']/..")   # //*[@role='main'], at half the cost
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
TITLE_SEPARATORS_RE = re.compile(r"\s+")
# Found by fuzzing (tests/pipeline/test_fuzz.py): a stray \x08 in a page made pruning raise.
NON_XML_CHARS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
NON_XML_CHARS = (*(chr(c) for c in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20))), "\ufffe", "\uffff")


def _utf8_parser() -> lxml.html.HTMLParser:
    """An HTML parser for UTF-8 bytes (the encoding given: a page's own ``<meta charset>`` is the
    one it was decoded with, not the one of these bytes)."""
    return lxml.html.HTMLParser(encoding="utf-8")


# Elements the parser adds without a tag in the text (html, head, body, tbody …), generously.
IMPLIED_ELEMENTS = 64
COUNT_ELEMENTS = etree.XPath("count(//*)")


class ExtractionError(ValueError):
    """The document cannot be parsed."""


def parse_html(text: str) -> HtmlElement:
    """Parse a whole document leniently (malformed markup is the norm).

    Characters XML forbids (C0 controls, U+FFFE/U+FFFF) are dropped first: libxml2's HTML parser
    keeps them, and the first tree edit that moves such text (pruning) would raise.

    Raises :class:`ExtractionError` for a document past :data:`MAX_ELEMENTS`, and for one past
    libxml2's limits (nesting deeper than 255 levels): the parser drops everything after such a
    point, so the text would not be the page's.
    """
    # every element opens with "<" and most close with "</": a cheap upper bound before parsing
    tags = text.count("<")
    if tags > 2 * MAX_ELEMENTS:
        raise ExtractionError(f"too many HTML elements (over {MAX_ELEMENTS:,})")
    if any(char in text for char in NON_XML_CHARS):   # ~30 C scans: 10x faster than the regex
        text = NON_XML_CHARS_RE.sub("", text)
    # libxml2 reads UTF-8 natively: the text encoded once parses in ~60 % of the time it takes
    # from a Python string (converted character by character); the same tree either way
    try:
        document: str | bytes = text.encode("utf-8")
        parser = _utf8_parser()
    except UnicodeEncodeError:      # lone surrogates: parsed as the string they are
        document, parser = text, lxml.html.HTMLParser()
    try:
        tree = lxml.html.document_fromstring(document, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"unparsable HTML: {exc}") from None
    for entry in parser.error_log:
        if entry.type_name == "ERR_RESOURCE_LIMIT":
            if "depth" in entry.message.lower():
                raise ExtractionError("HTML nested too deeply (over 255 levels)")
            raise ExtractionError(f"HTML past the parser's limits ({entry.message.strip()})")
    # exact count only when the bound allows too many (a handful of elements are implied, without
    # a "<" of their own); counted in C: a Python walk costs ~2 ms on a 100 KB page
    if tags > MAX_ELEMENTS - IMPLIED_ELEMENTS and COUNT_ELEMENTS(tree) > MAX_ELEMENTS:
        raise ExtractionError(f"too many HTML elements (over {MAX_ELEMENTS:,})")
    return tree


def _flat(text: str | None) -> str | None:
    if not text:
        return None
    flat = TITLE_SEPARATORS_RE.sub(" ", text).strip()
    return flat or None


def extract_title(tree: HtmlElement) -> str | None:
    """``og:title``, else ``<title>``, else the first ``<h1>``."""
    for meta in tagged(tree, "meta"):
        if (meta.get("property") or meta.get("name") or "").lower() == "og:title":
            title = _flat(meta.get("content"))
            if title:
                return title
    for element in tagged(tree, "title"):
        title = _flat(element.text_content())
        if title:
            return title
    for element in tagged(tree, "h1"):
        title = _flat(element.text_content())
        if title:
            return title
    return None


def extract_h1(tree: HtmlElement) -> str | None:
    for element in tagged(tree, "h1"):
        title = _flat(element.text_content())
        if title:
            return title
    return None


def extract_site_name(tree: HtmlElement) -> str | None:
    """The site's own name (``og:site_name`` / ``application-name``), for citations."""
    for meta in tagged(tree, "meta"):
        key = (meta.get("property") or meta.get("name") or "").lower()
        if key in ("og:site_name", "application-name"):
            name = _flat(meta.get("content"))
            if name:
                return name
    return None


def extract_language(tree: HtmlElement) -> str | None:
    """The primary language subtag declared by the page (``<html lang>`` or Content-Language)."""
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not lang:
        for meta in tagged(tree, "meta"):
            if (meta.get("http-equiv") or "").lower() == "content-language":
                lang = meta.get("content")
                break
    if not lang:
        return None
    primary = lang.strip().split(",")[0].split("-")[0].split("_")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def prune_boilerplate(tree: HtmlElement, ignores: tuple[IgnoreFilter, ...] = ()) -> HtmlElement:
    """Remove boilerplate and user-ignored elements; returns the subtree to extract from.

    A page with exactly one ``<main>`` (or ``role="main"``) is reduced to it first: what is
    outside is navigation, banners and footers on every site watched. Only elements are removed:
    tables and links stay as they are, for the tables to be read (:mod:`pipeline.tables`) and the
    linked documents (:mod:`pipeline.documents.links`); then :func:`read_as_prose` prepares what
    is left for the main-text extractor.
    """
    for ignore in ignores:
        ignore.apply_to_tree(tree)
    root = tree
    mains = list(tree.iter("main")) or ROLE_MAIN_XPATH(tree)
    if len(mains) == 1 and isinstance(mains[0], HtmlElement) and mains[0].text_content().strip():
        body = lxml.html.Element("body")
        body.append(mains[0])  # moves it: the rest of the tree is not needed any more
        root = lxml.html.Element("html")
        root.append(body)
    doomed: list[HtmlElement] = []
    for element in root.iter(*BOILERPLATE_TAGS):
        if element.tag == "form" and any(e.tag in CONTENT_TAGS for e in element.iterdescendants()):
            continue
        if element.tag == "header" and any(a.tag in ("article", "main")
                                           for a in element.iterancestors()):
            continue
        doomed.append(element)
    doomed.extend(BOILERPLATE_ROLES_XPATH(root))
    doomed.extend(BOILERPLATE_BANNERS_XPATH(root))
    for element in doomed:
        if isinstance(element, HtmlElement) and element.getparent() is not None:
            element.drop_tree()
    return root


def read_as_prose(root: HtmlElement, layout_tables: Collection[HtmlElement]) -> int:
    """Prepare a pruned root for :func:`extract_main_text` (edited in place): the layout tables
    (classified by :mod:`pipeline.tables`, before pruning) become plain blocks
    (:mod:`pipeline.layout`), then lists of links and menu blocks go and the other links are
    unwrapped (:mod:`pipeline.linkblocks`). Returns how many layout tables were flattened."""
    flattened = flatten_layout_tables(root, layout_tables)   # a <table> layout is read as text
    settle_links(root)      # link-dependent decisions made by what a reader sees
    return flattened


def extract_main_text(tree: HtmlElement) -> tuple[str, tuple[str, ...]]:
    """Main text (headings, paragraphs, lists, tables as lines) and the section headings."""
    document = bare_extraction(
        tree,
        fast=True,              # no readability/jusText comparison: its pick flips with boilerplate
        favor_precision=True,   # no whole-page "baseline" rescue on short pages: it dumps menus
                                # and rotating sidebars into the text, a false change every run
        include_tables=True,
        include_comments=False,
        include_images=False,
        include_links=False,
        deduplicate=False,      # trafilatura's dedup cache spans documents: not reproducible
        with_metadata=False,
    )
    if document is None or isinstance(document, dict) or not document.text:
        return _fallback_text(tree), _headings_from_html(tree)
    headings: tuple[str, ...] = ()
    if document.body is not None:
        headings = tuple(h for h in (_flat("".join(e.itertext())) for e in document.body.iter("head"))
                         if h)
    return document.text, headings


def _fallback_text(tree: HtmlElement) -> str:
    """Block-level text of what is left, for pages too small or odd for trafilatura."""
    lines: list[str] = []
    for element in tree.iter(*HEADING_TAGS, "p", "li", "td", "th", "dd", "dt", "pre", "blockquote"):
        if any(a.tag in ("p", "li", "td", "th") for a in element.iterancestors()):
            continue
        text = _flat(element.text_content())
        if text:
            lines.append(f"- {text}" if element.tag == "li" else text)
    if not lines:
        body = tree.find("body")
        text = (body if body is not None else tree).text_content()
        lines = [line for line in (x.strip() for x in text.split("\n")) if line]
    return "\n".join(lines)


def _headings_from_html(tree: HtmlElement) -> tuple[str, ...]:
    return tuple(h for h in (_flat(e.text_content()) for e in tree.iter(*HEADING_TAGS)) if h)
