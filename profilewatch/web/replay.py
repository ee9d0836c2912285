"""Archived HTML made safe to replay: no script, no live resource, links kept inside the archive.

The archive stores each page's HTML, not its images, stylesheets or scripts, so "only archived
assets" means: resources that are part of the document (``data:`` images, inline styles) stay, and
every reference to a live resource is removed. The rewrite, on the lxml tree:

1. remove scripts and everything that embeds or loads another document or program (``script``,
   ``iframe``, ``frame``, ``object``, ``embed``, ``applet``, ``base``, ``link``, ``portal``,
   ``meta`` refresh, cookies and policies), comments and processing instructions;
2. remove every event-handler attribute (``on*``), ``srcdoc``, ``ping``, form actions, ``target``;
3. rewrite links (``a``/``area`` ``href``) to the archive's own ``/web/{timestamp}/{URL}`` (in the
   mode of the page shown, so a framed page's links stay framed; a link
   to a page that is not archived answers 404 there), drop ``javascript:`` and other non-web
   schemes;
4. drop resource URLs (``src``, ``srcset``, ``poster``, ``background``, SVG ``href``) unless they are
   ``data:`` images; in CSS (``style`` attributes and elements) drop ``@import`` and ``url(...)``;
5. serialise as UTF-8 with ``<meta charset="utf-8">``, optionally with a banner naming the capture.

The response also carries a ``sandbox`` Content-Security-Policy with ``default-src 'none'``
(see :mod:`profilewatch.web.security`), so anything this rewrite missed still cannot run or load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from pipeline.decode import UndecodableBody, decode_body

REMOVED_TAGS = ("script", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
                "link", "portal", "noembed", "param")
REMOVED_META = frozenset({"refresh", "set-cookie", "content-security-policy", "content-type",
                          "x-ua-compatible", "default-style"})
REMOVED_ATTRIBUTES = frozenset({"srcdoc", "ping", "action", "formaction", "target", "nonce",
                                "integrity", "http-equiv-refresh"})
NAVIGATION = frozenset({"a", "area"})
RESOURCE_ATTRIBUTES = ("src", "srcset", "poster", "background", "lowsrc", "dynsrc", "data",
                       "href", "xlink:href", "imagesrcset", "manifest")
SAFE_SCHEMES = frozenset({"mailto", "tel"})
CSS_URL_RE = re.compile(r"url\(\s*(?!['\"]?\s*data:image/)[^)]*\)", re.I)
CSS_IMPORT_RE = re.compile(r"@import\b[^;]*;?", re.I)
DATA_IMAGE_RE = re.compile(r"^\s*data:image/", re.I)


def clean_css(css: str) -> str:
    """CSS with ``@import`` rules and non-``data:image`` ``url()`` references removed."""
    return CSS_URL_RE.sub("none", CSS_IMPORT_RE.sub("", css))


def archive_link(href: str, base: str, prefix: str) -> str | None:
    """Where a link in an archived page should point; None to drop it."""
    href = href.strip()
    if not href or href.startswith("#"):
        return href or None
    absolute = urljoin(base, href)
    scheme = urlsplit(absolute).scheme.lower()
    if scheme in ("http", "https"):
        return prefix + absolute
    if scheme in SAFE_SCHEMES:
        return absolute
    return None


def _is_live_resource(attribute: str, value: str) -> bool:
    """A resource reference that is not a ``data:`` image inside the document."""
    if attribute not in RESOURCE_ATTRIBUTES:
        return False
    return not (attribute in ("src", "href", "xlink:href") and DATA_IMAGE_RE.match(value))


def _clean_element(element: lxml.html.HtmlElement, base: str, prefix: str) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    for name in list(element.attrib):
        lowered = name.lower()
        value = element.attrib[name]
        if lowered.startswith("on") or lowered in REMOVED_ATTRIBUTES:
            del element.attrib[name]
        elif lowered == "style":
            element.attrib[name] = clean_css(value)
        elif tag in NAVIGATION and lowered == "href":
            target = archive_link(value, base, prefix)
            if target is None:
                del element.attrib[name]
            else:
                element.attrib[name] = target
        elif _is_live_resource(lowered, value) or "javascript:" in value.lower().replace(" ", ""):
            del element.attrib[name]


@dataclass(frozen=True, slots=True)
class Banner:
    """What the banner above a replayed page says."""

    title: str | None
    url: str
    captured: str
    version: int
    page_link: str


def _banner(b: Banner) -> str:
    return (
        '<div role="note" aria-label="Archived copy" style="all:initial;display:block;'
        "font:14px/1.4 sans-serif;background:#fff8c5;color:#1f2328;border-bottom:2px solid #9a6700;"
        'padding:8px 12px;margin:0">'
        f"<strong>Archived copy</strong> of {escape(b.title or b.url)} "
        f"(<span>{escape(b.url)}</span>), version {b.version} captured {escape(b.captured)}. "
        "Scripts are disabled and live resources removed. "
        f'<a href="{escape(b.page_link, quote=True)}" style="color:#0550ae">Timeline of this '
        "page</a></div>"
    )


def rewrite_html(body: bytes, content_type: str | None, *, base: str, prefix: str,
                 banner: Banner | None = None) -> bytes:
    """Steps 1-5 of the module docstring; links become ``prefix`` + absolute URL."""
    try:
        text = decode_body(body, content_type).text
    except UndecodableBody:
        text = body.decode("utf-8", errors="replace")
    try:
        document = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        document = lxml.html.document_fromstring("<html><body><p>(empty archived page)</p></body></html>")
    for node in list(document.iter(etree.Comment, etree.ProcessingInstruction)):
        if node.getparent() is not None:
            node.drop_tree()
    for element in list(document.iter(*REMOVED_TAGS)):
        element.drop_tree()
    for element in list(document.iter("meta")):
        if (element.get("http-equiv") or "").lower() in REMOVED_META or element.get("charset"):
            element.drop_tree()
    for element in list(document.iter("noscript")):
        element.drop_tag()      # scripts never run here: show what a script-less browser shows
    for element in document.iter(etree.Element):
        _clean_element(element, base, prefix)
    for element in document.iter("style"):
        element.text = clean_css(element.text or "")
    head = document.find("head")
    if head is None:
        head = etree.Element("head")
        document.insert(0, head)
    head.insert(0, etree.Element("meta", charset="utf-8"))
    if banner is not None:
        body_element = document.find("body")
        if body_element is not None:
            body_element.insert(0, lxml.html.fragment_fromstring(_banner(banner)))
    html: str = lxml.html.tostring(document, encoding="unicode", method="html",
                                   doctype="<!DOCTYPE html>")
    return html.encode("utf-8")
