"""The ``undp`` spider against replicas of the UNDP and UN country-team press releases
(``replicas/undp.py``): paginated listings of both forms, a sitemap, the date formats, the bound.
Crawled through the in-process harness (``tests/support/spiders.py``)."""

from __future__ import annotations

from storage.store import Store
from tests.conftest import FAST_SETTINGS, source_toml
from tests.support.mockserver import MockServer
from tests.support.replicas.undp import (
    FROM_SITEMAP,
    MISMATCH,
    UN_ITEMS,
    UN_LISTING,
    UN_SEED,
    UNDP_ITEMS,
    UNDP_LISTING,
    serve_undp,
)
from tests.support.spiders import Harness


def test_undp_reads_both_listing_forms_and_the_sitemap(server: MockServer, harness: Harness) -> None:
    expected = serve_undp(server)
    listings = [server.url + UNDP_LISTING, server.url + UN_LISTING]
    harness.write_config(FAST_SETTINGS + source_toml("undp-az", listings, spider="undp",
                                                     sitemaps=[server.url + "/sitemap.xml"]))
    crawl = harness.run()
    assert crawl.completed, crawl.log_text

    pages = {p["url"].removeprefix(server.url): p for p in harness("sources", "--json").json()[0]["pages"]}
    assert set(pages) == expected
    assert pages[FROM_SITEMAP]["discovered_from"] == server.url + "/sitemap.xml"
    assert pages[UN_ITEMS[1]]["section"] == "press-releases"
    requested = server.paths_requested()
    assert requested.count(f"{UNDP_LISTING}?page=2") == 1 and requested.count(UN_LISTING) == 1
    assert "/azerbaijan/press-releases/older" not in requested     # sidebar of an item page

    seed = harness("show", server.url + UN_SEED, "--format", "json").json()
    assert (seed["last_modified_text"], seed["last_modified"]) == ("20 May 2021", "2021-05-20")
    meta = seed["metadata"]
    assert (meta["organisation"], meta["country"], meta["section"], meta["language"],
            meta["node"]) == ("United Nations in Azerbaijan", "azerbaijan", "press-releases", "en",
                              "127239")
    assert seed["title"].startswith("EU Funded Inclusive Vocational Arts and Crafts Training Centre")

    store = Store.open(harness.db)
    try:
        first = store.history(server.url + UNDP_ITEMS[0])[0]
        assert (first.last_modified_text, first.last_modified) == ("September 24, 2021", "2021-09-24")
        assert (first.metadata["organisation"], first.metadata["country"],
                first.metadata["section"]) == ("UNDP", "azerbaijan", "press-releases")
        # a weekday that contradicts the date: literal kept, flagged, no value guessed
        mismatch = store.history(server.url + MISMATCH)[0]
        assert mismatch.last_modified_text == "Thursday, September 24, 2021"
        assert mismatch.last_modified is None
        assert mismatch.metadata["declared"]["flags"] == ["weekday-mismatch"]
    finally:
        store.close()


def test_discovery_stops_at_max_pages(server: MockServer, harness: Harness) -> None:
    serve_undp(server)
    harness.write_config(FAST_SETTINGS + source_toml("undp-az", [server.url + UNDP_LISTING],
                                                     spider="undp", max_pages=4))
    crawl = harness.run()
    assert crawl.completed and "max_pages (4) reached" in crawl.log_text
    pages = harness("sources", "--json").json()[0]["pages"]
    assert len(pages) == 4 and pages[0]["url"] == server.url + UNDP_LISTING
    assert {p["url"].removeprefix(server.url) for p in pages[1:]} <= set(UNDP_ITEMS)
