"""What a page says about itself for citations, read once at analysis time and stored with the version.

The fields are gathered the way Zotero's Embedded Metadata translator reads a page, family by family,
and stored as found (a plain JSON dict, ``Version.meta["cite"]``), so that which field wins is decided
when a citation is made (:mod:`profilewatch.citation_record`) and a version keeps what its citation
needs after its raw capture is pruned:

- ``highwire`` — ``citation_title``, ``citation_author`` (each one, in order), ``citation_publication_date``
  / ``citation_date`` / ``citation_online_date``, ``citation_publisher``, ``citation_journal_title``;
- ``dc`` — Dublin Core ``DC.*`` / ``dcterms.*`` (title, creators, issued/date/created, modified,
  publisher), read with extruct's Dublin Core extractor;
- ``jsonld`` — the page's JSON-LD node (an ``Article`` kind before a ``WebPage`` kind, ``@graph`` and
  ``@id`` references resolved), read with extruct's JSON-LD extractor: ``headline``/``name``, authors
  (``Person`` / ``Organization``), ``publisher``, ``isPartOf``, ``datePublished``, ``dateModified``;
- ``og`` — Open Graph (extruct): ``og:title``, ``og:site_name``, ``article:published_time``,
  ``article:modified_time`` / ``og:updated_time``;
- ``authors`` — every ``<meta name="author">``; ``title`` — ``<title>``; ``h1``; ``application_name``;
- ``published`` — a visible "Published: <date>" line; ``time`` — the article's first ``<time datetime>``
  that is not beside a "modified"/"updated" label.

Hand-written where extruct was measured to fall short on these pages (each said where it happens):
Highwire and ``<meta name="author">`` (extruct has no reader for them); one bad JSON-LD script makes
extruct's extractor raise for the whole page, so each script is read on its own; extruct's Dublin Core
extractor files every meta name ending in a DC term (``description``, ``title``, ``date``) as Dublin
Core, so only ``DC.``/``dcterms.`` names are kept; extruct's Open Graph extractor skips
``<meta name="og:…">``, which sites write as often as ``property=``, and its Dublin Core extractor
reads ``name="DC.term"`` only (``dc:term`` and ``property=`` are renamed in the copy it reads).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import lxml.html
from extruct.dublincore import DublinCoreExtractor
from extruct.jsonld import JsonLdExtractor
from extruct.opengraph import OpenGraphExtractor
from lxml import etree
from lxml.html import HtmlElement

from pipeline.dateparse import parse_date_text
from pipeline.extract import extract_h1
from pipeline.languages import PhraseFinder
from pipeline.treeindex import MAIN_XPATH, tagged

logger = logging.getLogger(__name__)

# Bumped when the stored shape changes (a reader may then re-read the capture).
CITEMETA_VERSION = 1
# JSON-LD types that are the page's own document, strongest first (schema.org names).
ARTICLE_TYPES = ("Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle",
                 "OpinionNewsArticle", "BlogPosting", "Report", "ScholarlyArticle", "TechArticle",
                 "SocialMediaPosting", "LiveBlogPosting", "PressRelease", "CreativeWork")
WEBPAGE_TYPES = ("WebPage", "AboutPage", "CollectionPage", "ItemPage", "ProfilePage", "FAQPage",
                 "QAPage", "ContactPage", "MedicalWebPage")
HIGHWIRE_DATES = ("citation_publication_date", "citation_date", "citation_online_date",
                  "citation_cover_date", "citation_year")
# A visible publication line: the label, then a date within MAX_LABEL_GAP characters.
PUBLISHED_LABEL_RE = re.compile(
    r"\b(?:date\s+published|publication\s+date|date\s+of\s+publication|published(?:\s+on)?"
    r"|posted(?:\s+on)?|release\s+date|publié\s+le|publicado(?:\s+el)?|опубликовано)"
    r"[\s\u00a0]*:?[\s\u00a0]*", re.I)
PUBLISHED_LABELS = PhraseFinder(PUBLISHED_LABEL_RE, (
    "date", "publication", "published", "posted", "release", "publié", "publicado", "опубликовано"))
MAX_LABEL_GAP = 4
DC_COLON_RE = re.compile(r"^(?:dc|dcterms|dct)[:.]", re.I)
# Words of a modification label ("Last updated", "Обновлено"): a <time> beside one is not the
# publication date.
MODIFIED_WORDS = ("modified", "updated", "update", "revised", "reviewed", "обновлено", "изменено",
                  "mis à jour", "actualizado")
BOILERPLATE_ANCESTORS = ("nav", "aside", "footer", "header")
PRECEDING_TEXT_XPATH = etree.XPath("preceding::text()[position() <= 3]")
LABEL_WINDOW = 60           # characters of that text searched for a modification label
MAX_TEXT = 200_000          # characters of page text searched for a "Published" line
MAX_VALUE = 500             # longest metadata value kept (a title, a name)
MAX_AUTHORS = 50
# Longest JSON-LD block read: the watched sites' blocks are under 20 KB; a hostile 1 MB block of
# 30,000 objects takes extruct ~0.3 s, past that it is skipped.
MAX_JSON_LD_CHARS = 1_000_000


def _clean(value: Any) -> str | None:
    """A metadata value as one trimmed line, or None."""
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name")
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = " ".join(str(value).split())
    return text[:MAX_VALUE] or None


# The page's <meta name|property> (lower-case) → its non-empty ``content`` values with their
# positions in page order: read in one pass, then every field looks its names up.
MetaIndex = dict[str, list[tuple[int, str]]]


def _meta_index(tree: HtmlElement) -> MetaIndex:
    index: MetaIndex = {}
    for position, meta in enumerate(tagged(tree, "meta")):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        value = _clean(meta.get("content"))
        if value:
            index.setdefault(key, []).append((position, value))
    return index


def _meta_values(metas: MetaIndex, *names: str) -> list[str]:
    """The ``content`` of every ``<meta name|property>`` in ``names`` (lower-case), in page order."""
    found = [item for name in dict.fromkeys(names) for item in metas.get(name, ())]
    return [value for _, value in sorted(found)] if len(names) > 1 else [v for _, v in found]


def _first(metas: MetaIndex, *names: str) -> str | None:
    for name in names:
        values = _meta_values(metas, name)
        if values:
            return values[0]
    return None


def _highwire(metas: MetaIndex) -> dict[str, Any]:
    authors = _meta_values(metas, "citation_author")
    if not authors:   # the older form: all authors in one tag, separated by ";"
        authors = [a.strip() for v in _meta_values(metas, "citation_authors") for a in v.split(";")]
    found: dict[str, Any] = {
        "title": _first(metas, "citation_title"),
        "authors": [a for a in authors if a][:MAX_AUTHORS],
        "date": _first(metas, *HIGHWIRE_DATES),
        "publisher": _first(metas, "citation_publisher", "citation_technical_report_institution"),
        "journal": _first(metas, "citation_journal_title", "citation_conference_title"),
    }
    return {k: v for k, v in found.items() if v}


def _head_copy(tree: HtmlElement) -> HtmlElement:
    """A small document of the page's ``<meta>`` and ``<link>`` elements: extruct's Dublin Core
    extractor writes a ``URI`` attribute into the nodes it reads, and the page's tree must stay as
    parsed for the stages after this one."""
    root = lxml.html.Element("html")
    head = lxml.html.Element("head")
    root.append(head)
    for element in tagged(tree, "meta", "link"):
        copy = lxml.html.Element(element.tag)
        for key, value in element.attrib.items():
            copy.set(key, value)
        # extruct reads Dublin Core from name="DC.term" only; "dc:term" and property= are as common
        key = copy.get("name") or copy.get("property") or ""
        if element.tag == "meta" and DC_COLON_RE.match(key):
            copy.set("name", key.replace(":", ".", 1))
        head.append(copy)
    return root


def _dublin_core(head: HtmlElement) -> dict[str, Any]:
    creators: list[str] = []
    found: dict[str, Any] = {}
    for block in DublinCoreExtractor().extract_items(head):
        for entry in [*block.get("elements", []), *block.get("terms", [])]:
            name = str(entry.get("name", ""))
            prefix, _, term = name.rpartition(".")
            # extruct files any name ending in a DC term as Dublin Core: keep DC./dcterms. only
            if prefix.lower() not in ("dc", "dcterms", "dct"):
                continue
            value = _clean(entry.get("content"))
            term = term.lower()
            if not value:
                continue
            if term == "creator":
                creators.append(value)
            elif term in ("title", "issued", "date", "created", "modified", "publisher"):
                found.setdefault(term, value)
    if creators:
        found["creators"] = creators[:MAX_AUTHORS]
    return found


def _open_graph(head: HtmlElement, metas: MetaIndex) -> dict[str, Any]:
    properties: dict[str, str] = {}
    for block in OpenGraphExtractor().extract_items(head):
        for key, value in block.get("properties", []):
            text = _clean(value)
            if text:
                properties.setdefault(str(key).lower(), text)
    # extruct reads property= only; <meta name="og:…"> is as common on the sites watched
    for key in ("og:title", "og:site_name", "article:published_time", "article:modified_time",
                "og:updated_time"):
        if key not in properties:
            value = _first(metas, key)
            if value:
                properties[key] = value
    found = {"title": properties.get("og:title"), "site_name": properties.get("og:site_name"),
             "published": properties.get("article:published_time"),
             "modified": properties.get("article:modified_time") or properties.get("og:updated_time")}
    return {k: v for k, v in found.items() if v}


def _types(node: dict[str, Any]) -> list[str]:
    kinds = node.get("@type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return [re.split(r"[/:#]", k)[-1] for k in kinds if isinstance(k, str)]


def _json_ld_nodes(tree: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page (``@graph`` and nested objects flattened), in page order."""
    nodes: list[dict[str, Any]] = []
    extractor = JsonLdExtractor()
    for script in tagged(tree, "script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        if len(script.text) > MAX_JSON_LD_CHARS:
            logger.debug("JSON-LD block of %d characters skipped", len(script.text))
            continue
        # one script at a time: one malformed block makes extruct raise for the whole page
        single = lxml.html.Element("html")
        copy = lxml.html.Element("script", type="application/ld+json")
        copy.text = script.text
        single.append(copy)
        try:
            items = extractor.extract_items(single)
        except (ValueError, RecursionError) as exc:   # malformed, or nested past Python's stack
            logger.debug("unreadable JSON-LD block skipped: %s", exc)
            continue
        stack: list[Any] = list(reversed(items))
        while stack and len(nodes) < 1000:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                nodes.append(item)
                graph = item.get("@graph")
                if isinstance(graph, list):
                    stack.extend(reversed(graph))
    return nodes


class _Graph:
    """JSON-LD nodes with their ``@id`` references resolved."""

    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        self.nodes = nodes
        self.by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str) and len(n) > 1}

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self.by_id:
            return self.by_id[value["@id"]]
        return value

    def first_of(self, kinds: tuple[str, ...]) -> dict[str, Any] | None:
        for kind in kinds:
            for node in self.nodes:
                if kind in _types(node):
                    return node
        return None

    def agent(self, value: Any) -> dict[str, str] | None:
        """A Person or Organization as ``{type, name, given, family}`` (strings only)."""
        value = self.resolve(value)
        if isinstance(value, str):
            name = _clean(value)
            return {"type": "", "name": name} if name else None
        if not isinstance(value, dict):
            return None
        kinds = _types(value)
        given, family = _clean(value.get("givenName")), _clean(value.get("familyName"))
        name = _clean(value.get("name")) or " ".join(p for p in (given, family) if p) or None
        if not name:
            return None
        kind = "Person" if "Person" in kinds else ("Organization" if kinds else "")
        found = {"type": kind, "name": name, "given": given, "family": family}
        return {k: v for k, v in found.items() if v is not None}

    def agents(self, value: Any) -> list[dict[str, str]]:
        values = value if isinstance(value, list) else [value]
        return [a for a in (self.agent(v) for v in values[:MAX_AUTHORS]) if a]

    def container(self, node: dict[str, Any]) -> str | None:
        """The name of what ``node`` is part of: a WebSite, a Periodical … never the page itself."""
        seen: set[int] = set()
        current: Any = node.get("isPartOf")
        while current is not None and len(seen) < 10:
            if isinstance(current, list):
                current = current[0] if current else None
                continue
            current = self.resolve(current)
            if isinstance(current, str):
                return _clean(current)
            if not isinstance(current, dict) or id(current) in seen:
                return None
            seen.add(id(current))
            kinds = _types(current)
            if not any(k in ARTICLE_TYPES or k in WEBPAGE_TYPES for k in kinds):
                return _clean(current.get("name"))
            current = current.get("isPartOf")
        return None


def _json_ld(tree: HtmlElement) -> dict[str, Any]:
    graph = _Graph(_json_ld_nodes(tree))
    article = graph.first_of(ARTICLE_TYPES)
    page = graph.first_of(WEBPAGE_TYPES)
    chosen = [n for n in (article, page) if n is not None]
    if not chosen:
        return {}
    found: dict[str, Any] = {"type": _types(chosen[0])[0] if _types(chosen[0]) else None}

    def pick(*keys: str) -> Any:
        for node in chosen:
            for key in keys:
                if node.get(key):
                    return node[key]
        return None

    found["title"] = _clean(chosen[0].get("headline")) or _clean(chosen[0].get("name"))
    if page is not None and article is not None:
        found["page_name"] = _clean(page.get("name"))
    found["authors"] = graph.agents(pick("author", "creator"))
    website = graph.first_of(("WebSite",))
    publisher = graph.agent(pick("publisher")) or (
        graph.agent(website.get("publisher")) if website else None)
    found["publisher"] = publisher
    found["part_of"] = next((c for c in (graph.container(n) for n in chosen) if c), None) or (
        _clean(website.get("name")) if website else None)
    found["published"] = _clean(pick("datePublished", "dateCreated"))
    found["modified"] = _clean(pick("dateModified"))
    return {k: v for k, v in found.items() if v}


def _published_line(tree: HtmlElement, mains: list[Any]) -> dict[str, str] | None:
    """A visible "Published: 5 May 2024" line (the label, then the date right after it).
    ``mains`` is :data:`MAIN_XPATH`'s answer on ``tree``."""
    # the article's own line, not a sidebar's "Posted on" of another story: <main>/<article> first
    roots = mains or [tree.find("body")]
    root = roots[0] if isinstance(roots[0], HtmlElement) else tree
    # text nodes joined with spaces: text_content() glues "reform" and "Published" of two blocks
    text = " ".join(root.itertext())[:MAX_TEXT]
    for label in PUBLISHED_LABELS.finditer(text):
        rest = text[label.end():label.end() + 80]
        parsed = parse_date_text(rest, search=True)
        if parsed is not None and parsed.start <= MAX_LABEL_GAP and parsed.value:
            literal = " ".join(rest[parsed.start:parsed.end].split())
            return {"text": literal, "value": parsed.value}
    return None


def _published_time(mains: list[Any]) -> dict[str, str] | None:
    """The first ``<time datetime>`` of the article (``mains``: :data:`MAIN_XPATH`'s answer) that
    is not a modification date (no "modified"/"updated" label right before it), outside
    navigation and footers."""
    for root in mains:
        if not isinstance(root, HtmlElement):
            continue
        for element in root.iter("time"):
            stamp = _clean(element.get("datetime"))
            if not stamp or any(True for _ in element.iterancestors(*BOILERPLATE_ANCESTORS)):
                continue
            # the label is the nearest text before it ("Last modified:" sits in a sibling element)
            texts = [str(t).strip() for t in PRECEDING_TEXT_XPATH(element)]
            before = next((t for t in reversed(texts) if t), "")[-LABEL_WINDOW:].lower()
            if not any(word in before for word in MODIFIED_WORDS):
                return {"value": stamp, "text": _clean(element.text_content()) or stamp}
    return None


def _title(tree: HtmlElement) -> str | None:
    for element in tagged(tree, "title"):
        return _clean(element.text_content())
    return None


def _meta_authors(metas: MetaIndex) -> list[str]:
    names = [a.strip() for v in _meta_values(metas, "author") for a in v.split(";")]
    return [a for a in names if a][:MAX_AUTHORS]


def _guarded(family: str, read: Callable[[], Any]) -> Any:
    """One family's reading; a failure costs that family only (a citation is never worth a failed
    check: extruct and its parsers have no documented exception contract)."""
    try:
        return read()
    except Exception as exc:
        logger.warning("citation metadata (%s) unreadable: %s: %s", family, type(exc).__name__, exc)
        return None


def read_citation_metadata(tree: HtmlElement) -> dict[str, Any]:
    """Everything the page declares that a citation may use (see the module docstring); empty
    families are left out. Never raises on odd markup: a family that cannot be read is absent."""
    head = _guarded("head", lambda: _head_copy(tree))
    metas: MetaIndex = _guarded("meta", lambda: _meta_index(tree)) or {}
    mains: list[Any] = _guarded("main", lambda: MAIN_XPATH(tree)) or []   # one walk, read twice
    readers: dict[str, Callable[[], Any]] = {
        "highwire": lambda: _highwire(metas),
        "dc": lambda: _dublin_core(head),
        "og": lambda: _open_graph(head, metas),
        "jsonld": lambda: _json_ld(tree),
        "authors": lambda: _meta_authors(metas),
        "title": lambda: _title(tree),
        "h1": lambda: _clean(extract_h1(tree)),
        "application_name": lambda: _first(metas, "application-name"),
        "published": lambda: _published_line(tree, mains),
        "time": lambda: _published_time(mains),
    }
    found: dict[str, Any] = {"v": CITEMETA_VERSION}
    for family, read in readers.items():
        value = _guarded(family, read)
        if value:
            found[family] = value
    return found
