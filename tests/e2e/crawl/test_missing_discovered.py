"""End to end: a discovered page that never answered with a page and answers 404/410 on
``gone_after`` consecutive checks leaves the watchlist with one line in the run summary (a language
switcher's link to a translation that does not exist), instead of failing for ever."""

from __future__ import annotations

import pytest

from storage.store import Store
from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support import interstitials as pages
from tests.support.mockserver import MockServer

pytestmark = pytest.mark.slow


def test_a_missing_discovered_page_leaves_the_watchlist(server: MockServer, cli: Cli) -> None:
    article = server.page("/en/report", pages.article_html("Report", "report"))
    configured_missing = server.url + "/en/configured-missing"
    cli.write_config(FAST_SETTINGS + "gone_after = 3\n"
                     + source_toml("site", [article, configured_missing]))
    assert cli("run").code == 0
    kazakh, was_a_page = server.url + "/kk/report", server.url + "/ru/report"
    store = Store.open(cli.db)
    try:
        store.add_pages("site", [kazakh, was_a_page], via="discovery")
    finally:
        store.close()
    server.page("/ru/report", pages.article_html("Доклад", "report-ru", lang="ru"))
    summaries = []
    for _ in range(3):
        run = cli("run")
        assert run.code == 0, run.stderr
        summaries.append(run.stdout)
        server.page("/ru/report", "<h1>Not found</h1>", status=404)   # gone after one version
    # the third consecutive 404 (gone_after = 3): out, said once
    assert "left the watchlist" not in summaries[0] + summaries[1]
    assert summaries[2].count("left the watchlist") == 1
    assert f"left the watchlist: {kazakh} (never a page, HTTP 404 on 3 checks)" in summaries[2]
    asked = server.paths_requested().count("/kk/report")
    after = cli("run").stdout
    assert kazakh not in after and "left the watchlist" not in after
    assert server.paths_requested().count("/kk/report") == asked == 3     # no longer checked
    [status] = cli("status", "--json").json()
    failing = {p["url"] for p in status["failing"]}
    # a configured page and a page that had a version stay watched (the latter goes `gone`)
    assert kazakh not in failing and configured_missing in failing
    assert [e["kind"] for e in cli("changes", "--url", was_a_page, "--json").json()] == ["new", "gone"]
    assert cli("history", kazakh, "--json").json() == []
