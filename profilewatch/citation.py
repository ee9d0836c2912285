"""Citations of archived versions: APA 7, MLA 9, Chicago (notes-bibliography), BibTeX, CSL-JSON.

Each names the organisation as author, the page title, the site, the page-declared date when there
is one, the capture time (as the access date), the original URL, the archived (memento) URL when a
public base URL is configured, and the version's SHA-256. Styles are registered by ``style`` key;
the class docstring is the help text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from storage.records import VersionInfo

MLA_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.",
              "Nov.", "Dec.")
TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ")


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


def memento_url(base_url: str, version: VersionInfo) -> str:
    """The version's URL in ``profilewatch serve`` (``/web/YYYYMMDDhhmmss/URI-R``)."""
    stamp = version.fetched_at.strftime("%Y%m%d%H%M%S")
    return f"{base_url.rstrip('/')}/web/{stamp}/{version.url}"


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
    value = version.last_modified
    if not value or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return None
    return date.fromisoformat(value[:10])


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

    @staticmethod
    def integrity(data: CitationData) -> str:
        archived = f" Archived copy: {data.archived_url}." if data.archived_url else ""
        return f"{archived} Version {data.version}, SHA-256 {data.sha256}."


class Apa(CitationStyle):
    """APA 7th edition: Author. (Year, Month Day). *Title*. Site. Retrieved Month Day, Year, from URL"""

    style = "apa"

    def format(self, data: CitationData) -> str:
        when = (f"{data.declared.year}, {data.declared.strftime('%B')} {data.declared.day}"
                if data.declared else "n.d.")
        site = "" if data.site.casefold() == data.author.casefold() else f" {_end(data.site)}"
        accessed = _long_date(data.accessed.date())
        return (f"{_end(data.author)} ({when}). {_end(data.title)}{site} Retrieved {accessed}, "
                f"from {data.url}" + self.integrity(data))


class Mla(CitationStyle):
    """MLA 9th edition: Author. "Title." *Site*, Day Mon. Year, URL. Accessed Day Mon. Year."""

    style = "mla"

    @staticmethod
    def _date(day: date) -> str:
        return f"{day.day} {MLA_MONTHS[day.month - 1]} {day.year}"

    def format(self, data: CitationData) -> str:
        location = re.sub(r"^https?://", "", data.url)
        declared = f" {self._date(data.declared)}," if data.declared else ""
        return (f'{_end(data.author)} "{_end(data.title)}" {data.site},{declared} {location}. '
                f"Accessed {self._date(data.accessed.date())}." + self.integrity(data))


class Chicago(CitationStyle):
    """Chicago 17th edition, notes-bibliography (bibliography entry)."""

    style = "chicago"

    def format(self, data: CitationData) -> str:
        declared = ""
        if data.declared:
            label = "Last modified" if data.declared_kind != "published" else "Published"
            declared = f" {label} {_long_date(data.declared)}."
        return (f'{_end(data.author)} "{_end(data.title)}" {_end(data.site)}{declared} '
                f"Accessed {_long_date(data.accessed.date())}. {data.url}." + self.integrity(data))


def _bibtex_escape(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


def citation_key(data: CitationData) -> str:
    author = re.sub(r"[^a-z0-9]+", "", data.author.lower())[:20] or "page"
    word = next((w for w in re.findall(r"[a-z0-9]+", data.title.lower()) if len(w) > 3), "page")
    return f"{author}{data.accessed.strftime('%Y%m%d%H%M%S')}{word}"


class Bibtex(CitationStyle):
    """BibLaTeX ``@online`` entry with ``url`` and ``urldate``."""

    style = "bibtex"

    def format(self, data: CitationData) -> str:
        fields = [
            ("author", "{" + _bibtex_escape(data.author) + "}"),
            ("title", _bibtex_escape(data.title)),
            ("organization", _bibtex_escape(data.site)),
        ]
        if data.declared:
            fields.append(("date", data.declared.isoformat()))
        fields += [("url", data.url), ("urldate", data.accessed.date().isoformat())]
        note = f"Version {data.version}, SHA-256 {data.sha256}"
        if data.archived_url:
            fields.append(("howpublished", f"\\url{{{data.archived_url}}}"))
            note = f"Archived copy captured {data.accessed.strftime('%Y-%m-%dT%H:%M:%SZ')}. " + note
        fields.append(("note", note))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        return f"@online{{{citation_key(data)},\n{body}\n}}"


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
            "accessed": {"date-parts": [[data.accessed.year, data.accessed.month,
                                         data.accessed.day]]},
            "note": f"Version {data.version}, SHA-256 {data.sha256}",
        }
        if data.declared:
            item["issued"] = {"date-parts": [[data.declared.year, data.declared.month,
                                              data.declared.day]]}
        if data.archived_url:
            item["archive"] = "profilewatch"
            item["archive_location"] = data.archived_url
        return json.dumps([item], ensure_ascii=False, indent=2)


STYLES = tuple(CitationStyle.registry)


def cite(version: VersionInfo, style: str = "apa", base_url: str | None = None) -> str:
    """The citation of ``version`` in ``style`` (see :data:`STYLES`)."""
    try:
        formatter = CitationStyle.registry[style]()
    except KeyError:
        raise ValueError(f"unknown citation style {style!r} (styles: {', '.join(STYLES)})") from None
    return formatter.format(citation_data(version, base_url))
