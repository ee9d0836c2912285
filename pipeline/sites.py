"""Site profiles: what the pipeline knows about one family of sites.

A profile may add metadata (organisation, country, theme …), read the declared date in a site's own
format, and recognise the site's own "no content" pages. Profiles are plain classes registered by
``kind`` (the spider name); they run inside extraction workers, so they take and return plain data.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lxml.html import HtmlElement

from pipeline.declared import find_declared_date
from pipeline.types import DeclaredDate


class SiteProfile:
    """Any site: generic metadata and the generic declared-date search."""

    kind: ClassVar[str] = "generic"
    organisation: ClassVar[str | None] = None
    registry: ClassVar[dict[str, type[SiteProfile]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        SiteProfile.registry[cls.kind] = cls

    def metadata(self, tree: HtmlElement, url: str, hints: dict[str, Any]) -> dict[str, Any]:
        """Site-specific fields stored with the version (organisation, country, theme …)."""
        found: dict[str, Any] = {k: v for k, v in hints.items() if v is not None}
        if self.organisation and "organisation" not in found:
            found["organisation"] = self.organisation
        return found

    def declared_date(self, tree: HtmlElement) -> DeclaredDate | None:
        return find_declared_date(tree)

    def no_content_reason(self, text: str) -> str | None:
        """A reason when the page is the site's own "nothing here" page (served with 200)."""
        return None


SiteProfile.registry["generic"] = SiteProfile


def site_profile(kind: str | None) -> SiteProfile:
    """The profile for a spider kind; unknown kinds get the generic one."""
    return SiteProfile.registry.get(kind or "generic", SiteProfile)()
