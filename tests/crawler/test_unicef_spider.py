"""The ``unicef`` spider against a replica of a UNICEF country site (``replicas/unicef.py``):
section listings with four pages of pagination, language versions, two cycles; the briefing notes
of the real page (``profilewatch/samples``), watched as documents by default.
Crawled through the in-process harness (``tests/support/spiders.py``)."""

from __future__ import annotations

from profilewatch import samples
from storage.store import Store
from tests.conftest import FAST_SETTINGS, source_toml
from tests.support import documents as docs
from tests.support.mockserver import MockServer
from tests.support.replicas.unicef import (
    PRESS,
    STORIES,
    STORY_PAGES,
    TOPIC,
    TOPIC_AZ,
    serve_unicef,
    story_path,
)
from tests.support.spiders import Harness


def test_unicef_follows_sections_pagination_and_languages(server: MockServer, harness: Harness) -> None:
    expected = serve_unicef(server)
    topic = server.url + TOPIC
    harness.write_config(FAST_SETTINGS + source_toml(
        "unicef-az", [topic], spider="unicef", organisation="UNICEF Azerbaijan",
        sections=["stories", "press-releases"]))
    crawl = harness.run()
    assert crawl.completed, crawl.log_text

    sources = harness("sources", "--json").json()[0]
    pages = {p["url"].removeprefix(server.url): p for p in sources["pages"]}
    # the topic page's briefing notes are watched documents (issue 15: on for the unicef spider)
    documents = {url for url, page in pages.items() if page["via"] == "document link"}
    assert documents == {"/azerbaijan/media/1234/file/IE-briefing-note-ENG.pdf",
                         "/azerbaijan/media/1235/file/IE-briefing-note-AZE.pdf"}
    assert set(pages) - documents == expected   # one page per story, whatever the spelling of its links
    story = pages[story_path(1)]
    assert (story["via"], story["country"], story["section"]) == ("discovery", "azerbaijan", "stories")
    assert story["discovered_from"] == server.url + STORIES
    assert pages[TOPIC_AZ]["variants"] == {"en": topic, "az": server.url + TOPIC_AZ}
    requested = server.paths_requested()
    for listing in (STORIES, *(f"{STORIES}?page={n}" for n in range(1, STORY_PAGES)), PRESS):
        assert requested.count(listing) == 1, listing
    assert f"{STORIES}?page=0" not in requested          # the first page under another spelling
    assert f"{STORIES}/not-listed-story" not in requested  # related links are not listing items

    store = Store.open(harness.db)
    try:
        meta = store.history(topic)[0].metadata
        assert (meta["organisation"], meta["country"], meta["language"]) == (
            "UNICEF Azerbaijan", "azerbaijan", "en")
        assert "declared" not in meta                        # topic pages declare no date
        assert store.history(topic)[0].last_modified is None
        assert meta["topic"] == "inclusive-education"
        az = store.history(server.url + TOPIC_AZ)[0]
        assert (az.language, az.metadata["language"], az.metadata["topic"]) == (
            "az", "az", "inclusive-education")           # the original's topic, not the translation
        first = store.history(server.url + story_path(1))[0]
        assert (first.last_modified_text, first.last_modified) == ("12 March 2021", "2021-03-12")
        assert first.metadata["section"] == "stories" and first.title == "Story 1 | UNICEF Azerbaijan"
        weekday = store.history(server.url + story_path(3))[0]
        assert (weekday.last_modified_text, weekday.last_modified) == (
            "Friday, 24 September 2021", "2021-09-24")
        release = store.history(server.url + f"{PRESS}/release-1")[0].metadata
        assert release["section"] == "press-releases" and release["declared"]["value"] == "2021-05-20"
    finally:
        store.close()

    # second cycle: the last story is no longer listed; it stays watched and is checked
    serve_unicef(server, drop_last_story=True)
    server.requests.clear()
    crawl = harness.run()
    assert crawl.completed, crawl.log_text
    sources = harness("sources", "--json").json()[0]
    assert {p["url"].removeprefix(server.url) for p in sources["pages"]} == expected | documents
    requested = server.paths_requested()
    assert story_path(STORY_PAGES * 2) in requested
    assert requested.count(STORIES) == 1 and requested.count(f"{STORIES}?page=3") == 1
    assert [e["kind"] for e in harness("changes", "--json").json()] == ["new"] * len(expected)


def test_a_site_spider_watches_documents_by_default(server: MockServer, harness: Harness) -> None:
    """The real UNICEF page's briefing notes, with the ``unicef`` spider and no ``documents`` key."""
    page = server.page("/azerbaijan/inclusive-education", samples.load_sample("unicef-page"))
    for n, language in ((1234, "ENG"), (1235, "AZE")):
        server.page(f"/azerbaijan/media/{n}/file/IE-briefing-note-{language}.pdf",
                    docs.make_pdf(title=f"Inclusive education briefing note ({language})"),
                    content_type="application/pdf")
    harness.write_config(FAST_SETTINGS + source_toml("unicef-local", [page], spider="unicef"))
    crawl = harness.run()
    assert crawl.completed, crawl.log_text
    events = harness("changes", "--json").json()
    documents = {e["url"].removeprefix(server.url): (e["kind"], e["title"], e["linked_from"])
                 for e in events if e["document"]}
    assert documents == {
        f"/azerbaijan/media/{n}/file/IE-briefing-note-{language}.pdf":
            ("new", f"Inclusive education briefing note ({language})", [page])
        for n, language in ((1234, "ENG"), (1235, "AZE"))}
