"""The ``unesco`` spider against a replica of education-profiles.org (``replicas/unesco.py``):
home country list → theme tabs → language versions, robots.txt Disallow and Crawl-delay.
Crawled through the in-process harness (``tests/support/spiders.py``)."""

from __future__ import annotations

from typing import Any

from storage.store import Store
from tests.conftest import FAST_SETTINGS, source_toml
from tests.support.mockserver import MockServer, assert_paced
from tests.support.replicas.unesco import (
    AZ,
    AZ_TECH_ES,
    AZ_TECH_FR,
    DISALLOWED,
    KG,
    KZ,
    KZ_INCL_RU,
    serve_unesco,
)
from tests.support.spiders import Harness

CRAWL_DELAY = 0.25


def pages_of(harness: Harness, source: str) -> dict[str, dict[str, Any]]:
    entry = next(s for s in harness("sources", "--json").json() if s["name"] == source)
    return {p["url"]: p for p in entry["pages"]}


def test_unesco_discovers_every_theme_and_language(server: MockServer, harness: Harness) -> None:
    expected = serve_unesco(server, CRAWL_DELAY)
    home = server.url + "/"
    harness.write_config(FAST_SETTINGS + source_toml(
        "peer", [home], spider="unesco", countries=["azerbaijan", "kazakhstan", "kyrgyzstan"]))
    crawl = harness.run()
    assert crawl.completed, crawl.log_text

    pages = pages_of(harness, "peer")
    assert {u.removeprefix(server.url) for u in pages} == expected
    assert pages[home]["via"] == "config"
    tech = pages[server.url + f"{AZ}/~technology"]
    assert tech["via"] == "discovery" and tech["discovered_at"]
    assert (tech["country"], tech["theme"], tech["region"]) == (
        "azerbaijan", "technology", "northern-africa-and-western-asia")
    french = pages[server.url + AZ_TECH_FR]
    assert french["language"] == "fr" and french["variant_of"] == server.url + f"{AZ}/~technology"
    assert french["variants"] == tech["variants"] == {
        "en": server.url + f"{AZ}/~technology", "fr": server.url + AZ_TECH_FR,
        "es": server.url + AZ_TECH_ES}

    # robots.txt: the disallowed theme was neither requested nor added; Crawl-delay spaced requests
    requested = server.paths_requested()
    assert DISALLOWED not in requested and all(not p.startswith("/print/") for p in requested)
    assert requested.count("/robots.txt") == 1 and requested.count("/") == 1
    times = [r.at for r in server.requests]
    assert len(times) >= 12
    assert_paced(times, CRAWL_DELAY)

    store = Store.open(harness.db)
    try:
        version = store.history(server.url + f"{AZ}/~technology")[0]
        meta = version.metadata
        assert (meta["organisation"], meta["country"], meta["theme"], meta["language"]) == (
            "UNESCO", "azerbaijan", "technology", "en")
        assert version.title == "Azerbaijan | Technology | Education Profiles"
        assert (version.last_modified_text, version.last_modified) == (
            "Mon, 05/08/2024 - 17:13", "2024-08-05T15:13:00Z")
        assert meta["declared"]["text"] == "Mon, 05/08/2024 - 17:13"
        assert meta["variants"]["fr"] == server.url + AZ_TECH_FR
        kz = store.history(server.url + f"{KZ}/~inclusion")[0]
        assert kz.last_modified_text == "Fri, 23/07/2021 - 00:01"
        assert (kz.metadata["country"], kz.metadata["theme"]) == ("kazakhstan", "inclusion")
        russian = store.history(server.url + KZ_INCL_RU)[0].metadata
        assert (russian["language"], russian["country"], russian["theme"]) == (
            "ru", "kazakhstan", "inclusion")
        assert store.history(server.url + f"{KG}/~inclusion")[0].metadata["country"] == "kyrgyzstan"
        # the Spanish chapter is the site's 200 "not available" page: a failed check, no version
        assert store.history(server.url + AZ_TECH_ES) == []
        assert store.checks(server.url + AZ_TECH_ES)[0]["reason"] == "not available in this language"
    finally:
        store.close()
