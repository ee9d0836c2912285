"""UNESCO GEM Report PEER education profiles (education-profiles.org).

URL form ``/<region>/<country>/~<theme>``; language versions add a prefix and translate the path
(``/fr/afrique-du-nord-et-asie-occidentale/azerbaidjan/~technologie``). Every page links the
other themes of its country (theme tabs) and its language versions (hreflang). The "Last modified"
field is Drupal's ``D, d/m/Y - H:i``, day first, checked against the weekday. A chapter missing in
a language is served with 200 and one sentence: "The Inclusion chapter is not available in this
language ." (see ``../shared/sites/README.md`` §1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin

from lxml.html import HtmlElement

from pipeline.dateparse import parse_date_text
from pipeline.declared import find_declared_date
from pipeline.languages import not_available_notice
from pipeline.screen import SHORT_PAGE_CHARS
from pipeline.sites.base import SiteProfile
from pipeline.sites.pages import LANG_RE, all_links, body_text, language_variants
from pipeline.treeindex import first_text
from pipeline.types import DeclaredDate
from pipeline.urls import path_segments

# The region each country's profiles live under. Hard-coded: guessing the region gives 404s.
# Azerbaijan, Kazakhstan and India are verified (real URLs); the others follow the UN SDG regional
# grouping PEER uses and are used only when the home page does not list the country.
COUNTRY_REGIONS = {
    "azerbaijan": "northern-africa-and-western-asia",
    "armenia": "northern-africa-and-western-asia",
    "georgia": "northern-africa-and-western-asia",
    "turkiye": "northern-africa-and-western-asia",
    "kazakhstan": "central-and-southern-asia",
    "kyrgyzstan": "central-and-southern-asia",
    "tajikistan": "central-and-southern-asia",
    "turkmenistan": "central-and-southern-asia",
    "uzbekistan": "central-and-southern-asia",
    "india": "central-and-southern-asia",
    "congo": "sub-saharan-africa",
    "cuba": "latin-america-and-the-caribbean",
}
# The theme every country has (PEER started with inclusion profiles): the entry page when the home
# page does not list a configured country.
ENTRY_THEME = "inclusion"
LAST_MODIFIED_RE = re.compile(r"Last modified:\s*(\w{3}, \d{2}/\d{2}/\d{4} - \d{2}:\d{2})")
# PEER's own chapter notice, recognised on a page of any length (its table of contents surrounds it)
CHAPTER_NOT_AVAILABLE_RE = re.compile(
    r"\bchapter is not available in this language|n'est pas disponible dans cette langue"
    r"|no está disponible en este idioma", re.I)
VALIDATED_RE = re.compile(r"Validated by the country:\s*(Yes|No)\b", re.I)


@dataclass(frozen=True, slots=True)
class PeerPage:
    """What a profile URL says: ``[/<lang>]/<region>/<country>/~<theme>``."""

    region: str
    country: str
    theme: str
    language: str = "en"

    def facts(self) -> dict[str, str]:
        return {"country": self.country, "region": self.region, "theme": self.theme,
                "language": self.language}


def parse_peer_url(url: str) -> PeerPage | None:
    """The profile a URL names, or None for any other page (home, about, node paths)."""
    segments = [unquote(s) for s in path_segments(url)]
    language = "en"
    if len(segments) == 4 and LANG_RE.match(segments[0]):
        language = segments.pop(0).lower()
    if len(segments) != 3 or not segments[2].startswith("~") or len(segments[2]) < 2:
        return None
    region, country, theme = segments[0].lower(), segments[1].lower(), segments[2][1:].lower()
    return PeerPage(region, country, theme, language)


def profile_links(tree: HtmlElement, page_url: str) -> dict[str, PeerPage]:
    """Profile pages linked from a page (home country list, theme tabs): ``{url: PeerPage}``."""
    found: dict[str, PeerPage] = {}
    for url in all_links(tree, page_url):
        page = parse_peer_url(url)
        if page is not None:
            found[url] = page
    return found


def entry_url(site_url: str, country: str) -> str | None:
    """The inclusion profile of ``country`` on the site of ``site_url``, when its region is known."""
    region = COUNTRY_REGIONS.get(country)
    return urljoin(site_url, f"/{region}/{country}/~{ENTRY_THEME}") if region else None


def english_facts(tree: HtmlElement, url: str) -> PeerPage | None:
    """The page's facts in English slugs: a translated page's hreflang="en" version names them."""
    page = parse_peer_url(url)
    if page is None or page.language == "en":
        return page
    english = language_variants(tree, url).get("en")
    original = parse_peer_url(english) if english else None
    if original is None:
        return page
    return PeerPage(original.region, original.country, original.theme, page.language)


class UnescoProfile(SiteProfile):
    """PEER profiles: country, region, theme and language from the URL (English slugs), the
    "Last modified" field (day first, weekday checked), "not available in this language" pages."""

    kind = "unesco"
    organisation = "UNESCO"
    has_variants = True

    def page_facts(self, tree: HtmlElement, url: str) -> dict[str, Any]:
        page = english_facts(tree, url)
        if page is None:
            return {"page_type": "listing"}
        facts: dict[str, Any] = {"page_type": "profile", **page.facts()}
        title = first_text(tree, "title") or ""
        parts = [p.strip() for p in title.split("|")]
        if len(parts) >= 3:
            facts["country_name"], facts["theme_name"] = parts[0], parts[1]
        validated = VALIDATED_RE.search(body_text(tree))
        if validated:
            facts["validated"] = validated.group(1).capitalize()
        return facts

    def find_declared(self, tree: HtmlElement) -> DeclaredDate | None:
        generic = find_declared_date(tree)
        if generic is not None and generic.origin == "last-modified-line":
            return generic
        match = LAST_MODIFIED_RE.search(body_text(tree))
        if match:
            parsed = parse_date_text(match.group(1))
            if parsed is not None:
                return DeclaredDate(text=match.group(1), value=parsed.value,
                                    origin="last-modified-line", kind="modified",
                                    flags=parsed.flags)
        return generic

    def no_content_reason(self, text: str) -> str | None:
        # PEER's chapter notice anywhere; any language's notice on a short page (a notice, not a
        # profile that mentions a missing translation)
        if CHAPTER_NOT_AVAILABLE_RE.search(text) or (
                len(text) <= SHORT_PAGE_CHARS and not_available_notice(text)):
            return "not available in this language"
        return None
