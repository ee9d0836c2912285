"""The generic spider: watch exactly the configured URLs (and pages stored for the source)."""

from __future__ import annotations

from crawler.spiders.base import WatchSpider


class GenericSpider(WatchSpider):
    """Watches the pages listed in ``urls``; no discovery."""

    kind = "generic"
