"""UNICEF country office sites (www.unicef.org/<country>/…).

URL forms: ``/<country>/<slug>`` (topic pages), ``/<country>/<section>/<slug>`` (stories, press
releases, reports), a language prefix after the country for other languages or for offices that
always use one (``/kazakhstan/en/reports/…``, ``/azerbaijan/az/…``), and the section listing
``/<country>[/<lang>]/<section>`` paginated with Drupal's ``?page=N``. Topic pages declare no date;
stories and press releases show a date line. (``../shared/sites/README.md`` §2.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin

from lxml.html import HtmlElement

from pipeline.sites.base import SiteProfile
from pipeline.sites.pages import article_date
from pipeline.types import DeclaredDate
from pipeline.urls import path_segments

# Sections with a listing page on every country site (more may be configured with ``sections``).
KNOWN_SECTIONS = ("stories", "press-releases", "reports", "documents")
# UNICEF language prefixes are two letters (``en``, ``ru``, ``kk``, ``az``); a longer first segment
# is a topic slug.
UNICEF_LANG_RE = re.compile(r"^[a-z]{2}$")


@dataclass(frozen=True, slots=True)
class UnicefPage:
    """What a UNICEF URL says: country, language prefix, section and slug."""

    country: str
    language: str | None = None
    section: str | None = None
    slug: str | None = None

    @property
    def base_path(self) -> str:
        """``/<country>`` or ``/<country>/<lang>``: where this office's sections live."""
        return f"/{self.country}/{self.language}" if self.language else f"/{self.country}"

    @property
    def is_listing(self) -> bool:
        return self.section is not None and self.slug is None

    def facts(self) -> dict[str, Any]:
        return {"country": self.country, "language": self.language, "section": self.section,
                # a topic page (no section) is known by its slug: "inclusive-education"
                "topic": self.slug if self.section is None else None,
                "page_type": "listing" if self.is_listing else "page"}


def parse_unicef_url(url: str, sections: tuple[str, ...] = ()) -> UnicefPage | None:
    segments = [unquote(s) for s in path_segments(url)]
    if not segments:
        return None
    country, rest = segments[0].lower(), segments[1:]
    language = None
    if rest and UNICEF_LANG_RE.match(rest[0]):
        language, rest = rest[0].lower(), rest[1:]
    section = None
    if rest and rest[0].lower() in (*KNOWN_SECTIONS, *sections):
        section, rest = rest[0].lower(), rest[1:]
    slug = "/".join(rest) or None
    return UnicefPage(country, language, section, slug)


def section_listing_url(page_url: str, section: str) -> str | None:
    """The listing of ``section`` for the office ``page_url`` belongs to (same host and prefix)."""
    page = parse_unicef_url(page_url)
    return urljoin(page_url, f"{page.base_path}/{section}") if page else None


def is_section_item(url: str, listing: UnicefPage, sections: tuple[str, ...] = ()) -> bool:
    """Whether ``url`` is an item of ``listing``: same office and section, one slug deeper."""
    page = parse_unicef_url(url, sections)
    return (page is not None and page.slug is not None and "/" not in page.slug
            and (page.country, page.language, page.section)
            == (listing.country, listing.language, listing.section))


class UnicefProfile(SiteProfile):
    """UNICEF pages: country, section and language from the URL; the date line of stories and
    press releases (topic pages have none: no date is guessed from years in the text)."""

    kind = "unicef"
    organisation = "UNICEF"
    has_variants = True

    def page_facts(self, tree: HtmlElement, url: str) -> dict[str, Any]:
        page = parse_unicef_url(url)
        return page.facts() if page else {}

    def find_declared(self, tree: HtmlElement) -> DeclaredDate | None:
        return article_date(tree, allow_htmldate=False)
