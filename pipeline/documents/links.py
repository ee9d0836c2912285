"""The document links of a watched page: PDF, DOCX, XLSX and ODT files on the page's host and the
source's allowed domains, read from the page's content only.

Links in navigation, header, footer and sidebars (site-wide policies, annual-report banners) are
left out by reading the links of what :func:`pipeline.extract.prune_boilerplate` keeps: the same
rule that decides what the page's text is decides which of its documents are the page's.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml.html import HtmlElement

from pipeline.documents.detect import FORMAT_OF_MEDIA_TYPE, format_of_url, media_type
from pipeline.extract import prune_boilerplate

# Most documents one page may add per check: a page listing thousands of files is a repository,
# not a profile (its documents are better watched through their own listing).
MAX_LINKS_PER_PAGE = 200


def host_allowed(host: str, page_host: str, allowed: Iterable[str]) -> bool:
    host = host.lower()
    if host == page_host.lower():
        return True
    return any(host == d or host.endswith("." + d) for d in (a.lower().lstrip(".") for a in allowed))


def find_document_links(tree: HtmlElement, page_url: str, allowed_domains: Iterable[str] = ()) -> list[str]:
    """Absolute URLs (fragment removed, in page order, once each) of the documents the page's
    content links to. ``tree`` is not modified."""
    allowed = tuple(allowed_domains)
    page_host = urlsplit(page_url).hostname or ""
    root = prune_boilerplate(copy.deepcopy(tree))
    found: dict[str, None] = {}
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
            continue
        try:
            parts = urlsplit(urljoin(page_url, href))
        except ValueError:
            continue
        if parts.scheme not in ("http", "https") or not parts.hostname:
            continue
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
        declared = FORMAT_OF_MEDIA_TYPE.get(media_type(anchor.get("type")))
        if not (declared or format_of_url(url)):
            continue
        if not host_allowed(parts.hostname, page_host, allowed):
            continue
        found.setdefault(url, None)
        if len(found) >= MAX_LINKS_PER_PAGE:
            break
    return list(found)
