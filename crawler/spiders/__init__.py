"""Spider registry: one class per ``spider =`` kind of the config."""

from __future__ import annotations

from crawler.spiders.base import WatchSpider
from crawler.spiders.generic import GenericSpider


def spider_class(kind: str) -> type[WatchSpider]:
    """The spider for a config ``spider`` kind (site spiders fall back to the generic one)."""
    return WatchSpider.registry.get(kind, GenericSpider)


__all__ = ["GenericSpider", "WatchSpider", "spider_class"]
