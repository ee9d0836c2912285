"""The built-in watchlist (no config file): the five seed pages, each with the spider of its site,
and every UNESCO theme of Azerbaijan and Kazakhstan."""

from __future__ import annotations

from pathlib import Path

from pipeline.sites.undp import parse_undp_url
from pipeline.sites.unesco import parse_peer_url
from pipeline.sites.unicef import parse_unicef_url
from pipeline.urls import page_key
from profilewatch.config import builtin_config
from tests.conftest import Cli

SEEDS = {   # ../shared/seeds: the page each seed text was extracted from, and its spider
    "https://www.unicef.org/azerbaijan/inclusive-education": "unicef",
    "https://azerbaijan.un.org/en/127239-eu-funded-inclusive-vocational-arts-and-crafts-training-"
    "centre-successfully-relocated-bakus": "undp",
    "http://caucasuschildren.net/the-public-was-informed-about-the-activities-of-cnc": "generic",
    "https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology": "unesco",
    "https://education-profiles.org/central-and-southern-asia/kazakhstan/~inclusion": "unesco",
}


def test_builtin_watchlist_covers_the_seeds() -> None:
    config = builtin_config()
    watched = {page_key(url): source for source in config.sources for url in source.urls}
    for url, spider in SEEDS.items():
        source = watched[page_key(url)]
        assert source.spider == spider, url
        assert source.organisation
    unesco = next(s for s in config.sources if s.spider == "unesco")
    assert set(unesco.countries) == {"azerbaijan", "kazakhstan"}
    # the seeds are pages (not listings) in each site's URL rules, with the facts metadata needs
    peer = [parse_peer_url(u) for u in unesco.urls]
    assert {(p.country, p.theme) for p in peer if p} == {("azerbaijan", "technology"),
                                                          ("kazakhstan", "inclusion")}
    unicef = parse_unicef_url("https://www.unicef.org/azerbaijan/inclusive-education")
    assert unicef is not None and not unicef.is_listing and unicef.country == "azerbaijan"
    un = parse_undp_url(next(u for u, s in SEEDS.items() if s == "undp"))
    assert un is not None and not un.is_listing and un.node == "127239"


def test_sources_lists_the_builtin_watchlist_offline(cli: Cli, tmp_path: Path) -> None:
    result = cli("sources", "--json", config=False)
    assert result.code == 0, result.stderr
    listed = {page["url"]: entry["spider"] for entry in result.json() for page in entry["pages"]}
    assert listed == SEEDS
    assert not (tmp_path / "store.db").exists()      # offline: nothing created
