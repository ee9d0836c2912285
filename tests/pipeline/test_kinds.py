"""The kind lists are written once (pipeline.types) and every registry keeps to them."""

from __future__ import annotations

import pytest

from crawler.spiders import WatchSpider
from pipeline.sites import SiteProfile
from pipeline.types import CHECK_KINDS, EVENT_KINDS, SPIDER_KINDS
from profilewatch import config
from profilewatch.summary import KINDS


def test_event_and_check_kinds_in_the_contract_and_summary_order() -> None:
    assert EVENT_KINDS == ("new", "content", "metadata", "gone")
    assert CHECK_KINDS == KINDS == ("new", "content", "metadata", "unchanged", "gone", "failed")
    assert config.EVENT_KINDS is EVENT_KINDS and config.SPIDER_KINDS is SPIDER_KINDS


def test_every_spider_kind_has_one_site_profile_and_one_spider() -> None:
    assert sorted(SiteProfile.registry) == sorted(SPIDER_KINDS)
    assert sorted(WatchSpider.registry) == sorted(SPIDER_KINDS)


def test_a_site_profile_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(TypeError, match="'intranet' is not one of"):
        type("IntranetProfile", (SiteProfile,), {"kind": "intranet"})
    assert "intranet" not in SiteProfile.registry
