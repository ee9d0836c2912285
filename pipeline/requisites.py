"""Page requisites: what an HTML page needs to render, found in its markup and stylesheets.

A requisite is a resource a browser loads to *show* a page without running its scripts:

- stylesheets: ``<link rel=stylesheet href>`` and what they ``@import``;
- images: ``<img src>`` and every ``srcset`` candidate (``<img>``, ``<picture><source>``),
  ``<input type=image src>``, ``<video poster>``, the legacy ``background`` attribute, SVG
  ``<image href>``, and CSS ``url()`` in linked sheets, ``<style>`` blocks and ``style=""``;
- icons: ``<link rel=icon|shortcut icon|apple-touch-icon|mask-icon>``;
- fonts: ``url()`` in ``@font-face``, and ``<link rel=preload as=font|image>``.

Scripts are never requisites (replay never runs them). :data:`HTML_REFERENCES` is the single list
of which element attributes hold references: the capture reads it here, the replay rewrites the
same attributes (``profilewatch.web.replay``). URLs resolve against the page's ``<base href>``
when it has one, else its final URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import lxml.html
from lxml import etree

from pipeline.css import FONT, ICON, IMAGE, STYLESHEET, absolute_url, css_references, decode_css
from pipeline.decode import UndecodableBody, decode_body
from pipeline.srcset import parse_srcset

# At most this many requisites are taken from one page (a hostile page can name millions; real
# pages of the watched sites need 20-60).
MAX_PAGE_REFERENCES = 300
ICON_RELS = frozenset({"icon", "apple-touch-icon", "apple-touch-icon-precomposed",
                       "mask-icon"})
PRELOAD_KINDS = {"font": FONT, "image": IMAGE}
# (tag, attribute, kind): attributes that hold one URL of a requisite. ``srcset``-like attributes
# are in SRCSET_ATTRIBUTES; ``<link>`` depends on its rel (see link_kind).
HTML_REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("img", "src", IMAGE),
    ("input", "src", IMAGE),          # type=image only (link_kind-like check in element_urls)
    ("video", "poster", IMAGE),
    ("body", "background", IMAGE),
    ("table", "background", IMAGE),
    ("td", "background", IMAGE),
    ("th", "background", IMAGE),
    ("image", "href", IMAGE),         # SVG
    ("image", "{http://www.w3.org/1999/xlink}href", IMAGE),
    ("image", "xlink:href", IMAGE),
)
SRCSET_ATTRIBUTES: tuple[tuple[str, str], ...] = (("img", "srcset"), ("source", "srcset"),
                                                   ("link", "imagesrcset"))
# Media types a reference of each kind may not be: an HTML page where an image or stylesheet was
# expected is a soft 404 or a login page, not the requisite.
NOT_A_REQUISITE = ("text/html", "application/xhtml+xml", "application/json", "text/javascript",
                   "application/javascript")


@dataclass(frozen=True, slots=True)
class Reference:
    url: str      # absolute, without fragment
    kind: str     # stylesheet | image | font | icon


def link_kind(element: etree._Element) -> str | None:
    """The requisite kind a ``<link>`` loads, or None (alternate sheets, prefetch, scripts …)."""
    rels = set((element.get("rel") or "").lower().split())
    if "stylesheet" in rels and "alternate" not in rels:
        return STYLESHEET
    if rels & ICON_RELS:
        return ICON
    if "preload" in rels:
        return PRELOAD_KINDS.get((element.get("as") or "").lower())
    return None


def parse_html(body: bytes, content_type: str | None) -> etree._Element | None:
    """The page as an lxml tree, or None when it is not HTML lxml can read."""
    try:
        text = decode_body(body, content_type).text
    except UndecodableBody:
        text = body.decode("utf-8", errors="replace")
    try:
        return lxml.html.document_fromstring(_NON_XML_CHARS.sub("", text))
    except (etree.ParserError, ValueError):
        return None


def document_base(document: etree._Element, url: str) -> str:
    """What relative URLs of the page resolve against: its first ``<base href>``, else ``url``."""
    for element in document.iter("base"):
        href = element.get("href")
        if href:
            return absolute_url(href, url) or url
    return url


def element_urls(element: etree._Element) -> list[tuple[str, str, bool]]:
    """(attribute, kind, is_srcset) of every requisite reference ``element`` holds."""
    tag = element.tag if isinstance(element.tag, str) else ""
    tag = tag.rsplit("}", 1)[-1].lower()
    out: list[tuple[str, str, bool]] = []
    if tag == "link":
        kind = link_kind(element)
        if kind is not None:
            out.append(("href", kind, False))
            if kind == IMAGE:
                out.append(("imagesrcset", IMAGE, True))
        return out
    for ref_tag, attribute, kind in HTML_REFERENCES:
        if ref_tag == tag and element.get(attribute) is not None:
            if tag == "input" and (element.get("type") or "").lower() != "image":
                continue
            out.append((attribute, kind, False))
    for ref_tag, attribute in SRCSET_ATTRIBUTES:
        if ref_tag == tag and element.get(attribute) is not None:
            out.append((attribute, IMAGE, True))
    return out


# Every element that may hold a reference (element_urls, style="", <style>), in one pass and in
# document order: the walk reads these instead of every element of the page.
_CANDIDATES = etree.XPath("|".join(
    [f"//{tag}" for tag in sorted({t for t, _, _ in HTML_REFERENCES} | {t for t, _ in SRCSET_ATTRIBUTES}
                                  | {"link", "style"})] + ["//*[@style]"]))
# Characters XML forbids, dropped before parsing as the analysis does (pipeline.extract): the
# capture (which reads the analysis's tree) and the replay find the same URLs.
_NON_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def page_references(body: bytes, content_type: str | None, url: str,
                    allowed: Callable[[str], bool] | None = None) -> list[Reference]:
    """The requisites of a page, stylesheets first, then the rest in document order; each once;
    only those ``allowed`` accepts (the source's hosts) when given."""
    document = parse_html(body, content_type)
    if document is None:
        return []
    return document_references(document, url, allowed)


def document_references(document: etree._Element, url: str,
                        allowed: Callable[[str], bool] | None = None) -> list[Reference]:
    """:func:`page_references` of an already parsed page (before anything edits its tree)."""
    base = document_base(document, url)
    found: dict[str, str] = {}

    def add(reference: str, kind: str) -> None:
        absolute = absolute_url(reference, base)
        if absolute is not None and (allowed is None or allowed(absolute)):
            found.setdefault(absolute, kind)

    for element in _CANDIDATES(document):
        if len(found) >= MAX_PAGE_REFERENCES:
            break
        for attribute, kind, is_srcset in element_urls(element):
            value = element.get(attribute) or ""
            if is_srcset:
                for candidate in parse_srcset(value):
                    add(candidate.url, kind)
            else:
                add(value, kind)
        style = element.get("style")
        if style:
            for reference, kind in css_references(style, base):
                add(reference, kind)
        if element.tag == "style":
            for reference, kind in css_references(element.text or "", base):
                add(reference, kind)
    ordered = sorted(found.items(), key=lambda item: item[1] != STYLESHEET)
    return [Reference(u, k) for u, k in ordered[:MAX_PAGE_REFERENCES]]


def stylesheet_references(body: bytes, content_type: str | None, url: str,
                          allowed: Callable[[str], bool] | None = None) -> list[Reference]:
    """What a fetched stylesheet loads: ``@import`` (stylesheets), fonts and images."""
    return [Reference(u, k) for u, k in css_references(decode_css(body, content_type), url)
            if allowed is None or allowed(u)]


def media_type(content_type: str | None) -> str | None:
    """``text/css; charset=utf-8`` → ``text/css``."""
    if not content_type:
        return None
    value = content_type.split(";", 1)[0].strip().lower()
    return value or None


def refusal(kind: str, content_type: str | None, body: bytes) -> str | None:
    """Why a response is not the requisite a reference expects (None: it is)."""
    mtype = media_type(content_type)
    if not body:
        return "empty response"
    if mtype in NOT_A_REQUISITE or (mtype is None and body.lstrip()[:15].lower().startswith(
            (b"<!doctype html", b"<html"))):
        return f"not a {kind} ({mtype or 'HTML'})"
    if kind == STYLESHEET and mtype not in (None, "text/css", "text/plain"):
        return f"not a stylesheet ({mtype})"
    return None


__all__ = ["FONT", "ICON", "IMAGE", "STYLESHEET", "Reference", "document_base",
           "document_references", "element_urls",
           "link_kind", "media_type", "page_references", "parse_html", "refusal",
           "stylesheet_references"]
