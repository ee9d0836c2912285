"""Archived HTML made safe to replay: no script, no live resource, links kept inside the archive.

Resources that are part of the document (``data:`` images, inline styles) stay; the page's
requisites (stylesheets, images, icons, fonts: ``pipeline.requisites``) are rewritten to the
archive's copies through a *resolver* — ``resolve(absolute URL, kind)`` answers the archive URL of
the copy the version shows, or None — and every other reference to a live resource is removed. The
rewrite, on the lxml tree:

1. remove scripts and everything that embeds or loads another document or program (``script``,
   ``iframe``, ``frame``, ``object``, ``embed``, ``applet``, ``base``, ``portal``, ``meta``
   refresh, cookies and policies), comments and processing instructions; ``<link>`` stays only as
   a stylesheet, icon or preload whose target the resolver knows;
2. remove every event-handler attribute (``on*``), ``srcdoc``, ``ping``, form actions, ``target``;
3. rewrite links (``a``/``area`` ``href``) to the archive's own ``/web/{timestamp}/{URL}`` (in the
   mode of the page shown, so a framed page's links stay framed; a link
   to a page that is not archived answers 404 there), drop ``javascript:`` and other non-web
   schemes;
4. rewrite requisite URLs (``src``, every ``srcset`` candidate, ``poster``, ``background``, SVG
   ``href``) through the resolver, dropping those it does not know; drop every other resource URL
   unless it is a ``data:`` image; in CSS (``style`` attributes and elements) rewrite ``@import``
   and ``url(...)`` the same way (``pipeline.css``, a real tokenizer);
5. serialise as UTF-8 with ``<meta charset="utf-8">``, optionally with a banner naming the capture.

URLs resolve against the page's ``<base href>`` (then removed) when it has one. The response also
carries a ``sandbox`` Content-Security-Policy allowing only the archive's own origin (see
:mod:`profilewatch.web.security`), so anything this rewrite missed still cannot run or load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from pipeline.css import Resolver, absolute_url, is_safe_data, rewrite_css
from pipeline.requisites import document_base, element_urls, link_kind, parse_html
from pipeline.srcset import Candidate, parse_srcset, serialize_srcset

REMOVED_TAGS = ("script", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
                "portal", "noembed", "param")
REMOVED_META = frozenset({"refresh", "set-cookie", "content-security-policy", "content-type",
                          "x-ua-compatible", "default-style"})
# ``loading`` too: a replay shows every archived image at once (a lazy one below the fold would
# otherwise wait for a scroll that a reader checking a citation may never make).
REMOVED_ATTRIBUTES = frozenset({"srcdoc", "ping", "action", "formaction", "target", "nonce",
                                "integrity", "http-equiv-refresh", "loading"})
NAVIGATION = frozenset({"a", "area"})
# What a kept <link> keeps: where it points (rewritten), what it is, and when it applies.
LINK_ATTRIBUTES = frozenset({"href", "rel", "as", "type", "media", "sizes", "title", "crossorigin"})
RESOURCE_ATTRIBUTES = ("src", "srcset", "poster", "background", "lowsrc", "dynsrc", "data",
                       "href", "xlink:href", "imagesrcset", "manifest")
SAFE_SCHEMES = frozenset({"mailto", "tel"})
DATA_IMAGE_RE = re.compile(r"^\s*data:image/", re.I)


def no_requisites(url: str, kind: str) -> str | None:
    """The resolver of an archive without requisites: every reference is removed."""
    return None


def clean_css(css: str, base: str = "about:blank", resolve: Resolver = no_requisites) -> str:
    """CSS with every reference rewritten through ``resolve`` or removed (``data:`` images and
    fonts stay)."""
    return rewrite_css(css, base, resolve)


def _rewrite_reference(value: str, kind: str, base: str, resolve: Resolver) -> str | None:
    stripped = value.strip()
    if is_safe_data(stripped) and kind != "stylesheet":
        return stripped
    absolute = absolute_url(stripped, base)
    return resolve(absolute, kind) if absolute is not None else None


def _rewrite_requisites(element: etree._Element, base: str, resolve: Resolver) -> set[str]:
    """Rewrite the element's requisite attributes in place; returns the attribute names done."""
    done: set[str] = set()
    for attribute, kind, is_srcset in element_urls(element):
        value = element.get(attribute) or ""
        done.add(attribute.lower())
        if is_srcset:
            candidates = [Candidate(new, c.descriptor) for c in parse_srcset(value)
                          if (new := _rewrite_reference(c.url, kind, base, resolve)) is not None]
            rewritten: str | None = serialize_srcset(candidates) or None
        else:
            rewritten = _rewrite_reference(value, kind, base, resolve)
        if rewritten is None:
            del element.attrib[attribute]
        else:
            element.set(attribute, rewritten)
    return done


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


def _clean_element(element: lxml.html.HtmlElement, base: str, prefix: str,
                   resolve: Resolver) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    done = _rewrite_requisites(element, base, resolve)
    for name in list(element.attrib):
        lowered = name.lower()
        value = element.attrib[name]
        if lowered in done:
            continue
        if lowered.startswith("on") or lowered in REMOVED_ATTRIBUTES:
            del element.attrib[name]
        elif lowered == "style":
            element.attrib[name] = clean_css(value, base, resolve)
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
        "Scripts are disabled; nothing is loaded from the live site. "
        f'<a href="{escape(b.page_link, quote=True)}" style="color:#0550ae">Timeline of this '
        "page</a></div>"
    )


def rewrite_html(body: bytes, content_type: str | None, *, base: str, prefix: str,
                 banner: Banner | None = None, resolve: Resolver = no_requisites) -> bytes:
    """Steps 1-5 of the module docstring; links become ``prefix`` + absolute URL, requisites
    what ``resolve`` answers."""
    document = parse_html(body, content_type)
    if document is None:
        document = lxml.html.document_fromstring("<html><body><p>(empty archived page)</p></body></html>")
    base = document_base(document, base)
    for node in list(document.iter(etree.Comment, etree.ProcessingInstruction)):
        if node.getparent() is not None:
            node.drop_tree()
    for element in list(document.iter(*REMOVED_TAGS)):
        element.drop_tree()
    for element in list(document.iter("link")):
        kind = link_kind(element)
        href = _rewrite_reference(element.get("href") or "", kind, base, resolve) if kind else None
        if href is None:
            element.drop_tree()
        else:
            element.set("href", href)
    for element in list(document.iter("meta")):
        if (element.get("http-equiv") or "").lower() in REMOVED_META or element.get("charset"):
            element.drop_tree()
    for element in list(document.iter("noscript")):
        element.drop_tag()      # scripts never run here: show what a script-less browser shows
    for element in document.iter(etree.Element):
        if element.tag == "link":
            for name in list(element.attrib):
                if name.lower() not in LINK_ATTRIBUTES:
                    del element.attrib[name]
            continue
        _clean_element(element, base, prefix, resolve)
    for element in document.iter("style"):
        element.text = clean_css(element.text or "", base, resolve)
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
