"""The generic spider: watch exactly the configured URLs (and pages stored for the source)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from crawler.spiders.base import WatchSpider

logger = logging.getLogger(__name__)

# Source keys only the site spiders act on.
DISCOVERY_KEYS = ("countries", "sections", "sitemaps", "languages")


class GenericSpider(WatchSpider):
    """Watches the pages listed in ``urls``; no discovery."""

    kind = "generic"

    async def discover(self) -> AsyncIterator[Any]:
        ignored = [key for key in DISCOVERY_KEYS if getattr(self.source, key)]
        if ignored:
            logger.warning("%s: the generic spider discovers nothing; ignoring %s",
                           self.source.name, ", ".join(ignored))
        return
        yield  # pragma: no cover - makes this an async generator
