"""Citations of archived versions: APA 7, MLA 9, Chicago (notes-bibliography), BibLaTeX, CSL-JSON.

Every style is rendered from one :class:`~profilewatch.citation_record.CitationRecord` (where each
field comes from is said there): CSL-JSON is the record as a CSL item; APA, MLA and Chicago are that
item rendered by citeproc-py with the official CSL styles (:mod:`profilewatch.citation_csl`);
BibLaTeX ``@online`` is written from the same record. The command line, the web UI's citation box and
the reports' "Cite:" line all call :func:`cite` / :func:`citations`.

Hand-written rules on top of the CSL styles, where a style's published rule compares two fields
(CSL cannot): an organisation that is both author and site is named once — APA 7 and Chicago leave
the site out, MLA 9 (p. 119) leaves the author out. Every text style ends with the archival note
(version, capture time, SHA-256, archived URL), which the CSL styles do not print for a web page.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from profilewatch.citation_csl import render_entry
from profilewatch.citation_record import (
    Captures,
    CitationRecord,
    citation_record,
    memento_url,
)
from storage.results import VersionInfo

__all__ = ["STYLES", "CitationRecord", "citation_record", "citations", "cite", "csl_item",
           "memento_url", "render"]

ARCHIVE_NAME = "profilewatch"


def citation_key(record: CitationRecord) -> str:
    first = record.authors[0] if record.authors else {}
    author = re.sub(r"[^a-z0-9]+", "", (first.get("family") or first.get("literal") or "").lower())
    word = next((w for w in re.findall(r"[a-z0-9]+", record.title.lower()) if len(w) > 3), "page")
    return f"{author[:20] or 'page'}{record.accessed.strftime('%Y%m%d%H%M%S')}{word}"


def _date_parts(parts: tuple[int, ...]) -> dict[str, Any]:
    return {"date-parts": [list(parts)]}


def csl_item(record: CitationRecord) -> dict[str, Any]:
    """The record as one CSL-JSON item."""
    item: dict[str, Any] = {"id": citation_key(record), "type": record.kind, "title": record.title}
    if record.authors:
        item["author"] = [dict(a) for a in record.authors]
    if record.medium:                 # a linked document: a report in its format (issue 15)
        item["medium"] = record.medium
        if record.sole_literal_author:
            item["publisher"] = record.sole_literal_author
    if record.container:
        item["container-title"] = record.container
    if record.issued:
        item["issued"] = _date_parts(record.issued)
    accessed = record.accessed.date()
    item["accessed"] = _date_parts((accessed.year, accessed.month, accessed.day))
    item["URL"] = record.url
    if record.archived_absolute:
        item["archive"] = ARCHIVE_NAME
        item["archive_location"] = record.archived_url
    item["note"] = record.note
    return item


class CitationStyle:
    """Base class; ``style`` is the ``--style`` value; the docstring is the help text."""

    style: ClassVar[str] = ""
    registry: ClassVar[dict[str, type[CitationStyle]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.style:
            CitationStyle.registry[cls.style] = cls

    def format(self, record: CitationRecord) -> str:
        raise NotImplementedError


class _CslText(CitationStyle):
    """A bibliography entry of an official CSL style, then the archival note."""

    def item(self, record: CitationRecord) -> dict[str, Any]:
        item = csl_item(record)
        # the note is printed after the entry (the styles do not print it for a web page)
        del item["note"]
        item.pop("archive", None)
        item.pop("archive_location", None)
        if record.language and record.language != "en":
            item["language"] = record.language      # CSL title-cases English titles only
        return item

    def format(self, record: CitationRecord) -> str:
        entry = render_entry(self.style, self.item(record))
        return f"{entry} {record.note}."


class Apa(_CslText):
    """APA 7th edition (apa.csl): Author. (Year, Month Day). Title. Site. URL"""

    style = "apa"

    def item(self, record: CitationRecord) -> dict[str, Any]:
        item = super().item(record)
        if record.author_is_container:    # APA 7 §9.8: the site is left out when it is the author
            item.pop("container-title", None)
        if record.medium:                 # APA 7 §9.24: a report's publisher that is its author
            item.pop("publisher", None)   # is not repeated
        return item

    def format(self, record: CitationRecord) -> str:
        # APA ends with the URL (no period after it): the archival note follows in brackets
        return f"{render_entry(self.style, self.item(record))} [{record.note}]"


class Mla(_CslText):
    """MLA 9th edition (modern-language-association.csl): "Title." Site, Day Mon. Year, URL."""

    style = "mla"

    def item(self, record: CitationRecord) -> dict[str, Any]:
        item = super().item(record)
        if record.author_is_container or (record.medium and "publisher" in item):
            item.pop("author", None)       # MLA 9 p. 119: an organisation that is author and
        return item                        # publisher is named once, as the publisher


class Chicago(_CslText):
    """Chicago Manual of Style, notes-bibliography (bibliography entry)."""

    style = "chicago"

    def item(self, record: CitationRecord) -> dict[str, Any]:
        item = super().item(record)
        if record.author_is_container:    # CMOS 14.206: the owner named as author is not repeated
            item.pop("container-title", None)
        return item


_BIBTEX_SPECIALS = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                    "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                    "\\": r"\textbackslash{}"}


def _bibtex_escape(text: str) -> str:
    return "".join(_BIBTEX_SPECIALS.get(c, c) for c in text)


def _bibtex_title(title: str) -> str:
    """Escaped, with all-capital words braced (``{EU}``) so sentence-casing styles keep them."""
    return re.sub(r"\b([A-Z][A-Z0-9]+)\b", r"{\1}", _bibtex_escape(title))


def _bibtex_name(name: dict[str, str]) -> str:
    if "literal" in name:
        return "{" + _bibtex_escape(name["literal"]) + "}"       # a corporate name, braced
    family = _bibtex_escape(name.get("family", ""))
    return f"{family}, {_bibtex_escape(name['given'])}" if name.get("given") else family


class Bibtex(CitationStyle):
    """BibLaTeX ``@online`` entry with ``url`` and ``urldate`` (written from the record: no library
    writes BibLaTeX from CSL)."""

    style = "bibtex"

    def format(self, record: CitationRecord) -> str:
        fields: list[tuple[str, str]] = []
        if record.authors:
            fields.append(("author", " and ".join(_bibtex_name(a) for a in record.authors)))
        fields.append(("title", _bibtex_title(record.title)))
        if record.container and not record.author_is_container:
            fields.append(("organization", _bibtex_escape(record.container)))
        if record.issued:
            fields.append(("date", "-".join(f"{p:02d}" if i else str(p)
                                            for i, p in enumerate(record.issued))))
        fields += [("url", record.url), ("urldate", record.accessed.date().isoformat())]
        note = record.note.removesuffix(", " + record.archived_url)
        fields.append(("note", _bibtex_escape(note)))
        if record.archived_absolute:
            # \url in a field argument needs % and # escaped (url.sty)
            escaped = record.archived_url.replace("%", r"\%").replace("#", r"\#")
            fields.append(("addendum", f"Archived copy: \\url{{{escaped}}}"))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        return f"@online{{{citation_key(record)},\n{body}\n}}"


class CslJson(CitationStyle):
    """CSL-JSON (Zotero, Pandoc, citeproc): a one-item array."""

    style = "csl-json"

    def format(self, record: CitationRecord) -> str:
        return json.dumps([csl_item(record)], ensure_ascii=False, indent=2)


STYLES = tuple(CitationStyle.registry)


def _formatter(style: str) -> CitationStyle:
    try:
        return CitationStyle.registry[style]()
    except KeyError:
        raise ValueError(f"unknown citation style {style!r} (styles: {', '.join(STYLES)})") from None


def render(record: CitationRecord, style: str = "apa") -> str:
    """``record`` in ``style`` (see :data:`STYLES`)."""
    return _formatter(style).format(record)


def cite(version: VersionInfo, style: str = "apa", base_url: str | None = None,
         captures: Captures | None = None) -> str:
    """The citation of ``version`` in ``style``; ``captures`` (the store) lets a version recorded
    before citation metadata was stored be cited from its archived capture."""
    formatter = _formatter(style)
    return formatter.format(citation_record(version, base_url, captures))


def citations(version: VersionInfo, base_url: str | None = None,
              captures: Captures | None = None) -> dict[str, str]:
    """The citation of ``version`` in every style, from one record."""
    record = citation_record(version, base_url, captures)
    return {style: render(record, style) for style in STYLES}
