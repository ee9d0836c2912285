"""``serve`` publishes the Atom feed of change events, global and per source."""

from __future__ import annotations

import feedparser
from starlette.testclient import TestClient

from tests.support.web import WebArchive


def test_global_and_per_source_feeds(client: TestClient, web_archive: WebArchive) -> None:
    response = client.get("/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    assert response.headers["x-content-type-options"] == "nosniff"
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    kinds = [entry.tags[0].term for entry in feed.entries]
    assert kinds.count("content") >= 2 and "metadata" in kinds
    links = [entry.link for entry in feed.entries]
    assert any("/web/" in link and web_archive.peer in link for link in links)
    source = next(p.source for p in web_archive.store.pages() if p.url == web_archive.peer)
    per_source = feedparser.parse(client.get(f"/feed/{source}.atom").content)
    own = {p.url for p in web_archive.store.pages(source)}
    assert not per_source.bozo and 0 < len(per_source.entries) < len(feed.entries)
    assert all(any(url in entry.link for url in own) for entry in per_source.entries)
    assert client.get("/feed/no-such-source.atom").status_code == 404
    assert client.head("/feed.atom").status_code == 200
