"""The one citation record of an archived version, from which every style is rendered.

Where each field comes from (the contract's ``cite`` bullet; the page's fields are those
:mod:`pipeline.citemeta` stored with the version, or read from its capture for versions recorded
before they were stored):

- ``author`` — the source's ``organisation`` when set (not a site profile's default); else the
  page's declared authors: Highwire ``citation_author`` (persons, every one, in order), Dublin Core
  ``DC.creator``, JSON-LD ``author`` (a ``Person`` is a person, an ``Organization`` a literal),
  ``<meta name="author">`` (``DC.creator`` and ``<meta name="author">`` are persons when written
  "Family, Given", else literals); else the publishing organisation (JSON-LD ``publisher``,
  ``citation_publisher``, ``DC.publisher``); else the site name (the container); else none.
- ``title`` — ``citation_title``, ``DC.title``, JSON-LD ``headline``/``name``, ``og:title``,
  ``<title>``, the first ``<h1>``, the URL; the site-name part (`` | Site``, `` – Site``, `` - Site``,
  as a suffix or a prefix) split off.
- ``container`` — ``og:site_name``, JSON-LD ``isPartOf`` before ``publisher``, the site name split off
  the title, ``citation_journal_title``, ``application-name``.
- ``issued`` — the declared publication date (a visible "Published" line, Highwire, Dublin Core,
  JSON-LD ``datePublished``, ``article:published_time``, the article's ``<time datetime>`` not beside
  a "modified" label), else the declared last-modified date the
  pipeline recorded with the version (its "Last modified" line, ``<time datetime>``, metadata); never
  the HTTP ``Last-Modified`` header; none when the page declares no date.
- ``url`` the watched URL; ``accessed`` the version's ``fetched_at``; the note names the version, its
  capture time, its SHA-256 and its archived (memento) URL.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from pipeline.dateparse import parse_date_text
from storage.results import VersionInfo, iso

logger = logging.getLogger(__name__)

# Separators between a page's own title and the site name, strongest first.
TITLE_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ", " » ", " : ")
# Separators that mark a site-name part even when nothing else names the site (a pipe is never part
# of a document's own title on the sites watched; a dash often is: "Kazakhstan – Technology").
STRONG_SEPARATORS = (" | ",)
# Name particles that belong to the family name ("Ludwig van Beethoven").
PARTICLES = frozenset({"van", "von", "de", "da", "del", "della", "der", "di", "du", "la", "le",
                       "dos", "das", "ter", "ten", "bin", "al", "el"})
DATE_RE = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?![\d])")
ACRONYM_RE = re.compile(r"^[A-Z0-9&.\- ]+$")
MAX_NAME_WORDS = 4


class Captures(Protocol):
    """Where a version's raw capture can be read (the store)."""

    def body(self, version: VersionInfo) -> bytes: ...


Name = dict[str, str]        # CSL name: {"family", "given"} or {"literal"}


@dataclass(frozen=True, slots=True)
class CitationRecord:
    """What every style needs, derived once from a version."""

    title: str
    authors: tuple[Name, ...]
    container: str | None
    issued: tuple[int, ...] | None          # CSL date-parts: (year[, month[, day]])
    issued_kind: str | None                 # "published" or "modified"
    accessed: datetime
    url: str
    version: int
    sha256: str
    archived_url: str                       # absolute with a public base URL, else the /web/ path
    archived_absolute: bool
    language: str | None
    kind: str = "webpage"                   # CSL type: "report" for a linked document (issue 15)
    medium: str | None = None               # "PDF", "DOCX" … for a linked document

    @property
    def note(self) -> str:
        """``Archived version 1, captured 2024-06-01T12:30:45Z, SHA-256 …, URL``."""
        return (f"Archived version {self.version}, captured {iso(self.accessed)}, "
                f"SHA-256 {self.sha256}, {self.archived_url}")

    @property
    def sole_literal_author(self) -> str | None:
        if len(self.authors) == 1 and "literal" in self.authors[0]:
            return self.authors[0]["literal"]
        return None

    @property
    def author_is_container(self) -> bool:
        author = self.sole_literal_author
        return bool(author and self.container and _same(author, self.container))


def memento_path(version: VersionInfo) -> str:
    return f"/web/{version.fetched_at.strftime('%Y%m%d%H%M%S')}/{version.url}"


def memento_url(base_url: str, version: VersionInfo) -> str:
    """The version's URL in ``profilewatch serve`` (``/web/YYYYMMDDhhmmss/URI-R``)."""
    return base_url.rstrip("/") + memento_path(version)


def _compact(name: str) -> str:
    return re.sub(r"\W+", "", name.casefold())


def _same(a: str, b: str) -> bool:
    return bool(_compact(a)) and _compact(a) == _compact(b)


# --- title and site name ------------------------------------------------------------------------

def _host_labels(url: str) -> list[str]:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return [_compact(label) for label in host.split(".")[:-1] if len(label) >= 3]


def _names_host(part: str, labels: list[str]) -> bool:
    compact = _compact(part)
    return bool(compact) and any(label in compact or compact in label for label in labels)


def split_site_name(title: str, known: list[str], *, h1: str | None = None, url: str = "",
                    strong: bool = False) -> tuple[str, str | None]:
    """``title`` without its site-name part, and that part (None when there is none).

    The part is split off when a known site name is the title's suffix or prefix; else (for
    ``<title>``-like values, ``strong``) when the rest is the page's ``<h1>``, when the part names the
    site's host, or at the last `` | ``."""
    for separator in TITLE_SEPARATORS:
        if separator not in title:
            continue
        head, _, tail = title.rpartition(separator)
        if any(_same(tail, name) for name in known):
            return head.strip(), tail.strip()
        head, _, tail = title.partition(separator)
        if any(_same(head, name) for name in known):
            return tail.strip(), head.strip()
    if not strong:
        return title, None
    if h1 and _same(h1, title):
        return title, None
    labels = _host_labels(url)
    for separator in TITLE_SEPARATORS:
        if separator not in title:
            continue
        first, last = title.partition(separator), title.rpartition(separator)
        # the page's own heading on one side: the other side is the site
        if h1 and _same(last[0], h1):
            return last[0].strip(), last[2].strip()
        if h1 and _same(first[2], h1):
            return first[2].strip(), first[0].strip()
        if _names_host(last[2], labels):
            return last[0].strip(), last[2].strip()
        if _names_host(first[0], labels):
            return first[2].strip(), first[0].strip()
        if separator in STRONG_SEPARATORS:
            return last[0].strip(), last[2].strip()
    return title, None


# --- names --------------------------------------------------------------------------------------

def person(name: str, *, comma_means_inverted: bool = True) -> Name:
    """A person's name as CSL family/given ("Family, Given" or "Given Family"); one word is a
    literal (as Zotero files a one-word creator)."""
    if comma_means_inverted and name.count(",") == 1:
        family, given = (p.strip() for p in name.split(","))
        if family and given:
            return {"family": family, "given": given}
    words = name.replace(",", " ").split()
    if len(words) < 2:
        return {"literal": name}
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in PARTICLES:
        cut -= 1
    return {"family": " ".join(words[cut:]), "given": " ".join(words[:cut])}


def person_if_inverted(name: str) -> Name:
    """``DC.creator`` / ``<meta name="author">``: a person when written "Family, Given", else a
    literal (an organisation, or a name whose parts cannot be told apart)."""
    if name.count(",") == 1:
        family, given = (p.strip() for p in name.split(","))
        if (family and given and not ACRONYM_RE.match(family) and not any(c.isdigit() for c in name)
                and len(family.split()) <= MAX_NAME_WORDS and len(given.split()) <= MAX_NAME_WORDS):
            return {"family": family, "given": given}
    return {"literal": name}


def _agent(agent: dict[str, Any]) -> Name:
    name = str(agent.get("name", ""))
    if agent.get("type") == "Person":
        if agent.get("family"):
            found = {"family": str(agent["family"])}
            if agent.get("given"):
                found["given"] = str(agent["given"])
            return found
        return person(name)
    if agent.get("type") == "Organization":
        return {"literal": name}
    return person_if_inverted(name)


def _authors(meta: dict[str, Any], container: str | None) -> tuple[Name, ...]:
    highwire, dc, jsonld = meta.get("highwire", {}), meta.get("dc", {}), meta.get("jsonld", {})
    if highwire.get("authors"):
        return tuple(person(a) for a in highwire["authors"])
    if dc.get("creators"):
        return tuple(person_if_inverted(a) for a in dc["creators"])
    if jsonld.get("authors"):
        return tuple(_agent(a) for a in jsonld["authors"])
    if meta.get("authors"):
        return tuple(person_if_inverted(a) for a in meta["authors"])
    publisher = jsonld.get("publisher")
    if publisher:
        return (_agent(publisher) if publisher.get("type") == "Person" else {"literal": publisher["name"]},)
    for name in (highwire.get("publisher"), dc.get("publisher"), container):
        if name:
            return ({"literal": name},)
    return ()


# --- dates --------------------------------------------------------------------------------------

def date_parts(value: str | None) -> tuple[int, ...] | None:
    """``2021-05-20T12:00:00+04:00`` → (2021, 5, 20): the day as the page wrote it (not moved to
    UTC); ``2021/05`` → (2021, 5); ``20 May 2021`` → (2021, 5, 20); None when not a date."""
    if not value:
        return None
    match = DATE_RE.match(value)
    if match:
        parts = tuple(int(p) for p in match.groups() if p)
        try:
            date(*(*parts, 1, 1)[:3])
        except ValueError:
            return None
        return parts
    parsed = parse_date_text(value)
    if parsed is not None and parsed.value:
        return date_parts(parsed.value[:10])
    return None


def shown_day(value: str | None, text: str | None) -> tuple[int, ...] | None:
    """A machine-readable date as the page shows it: ``2021-07-22T22:01:00Z`` shown as
    ``23/07/2021 - 00:01`` is July 23 (the shown day wins within a day of the value, a time-zone
    shift; otherwise the value stands)."""
    if not value or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return date_parts(value)
    try:
        trusted = date.fromisoformat(value[:10])
    except ValueError:
        return None
    shown = parse_date_text(text or "")
    if shown is not None and shown.value and not shown.value.endswith("Z"):
        day = date.fromisoformat(shown.value[:10])
        if abs((day - trusted).days) <= 1:
            trusted = day
    return (trusted.year, trusted.month, trusted.day)


def _shown_declared(version: VersionInfo) -> tuple[int, ...] | None:
    """The version's declared date as the page shows it; None when the pipeline did not trust it."""
    if not version.last_modified or not re.match(r"^\d{4}-\d{2}-\d{2}", version.last_modified):
        return None
    return shown_day(version.last_modified, version.last_modified_text)


def _issued(meta: dict[str, Any], version: VersionInfo) -> tuple[tuple[int, ...] | None, str | None]:
    highwire, dc, jsonld, og = (meta.get(k, {}) for k in ("highwire", "dc", "jsonld", "og"))
    line, timed = meta.get("published") or {}, meta.get("time") or {}
    for value in (line.get("value"), highwire.get("date"), dc.get("issued"), dc.get("date"),
                  dc.get("created"), jsonld.get("published"), og.get("published")):
        parts = date_parts(value)
        if parts:
            return parts, "published"
    parts = shown_day(timed.get("value"), timed.get("text"))
    if parts:
        return parts, "published"
    declared = _shown_declared(version)
    if declared:
        return declared, version.last_modified_kind or "modified"
    for value in (jsonld.get("modified"), dc.get("modified"), og.get("modified")):
        parts = date_parts(value)
        if parts:
            return parts, "modified"
    return None, None


# --- the record ---------------------------------------------------------------------------------

def page_metadata(version: VersionInfo, captures: Captures | None = None) -> dict[str, Any]:
    """The citation metadata stored with the version; for a version recorded before it was stored,
    read from the archived capture (nothing when the capture cannot be read)."""
    stored = version.metadata.get("cite")
    if isinstance(stored, dict):
        return stored
    content_type = (version.content_type or "text/html").lower()
    if captures is None or "html" not in content_type:   # a linked document is not read as HTML
        return {}
    from pipeline.citemeta import read_citation_metadata
    from pipeline.decode import UndecodableBody, decode_body
    from pipeline.extract import ExtractionError, parse_html

    try:
        body = captures.body(version)
        tree = parse_html(decode_body(body, version.content_type).text)
    except (UndecodableBody, ExtractionError, LookupError, OSError, ValueError) as exc:
        logger.info("no citation metadata from the capture of %s v%s: %s", version.url,
                    version.version, exc)
        return {}
    except Exception as exc:   # a pruned or unreadable capture still gets a citation
        logger.info("capture of %s v%s unreadable: %s", version.url, version.version, exc)
        return {}
    return read_citation_metadata(tree)


def _title_and_site(meta: dict[str, Any], version: VersionInfo, known: list[str]) -> tuple[str, str | None]:
    highwire, dc, jsonld, og = (meta.get(k, {}) for k in ("highwire", "dc", "jsonld", "og"))
    h1 = meta.get("h1") or version.metadata.get("h1")
    html_title = meta.get("title") or (version.title if not meta else None)
    # the site part of <title> (or og:title), whatever title wins
    site = None
    for candidate in (html_title, og.get("title"), jsonld.get("page_name")):
        if candidate:
            site = split_site_name(candidate, known, h1=h1, url=version.url, strong=True)[1]
            if site:
                break
    # the site name the <title> shows is split off the metadata titles too ("Name - Site")
    names = [*known, site] if site else known
    for candidate, strong in ((highwire.get("title"), False), (dc.get("title"), False),
                              (jsonld.get("title"), False), (og.get("title"), True),
                              (html_title, True)):
        if candidate:
            title, _ = split_site_name(candidate, names, h1=h1, url=version.url, strong=strong)
            if title:
                return title, site
    return (h1 or version.url), site


def _configured_organisation(version: VersionInfo) -> str | None:
    """The source's ``organisation``: the one configured when the version was recorded, else the one
    configured now. A site profile's default (the ``unesco`` spider's "UNESCO") is not the source's
    and does not hide what the page declares. Versions recorded before citation metadata was stored
    keep the organisation they were stored with."""
    stored = version.metadata.get("cite")
    if not isinstance(stored, dict):
        return version.organisation
    if isinstance(stored.get("organisation"), str) and stored["organisation"]:
        return str(stored["organisation"])
    if version.organisation and version.organisation != version.metadata.get("organisation"):
        return version.organisation           # configured after this version was recorded
    return None


def citation_record(version: VersionInfo, base_url: str | None = None,
                    captures: Captures | None = None) -> CitationRecord:
    """The citation record of ``version`` (see the module docstring for where each field comes from)."""
    if version.metadata.get("document"):
        return document_record(version, base_url)
    meta = page_metadata(version, captures)
    highwire, jsonld, og = (meta.get(k, {}) for k in ("highwire", "jsonld", "og"))
    publisher = (jsonld.get("publisher") or {}).get("name")
    known = [n for n in (og.get("site_name"), jsonld.get("part_of"), publisher,
                         highwire.get("journal"), highwire.get("publisher"),
                         meta.get("dc", {}).get("publisher"), meta.get("application_name"),
                         version.metadata.get("site_name")) if n]
    title, title_site = _title_and_site(meta, version, known)
    container = next((c for c in (og.get("site_name"), jsonld.get("part_of"), publisher, title_site,
                                  highwire.get("journal"), meta.get("application_name"),
                                  version.metadata.get("site_name")) if c), None)
    organisation = _configured_organisation(version)
    authors = ({"literal": organisation},) if organisation else _authors(meta, container)
    issued, kind = _issued(meta, version)
    return CitationRecord(
        title=title, authors=authors, container=container, issued=issued, issued_kind=kind,
        accessed=version.fetched_at, url=version.url, version=version.version,
        sha256=version.content_sha256,
        archived_url=memento_url(base_url, version) if base_url else memento_path(version),
        archived_absolute=bool(base_url), language=version.language)


def document_record(version: VersionInfo, base_url: str | None = None) -> CitationRecord:
    """A linked document (issue 15) cited as a report: the source's organisation (else the
    document's own author, else none), its own title (else its file name), the year and day of its
    own creation date (else modification date), its format as the medium."""
    meta = version.metadata
    author = version.organisation or meta.get("author")
    issued = date_parts(version.last_modified)
    return CitationRecord(
        title=version.title or version.url, authors=({"literal": str(author)},) if author else (),
        container=None, issued=issued, issued_kind=version.last_modified_kind,
        accessed=version.fetched_at, url=version.url, version=version.version,
        sha256=version.content_sha256,
        archived_url=memento_url(base_url, version) if base_url else memento_path(version),
        archived_absolute=bool(base_url), language=version.language, kind="report",
        medium=str(meta.get("format") or "document").upper())
