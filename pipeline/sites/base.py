"""Site profiles: what the pipeline knows about one family of sites.

A profile adds metadata (organisation, country, theme or section, language, language variants, the
declared date), reads the declared date in the site's own format, and recognises the site's own
"no content" pages. Profiles are plain classes registered by ``kind`` (the spider name); they run
inside extraction workers, so they take and return plain data. Each site module also holds the
pure URL rules its spider discovers pages with.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lxml.html import HtmlElement

from pipeline.declared import find_declared_date
from pipeline.sites.pages import language_variants, page_language
from pipeline.types import SPIDER_KINDS, DeclaredDate


class SiteProfile:
    """Any site: organisation from the config, the page's language, the generic declared date."""

    kind: ClassVar[str] = "generic"
    organisation: ClassVar[str | None] = None
    registry: ClassVar[dict[str, type[SiteProfile]]] = {}
    # whether the site's language versions are linked from each page (metadata ``variants``)
    has_variants: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind not in SPIDER_KINDS:
            raise TypeError(f"{cls.__name__}: kind {cls.kind!r} is not one of {SPIDER_KINDS}")
        SiteProfile.registry[cls.kind] = cls

    def __init__(self) -> None:
        self._declared: tuple[HtmlElement, DeclaredDate | None] | None = None

    def metadata(self, tree: HtmlElement, url: str, hints: dict[str, Any]) -> dict[str, Any]:
        """Fields stored with the version. Spider hints and the config's organisation win over
        what the page says; then the site's own facts (:meth:`page_facts`)."""
        found: dict[str, Any] = {k: v for k, v in hints.items() if v is not None}
        for key, value in self.page_facts(tree, url).items():
            if value is not None:
                found.setdefault(key, value)
        organisation = self.organisation_of(tree, url)
        if organisation and "organisation" not in found:
            found["organisation"] = organisation
        language = page_language(tree)
        if language:
            found.setdefault("language", language)
        if self.has_variants:
            variants = language_variants(tree, url)
            if len(variants) > 1:
                found["variants"] = variants
        declared = self.declared_date(tree)
        if declared is not None:
            found["declared"] = {"text": declared.text, "value": declared.value,
                                 "origin": declared.origin, "kind": declared.kind,
                                 "flags": list(declared.flags)}
        from pipeline.citemeta import read_citation_metadata  # local: extruct loads in ~0.2 s

        cite = read_citation_metadata(tree)
        if hints.get("organisation"):   # the source's configured organisation, not a site's default
            cite["organisation"] = hints["organisation"]
        found["cite"] = cite
        return found

    def page_facts(self, tree: HtmlElement, url: str) -> dict[str, Any]:
        """Site-specific facts from the URL and the page (country, theme, section …)."""
        return {}

    def organisation_of(self, tree: HtmlElement, url: str) -> str | None:
        return self.organisation

    def declared_date(self, tree: HtmlElement) -> DeclaredDate | None:
        """The page's own date (memoised per tree: the pipeline and :meth:`metadata` both ask)."""
        if self._declared is None or self._declared[0] is not tree:
            self._declared = (tree, self.find_declared(tree))
        return self._declared[1]

    def find_declared(self, tree: HtmlElement) -> DeclaredDate | None:
        return find_declared_date(tree)

    def no_content_reason(self, text: str) -> str | None:
        """A reason when the page is the site's own "nothing here" page (served with 200)."""
        return None


SiteProfile.registry["generic"] = SiteProfile


def site_profile(kind: str | None) -> SiteProfile:
    """The profile for a spider kind; unknown kinds get the generic one."""
    return SiteProfile.registry.get(kind or "generic", SiteProfile)()
