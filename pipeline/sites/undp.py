"""UNDP (www.undp.org/<country>/…) and the UN Country Team sites (<country>.un.org/<lang>/…).

- undp.org: ``/<country>/press-releases/<slug>``, listing ``/<country>/press-releases?page=N``,
  date line ``September 24, 2021``; the legacy ``/content/<country>/<lang>/home/presscenter/…html``
  form redirects (the page stays keyed by the URL it was found under);
- UN country team: ``/<lang>/<nid>-<slug>`` and ``/<lang>/node/<nid>``, listing
  ``/<lang>/press-centre/press-releases?page=N``, date line ``20 May 2021``. The seed "UNDP" press
  release lives here (``../shared/sites/README.md`` §3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml.html import HtmlElement

from pipeline.sites.base import SiteProfile
from pipeline.sites.pages import article_date
from pipeline.treeindex import first_text, tagged
from pipeline.types import DeclaredDate
from pipeline.urls import path_segments

# Last path segments of listing pages on both sites (more may be configured with ``sections``).
LISTING_SEGMENTS = ("press-releases", "news", "stories", "speeches", "publications", "blog",
                    "news-centre")
UN_LANG_RE = re.compile(r"^[a-z]{2}$")
UN_NODE_RE = re.compile(r"^(\d+)-[^/]+$")
UN_HOST_RE = re.compile(r"^(?:www\.)?([a-z-]+)\.un\.org$")
UN_SITE_NAME_RE = re.compile(r"United Nations (?:in|Country Team in) (?:the )?([A-Z][\w' -]+)")


@dataclass(frozen=True, slots=True)
class UndpPage:
    """What a UNDP or UN country-team URL says."""

    site: str                      # "undp" (undp.org) or "un" (UN country team)
    country: str | None = None
    language: str | None = None
    section: str | None = None
    node: str | None = None        # UN site node id: stable while the slug may change
    slug: str | None = None

    @property
    def is_listing(self) -> bool:
        return self.section is not None and self.slug is None and self.node is None

    def facts(self) -> dict[str, Any]:
        return {"site": self.site, "country": self.country, "language": self.language,
                "section": self.section, "node": self.node,
                "page_type": "listing" if self.is_listing else "page"}


def parse_undp_url(url: str, sections: tuple[str, ...] = ()) -> UndpPage | None:
    segments = [unquote(s) for s in path_segments(url)]
    if not segments:
        return None
    listing_names = (*LISTING_SEGMENTS, *sections)
    host = UN_HOST_RE.match((urlsplit(url).hostname or "").lower())
    if UN_LANG_RE.match(segments[0]):                       # UN country team: /<lang>/…
        language, rest = segments[0], segments[1:]
        country = host.group(1) if host else None
        node = UN_NODE_RE.match(rest[0]) if len(rest) == 1 else None
        if node:
            return UndpPage("un", country, language, node=node.group(1), slug=rest[0])
        if len(rest) == 2 and rest[0] == "node" and rest[1].isdigit():
            return UndpPage("un", country, language, node=rest[1], slug=rest[1])
        if rest and rest[-1] in listing_names:
            return UndpPage("un", country, language, section=rest[-1])
        return UndpPage("un", country, language, slug="/".join(rest) or None)
    if segments[0] == "content" and len(segments) >= 3:    # legacy www.<cc>.undp.org
        return UndpPage("undp", segments[1], segments[2] if UN_LANG_RE.match(segments[2]) else None,
                        section="presscenter" if "presscenter" in segments else None,
                        slug=segments[-1])
    country, rest = segments[0].lower(), segments[1:]
    section = rest[0] if rest and rest[0] in listing_names else None
    slug = "/".join(rest[1:] if section else rest) or None
    return UndpPage("undp", country, None, section, slug=slug)


def is_listing_item(url: str, listing: UndpPage, sections: tuple[str, ...] = ()) -> bool:
    """Whether ``url`` is an item a listing links to: one slug under it (undp.org), or a UN node
    page in the listing's language (the UN site's items are not under the listing path)."""
    page = parse_undp_url(url, sections)
    if page is None or page.is_listing:
        return False
    if page.site == "un":
        return page.node is not None and page.language == listing.language
    return (page.slug is not None and "/" not in page.slug
            and (page.country, page.section) == (listing.country, listing.section))


class UndpProfile(SiteProfile):
    """UNDP and UN country-team pages: site, country, section, node and language from the URL;
    the organisation from the site name; the date line (``20 May 2021``, ``September 24, 2021``)."""

    kind = "undp"
    organisation = "UNDP"

    def page_facts(self, tree: HtmlElement, url: str) -> dict[str, Any]:
        page = parse_undp_url(url)
        if page is None:
            return {}
        facts = page.facts()
        if page.site == "un" and page.country is None:
            name = UN_SITE_NAME_RE.search(self._site_name(tree) or "")
            if name:
                facts["country"] = name.group(1).strip().lower().replace(" ", "-")
        return facts

    def organisation_of(self, tree: HtmlElement, url: str) -> str | None:
        page = parse_undp_url(url)
        if page is None or page.site == "undp":
            return self.organisation
        name = self._site_name(tree)
        return name if name and name.startswith("United Nations") else "United Nations"

    @staticmethod
    def _site_name(tree: HtmlElement) -> str | None:
        for meta in tagged(tree, "meta"):
            if (meta.get("property") or "").lower() == "og:site_name" and meta.get("content"):
                return " ".join((meta.get("content") or "").split())
        title = " ".join((first_text(tree, "title") or "").split())
        return title.rsplit(" | ", 1)[1] if " | " in title else None

    def find_declared(self, tree: HtmlElement) -> DeclaredDate | None:
        return article_date(tree)
