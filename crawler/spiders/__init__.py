"""Spider registry: one class per ``spider =`` kind of the config."""

from __future__ import annotations

from crawler.spiders.base import WatchSpider
from crawler.spiders.generic import GenericSpider
from crawler.spiders.undp import UndpSpider
from crawler.spiders.unesco import UnescoSpider
from crawler.spiders.unicef import UnicefSpider


def spider_class(kind: str) -> type[WatchSpider]:
    """The spider for a config ``spider`` kind (unknown kinds fall back to the generic one)."""
    return WatchSpider.registry.get(kind, GenericSpider)


__all__ = ["GenericSpider", "UndpSpider", "UnescoSpider", "UnicefSpider", "WatchSpider",
           "spider_class"]
