"""Citations of archived versions: APA 7, MLA 9, Chicago 17 (notes-bibliography), BibLaTeX, CSL-JSON.

Each names the organisation (as author; MLA 9 names an organisation that is both author and
publisher as publisher only), the page title, the site, the page-declared date when there is one
(the day the page shows, not shifted to UTC), the capture time (as the access date), the original
URL, the archived (memento) URL when a public base URL is configured, and the version's SHA-256.
Styles are registered by ``style`` key; the class docstring is the help text.

What each style gets right (hand-checked against the manuals):

- APA 7 (§10.16): ``Org. (2024, August 5). Title. Site. Retrieved June 1, 2024, from URL``; the
  site is left out when it is the author; ``n.d.`` when undated; no period after a URL.
- MLA 9 (pp. 119, 165): an organisation that is author and publisher is not repeated as author;
  ``"Title." Site, Publisher, 5 Aug. 2024, URL-without-scheme. Accessed 1 June 2024.``; the
  publisher is left out when the site is named after it; months of five letters or more abbreviated.
- Chicago 17 (14.206-207): ``Org. "Title." Site. Last modified August 5, 2024. URL.``; an access
  date only when the page declares no date; the site is left out when it is the author.
- BibLaTeX ``@online``: ``author`` braced as a corporate name, ``date``, ``url``, ``urldate``;
  all-capital words of the title braced so styles keep their case.
- CSL-JSON ``webpage``: ``issued``, ``accessed``, ``URL``, ``archive`` and ``archive_location``.

Every style ends with the archival note (version, capture time, SHA-256, archived URL).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pipeline.dateparse import parse_date_text
from storage.results import VersionInfo, iso

MLA_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.",
              "Nov.", "Dec.")
TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ")
ARCHIVE_NAME = "profilewatch"


@dataclass(frozen=True, slots=True)
class CitationData:
    """What every style needs, derived once from a version."""

    author: str
    title: str
    site: str
    url: str
    declared: date | None
    declared_kind: str | None          # "modified" or "published"
    accessed: datetime                 # the capture time of the version
    sha256: str
    version: int
    archived_url: str | None

    @property
    def site_is_author(self) -> bool:
        return _same_name(self.site, self.author)

    @property
    def archival_note(self) -> str:
        """``Archived version 1, captured 2024-06-01T12:30:45Z, SHA-256 …[, URL]``."""
        note = f"Archived version {self.version}, captured {iso(self.accessed)}, SHA-256 {self.sha256}"
        return note + (f", {self.archived_url}" if self.archived_url else "")


def memento_url(base_url: str, version: VersionInfo) -> str:
    """The version's URL in ``profilewatch serve`` (``/web/YYYYMMDDhhmmss/URI-R``)."""
    stamp = version.fetched_at.strftime("%Y%m%d%H%M%S")
    return f"{base_url.rstrip('/')}/web/{stamp}/{version.url}"


def _compact(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", name.casefold())


def _same_name(a: str, b: str) -> bool:
    return _compact(a) == _compact(b)


def _site_name(version: VersionInfo) -> str:
    name = version.metadata.get("site_name")
    if isinstance(name, str) and name:
        return name
    h1 = version.metadata.get("h1")
    if version.title and isinstance(h1, str):
        # "<h1> | Site name": what follows the page's own heading in <title> is the site
        for separator in TITLE_SEPARATORS:
            head, _, tail = version.title.rpartition(separator)
            if head and tail and head.strip().casefold() == h1.strip().casefold():
                return tail.strip()
    host = (urlsplit(version.url).hostname or "").removeprefix("www.")
    organisation = version.organisation
    # unicef.org is UNICEF's own site: name it as its owner does rather than by its host
    if organisation and host and _compact(host.split(".")[0]) == _compact(organisation):
        return organisation
    return host or version.url


def _clean_title(title: str | None, site: str, version: VersionInfo) -> str:
    """The page title without the site-name suffix; ``A | B`` parts joined as ``A: B``."""
    if not title:
        h1 = version.metadata.get("h1")
        return h1 if isinstance(h1, str) and h1 else version.url
    for separator in TITLE_SEPARATORS:
        parts = [p.strip() for p in title.split(separator)]
        if len(parts) > 1 and parts[-1].casefold() == site.casefold():
            parts = parts[:-1]
            return ": ".join(parts) if separator == " | " else separator.join(parts)
    return title


def _declared_date(version: VersionInfo) -> date | None:
    """The day the page declares, as the page shows it: ``23/07/2021 - 00:01`` is July 23 even when
    its UTC value falls on July 22. The shown day wins only when it is within a day of the value
    (a time-zone shift); otherwise the value the pipeline trusted stands. None when the pipeline
    did not trust the date."""
    value = version.last_modified
    if not value or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return None
    trusted = date.fromisoformat(value[:10])
    shown = parse_date_text(version.last_modified_text or "")
    if shown is not None and shown.value and not shown.value.endswith("Z"):
        day = date.fromisoformat(shown.value[:10])
        if abs((day - trusted).days) <= 1:
            return day
    return trusted


def citation_data(version: VersionInfo, base_url: str | None = None) -> CitationData:
    site = _site_name(version)
    author = version.organisation or site
    return CitationData(
        author=author,
        title=_clean_title(version.title, site, version),
        site=site,
        url=version.url,
        declared=_declared_date(version),
        declared_kind=version.last_modified_kind,
        accessed=version.fetched_at,
        sha256=version.content_sha256,
        version=version.version,
        archived_url=memento_url(base_url, version) if base_url else None,
    )


def _long_date(day: date) -> str:
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def _end(text: str) -> str:
    """Terminate with a period unless the text already ends with punctuation."""
    return text if text.endswith((".", "?", "!")) else text + "."


class CitationStyle:
    """Base class; ``style`` is the ``--style`` value."""

    style: ClassVar[str] = ""
    registry: ClassVar[dict[str, type[CitationStyle]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.style:
            CitationStyle.registry[cls.style] = cls

    def format(self, data: CitationData) -> str:
        raise NotImplementedError


class Apa(CitationStyle):
    """APA 7th edition: Org. (Year, Month Day). Title. Site. Retrieved Month Day, Year, from URL"""

    style = "apa"

    def format(self, data: CitationData) -> str:
        when = (f"{data.declared.year}, {data.declared.strftime('%B')} {data.declared.day}"
                if data.declared else "n.d.")
        site = "" if data.site_is_author else f" {_end(data.site)}"
        accessed = _long_date(data.accessed.date())
        # APA ends with the URL (no period): the archival note follows in brackets
        return (f"{_end(data.author)} ({when}). {_end(data.title)}{site} Retrieved {accessed}, "
                f"from {data.url} [{data.archival_note}]")


class Mla(CitationStyle):
    """MLA 9th edition: "Title." Site, Publisher, Day Mon. Year, URL. Accessed Day Mon. Year."""

    style = "mla"

    @staticmethod
    def _date(day: date) -> str:
        return f"{day.day} {MLA_MONTHS[day.month - 1]} {day.year}"

    def format(self, data: CitationData) -> str:
        # The organisation wrote and published the page: MLA 9 names it as publisher only.
        parts = [data.site]
        if not data.site_is_author:
            parts.append(data.author)
        if data.declared:
            parts.append(self._date(data.declared))
        parts.append(re.sub(r"^https?://", "", data.url))
        return (f'"{_end(data.title)}" {", ".join(parts)}. '
                f"Accessed {self._date(data.accessed.date())}. {data.archival_note}.")


class Chicago(CitationStyle):
    """Chicago 17th edition, notes-bibliography (bibliography entry)."""

    style = "chicago"

    def format(self, data: CitationData) -> str:
        site = "" if data.site_is_author else f" {_end(data.site)}"
        if data.declared is None:
            when = f" Accessed {_long_date(data.accessed.date())}."
        elif data.declared_kind == "published":
            when = f" {_long_date(data.declared)}."
        else:
            when = f" Last modified {_long_date(data.declared)}."
        return (f'{_end(data.author)} "{_end(data.title)}"{site}{when} {data.url}. '
                f"{data.archival_note}.")


_BIBTEX_SPECIALS = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                    "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                    "\\": r"\textbackslash{}"}


def _bibtex_escape(text: str) -> str:
    return "".join(_BIBTEX_SPECIALS.get(c, c) for c in text)


def _bibtex_title(title: str) -> str:
    """Escaped, with all-capital words braced (``{EU}``) so sentence-casing styles keep them."""
    return re.sub(r"\b([A-Z][A-Z0-9]+)\b", r"{\1}", _bibtex_escape(title))


def citation_key(data: CitationData) -> str:
    author = re.sub(r"[^a-z0-9]+", "", data.author.lower())[:20] or "page"
    word = next((w for w in re.findall(r"[a-z0-9]+", data.title.lower()) if len(w) > 3), "page")
    return f"{author}{data.accessed.strftime('%Y%m%d%H%M%S')}{word}"


class Bibtex(CitationStyle):
    """BibLaTeX ``@online`` entry with ``url`` and ``urldate``."""

    style = "bibtex"

    def format(self, data: CitationData) -> str:
        fields = [("author", "{" + _bibtex_escape(data.author) + "}"),
                  ("title", _bibtex_title(data.title))]
        if not data.site_is_author:
            fields.append(("organization", _bibtex_escape(data.site)))
        if data.declared:
            fields.append(("date", data.declared.isoformat()))
        fields += [("url", data.url), ("urldate", data.accessed.date().isoformat()),
                   ("note", f"Archived version {data.version}, captured {iso(data.accessed)}, "
                            f"SHA-256 {data.sha256}")]
        if data.archived_url:
            # \url in a field argument needs % and # escaped (url.sty)
            escaped = data.archived_url.replace("%", r"\%").replace("#", r"\#")
            fields.append(("addendum", f"Archived copy: \\url{{{escaped}}}"))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        return f"@online{{{citation_key(data)},\n{body}\n}}"


def _date_parts(day: date) -> dict[str, Any]:
    return {"date-parts": [[day.year, day.month, day.day]]}


class CslJson(CitationStyle):
    """CSL-JSON (Zotero, Pandoc, citeproc): a one-item array."""

    style = "csl-json"

    def format(self, data: CitationData) -> str:
        item: dict[str, Any] = {
            "id": citation_key(data),
            "type": "webpage",
            "title": data.title,
            "author": [{"literal": data.author}],
            "container-title": data.site,
            "URL": data.url,
        }
        if data.declared:
            item["issued"] = _date_parts(data.declared)
        item["accessed"] = _date_parts(data.accessed.date())
        if data.archived_url:
            item["archive"] = ARCHIVE_NAME
            item["archive_location"] = data.archived_url
        item["note"] = (f"Archived version {data.version}, captured {iso(data.accessed)}, "
                        f"SHA-256 {data.sha256}")
        return json.dumps([item], ensure_ascii=False, indent=2)


STYLES = tuple(CitationStyle.registry)


def cite(version: VersionInfo, style: str = "apa", base_url: str | None = None) -> str:
    """The citation of ``version`` in ``style`` (see :data:`STYLES`)."""
    try:
        formatter = CitationStyle.registry[style]()
    except KeyError:
        raise ValueError(f"unknown citation style {style!r} (styles: {', '.join(STYLES)})") from None
    return formatter.format(citation_data(version, base_url))
