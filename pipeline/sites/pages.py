"""Reading one parsed page the way every site family needs: links, language variants, date lines.

Pure functions over an lxml tree (the extraction workers' tree, or the crawler's response tree);
every URL they return is absolute and normalised (:func:`pipeline.urls.normalize_url`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

from lxml.html import HtmlElement

from pipeline.dateparse import parse_date_text
from pipeline.declared import find_declared_date
from pipeline.types import DeclaredDate
from pipeline.urls import normalize_url, same_site

# A language tag as sites put it in paths and hreflang: ``en``, ``kk``, ``zh-hans``, ``pt-br``.
LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,4})?$", re.I)
# Regions whose links are navigation, not content: menus, header, footer, sidebars, related lists,
# share bars, breadcrumbs, language switchers.
NAVIGATION_TAGS = frozenset({"nav", "footer", "aside"})
NAVIGATION_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
NAVIGATION_CLASS_RE = re.compile(
    r"\b(?:related|breadcrumbs?|share|social|language|lang-switch|menu|pager|sidebar|footer"
    r"|cookie)", re.I)
CONTENT_XPATH = ("//main", "//*[@role='main']", "//*[@id='block-mainpagecontent']", "//article")
# The longest text a "date line" element may hold (``Wednesday, 24 September 2021 - 10:00``).
DATE_LINE_MAX_CHARS = 48
SKIP_TEXT_TAGS = frozenset({"script", "style", "noscript", "template"})
DATE_LINE_TAGS = frozenset({"time", "span", "div", "p", "small", "li", "dd"})


def _href_urls(elements: list[HtmlElement], base_url: str) -> Iterator[str]:
    for element in elements:
        href = (element.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        try:
            yield normalize_url(href, base_url)
        except ValueError:
            continue


def is_navigation(element: HtmlElement) -> bool:
    """Whether ``element`` sits in a menu, header, footer, sidebar or related list."""
    for node in (element, *element.iterancestors()):
        if not isinstance(node.tag, str):
            continue
        if node.tag in NAVIGATION_TAGS or (node.get("role") or "") in NAVIGATION_ROLES:
            return True
        if node.tag == "header" and not any(True for _ in node.iterancestors("main", "article")):
            return True   # the site header; an article's own header is content
        if NAVIGATION_CLASS_RE.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
    return False


def content_root(tree: HtmlElement) -> HtmlElement:
    """The element holding the main content (``<main>``, ``role=main``, Drupal's main block …)."""
    for path in CONTENT_XPATH:
        found = tree.xpath(path)
        if found and isinstance(found[0], HtmlElement):
            return found[0]
    body = tree.find("body")
    return body if body is not None else tree


def content_links(tree: HtmlElement, base_url: str) -> list[str]:
    """Same-site links of the main content, navigation excluded, in document order, unique."""
    root = content_root(tree)
    anchors = [a for a in root.iter("a") if not is_navigation(a)]
    return [u for u in dict.fromkeys(_href_urls(anchors, base_url)) if same_site(u, base_url)]


def all_links(tree: HtmlElement, base_url: str) -> list[str]:
    """Every same-site link of the page (navigation included), unique, in document order."""
    anchors = list(tree.iter("a", "link"))
    return [u for u in dict.fromkeys(_href_urls(anchors, base_url)) if same_site(u, base_url)]


def pagination_links(tree: HtmlElement, listing_url: str) -> list[str]:
    """Other pages of a paginated listing: same path, a numeric ``page`` parameter (Drupal pager,
    ``rel=next``)."""
    path = urlsplit(normalize_url(listing_url)).path
    found: list[str] = []
    for url in all_links(tree, listing_url):
        parts = urlsplit(url)
        if parts.path != path:
            continue
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if params.get("page", "").isdigit():
            found.append(url)
    return found


def language_variants(tree: HtmlElement, page_url: str) -> dict[str, str]:
    """``{language: url}`` of the page's language versions on the same site: ``<link rel=alternate
    hreflang>`` in the head, then the language switcher's ``<a hreflang>``."""
    variants: dict[str, str] = {}
    for element in tree.iter("link", "a"):
        lang = (element.get("hreflang") or "").strip().lower()
        if not lang or lang == "x-default" or not LANG_RE.match(lang):
            continue
        if element.tag == "link" and "alternate" not in (element.get("rel") or "").lower().split():
            continue
        for url in _href_urls([element], page_url):
            if same_site(url, page_url) and "..." not in url and "%E2%80%A6" not in url:
                variants.setdefault(lang, url)
    return variants


def body_text(tree: HtmlElement) -> str:
    """The visible text of the whole page on one line (scripts and styles left out)."""
    chunks: list[str] = []

    def walk(node: HtmlElement) -> None:
        if isinstance(node.tag, str) and node.tag not in SKIP_TEXT_TAGS and node.text:
            chunks.append(node.text)
        if not isinstance(node.tag, str) or node.tag not in SKIP_TEXT_TAGS:
            for child in node:
                walk(child)
                if child.tail:
                    chunks.append(child.tail)

    body = tree.find("body")
    walk(body if body is not None else tree)
    return " ".join(" ".join(chunks).split())


def page_language(tree: HtmlElement) -> str | None:
    """The language declared by ``<html lang>`` (primary subtag, lower case)."""
    lang = (tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    primary = lang.split("-")[0].split("_")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def visible_date(tree: HtmlElement) -> DeclaredDate | None:
    """The date line of an article (``20 May 2021``, ``September 24, 2021``): the first short
    element of the main content whose whole text is one date. Its literal is kept as printed; the
    value is the date it names (the page gives no time, so none is invented)."""
    for element in content_root(tree).iter():
        if not isinstance(element.tag, str) or element.tag not in DATE_LINE_TAGS:
            continue
        if element.tag != "time" and len(element):
            continue   # only leaves and <time>: a container's text is its children's
        text = " ".join(element.text_content().split())
        if not text or len(text) > DATE_LINE_MAX_CHARS or is_navigation(element):
            continue
        parsed = parse_date_text(text)
        if parsed is None or parsed.end < len(text) - 1:
            continue
        return DeclaredDate(text=text, value=parsed.value, origin="date-line", kind="published",
                            flags=parsed.flags)
    return None


def article_date(tree: HtmlElement, *, allow_htmldate: bool = True) -> DeclaredDate | None:
    """An article's declared date: its "Last modified" line, else the date line a reader sees,
    else structured markup (meta tags, JSON-LD, ``<time>``); htmldate's structured-markup reading
    only when ``allow_htmldate`` (it misreads timeline years on UNICEF pages)."""
    generic = find_declared_date(tree)
    if generic is not None and generic.origin == "last-modified-line":
        return generic
    line = visible_date(tree)
    if line is not None:
        return line
    if generic is not None and (allow_htmldate or generic.origin != "htmldate"):
        return generic
    return None
