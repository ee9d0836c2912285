"""The document links of a watched page: PDF, DOCX, XLSX and ODT files on the page's host and the
source's allowed domains, read from the page's content only.

Links in navigation, header, footer and sidebars (site-wide policies, annual-report banners) are
left out by reading the links of what :func:`pipeline.extract.prune_boilerplate` keeps — the
pruning that decides what the page's text is, which only removes elements (a list of document
links in the content stays: only the text extraction unwraps links).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml.html import HtmlElement

from pipeline.documents.detect import FORMAT_OF_MEDIA_TYPE, format_of_url, media_type
from pipeline.extract import prune_boilerplate

# Most documents one page may add per check: a page listing thousands of files is a repository,
# not a profile (its documents are better watched through their own listing).
MAX_LINKS_PER_PAGE = 200
# Links without a document extension that say they are a file ("Download", "PDF, 2 MB", a
# ``download`` attribute, a /download/ path): fetched once to learn their Content-Type, watched only
# if it names a document format. At most this many per page and check.
MAX_CANDIDATES_PER_PAGE = 10
FILE_HINT_RE = re.compile(r"\b(?:pdf|docx?|xlsx?|odt|download|télécharger|descargar)\b", re.I)
FILE_PATH_RE = re.compile(r"/(?:download|downloads|attachment|attachments|file|files|media)(?:/|$)",
                          re.I)
OTHER_EXTENSION_RE = re.compile(r"\.[a-z0-9]{1,5}$", re.I)
# Renderings of the page itself (Drupal's print and print-to-PDF routes) are not linked documents.
PRINT_PATH_RE = re.compile(r"/(?:print|entityprint|printpdf|print-pdf)(?:/|$)", re.I)


@dataclass(frozen=True, slots=True)
class DocumentLink:
    url: str
    certain: bool     # by extension or ``type``; else a candidate to be confirmed by Content-Type


def host_allowed(host: str, page_host: str, allowed: Iterable[str]) -> bool:
    host = host.lower()
    if host == page_host.lower():
        return True
    return any(host == d or host.endswith("." + d) for d in (a.lower().lstrip(".") for a in allowed))


def find_document_links(tree: HtmlElement, page_url: str, allowed_domains: Iterable[str] = ()) -> list[str]:
    """Absolute URLs (fragment removed, in page order, once each) of the documents the page's
    content links to by extension or ``type``. ``tree`` is not modified."""
    return [link.url for link in find_links(tree, page_url, allowed_domains) if link.certain]


def find_links(tree: HtmlElement, page_url: str, allowed_domains: Iterable[str] = ()) -> list[DocumentLink]:
    """The document links of the page's content: certain ones, and candidates (see
    :data:`MAX_CANDIDATES_PER_PAGE`). ``tree`` is not modified."""
    allowed = tuple(allowed_domains)
    page_host = urlsplit(page_url).hostname or ""
    root = prune_boilerplate(copy.deepcopy(tree))
    found: dict[str, bool] = {}
    candidates = 0
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
        if url in found or not host_allowed(parts.hostname, page_host, allowed):
            continue
        declared = FORMAT_OF_MEDIA_TYPE.get(media_type(anchor.get("type")))
        if declared or format_of_url(url):
            found[url] = True
        elif (candidates < MAX_CANDIDATES_PER_PAGE and not PRINT_PATH_RE.search(parts.path)
              and url.rstrip("/") != page_url.rstrip("/") and _says_file(anchor, parts.path)):
            found[url] = False
            candidates += 1
        if len(found) >= MAX_LINKS_PER_PAGE:
            break
    return [DocumentLink(url, certain) for url, certain in found.items()]


def _says_file(anchor: HtmlElement, path: str) -> bool:
    if OTHER_EXTENSION_RE.search(path):    # photo.jpg, page.html: their extension says what they are
        return False
    if anchor.get("download") is not None:
        return True
    if FILE_PATH_RE.search(path) and not path.rstrip("/").endswith(("/media", "/files")):
        return True
    label = " ".join((anchor.text_content(), anchor.get("title") or "", anchor.get("aria-label") or ""))
    return bool(FILE_HINT_RE.search(label))
