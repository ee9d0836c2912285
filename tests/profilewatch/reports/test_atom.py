"""The Atom feed parses (feedparser) and has the expected entries, globally and per source."""

from __future__ import annotations

from typing import Any

import feedparser

from profilewatch.reports.atom import atom_feed
from tests.support.scenario import BASE, SOURCE, record_history


def test_feed_entries_link_the_archived_versions(store: Any) -> None:
    record_history(store)
    feed = feedparser.parse(atom_feed(store, base_url="https://archive.example.org"))
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "profilewatch: changes"
    assert feed.feed.id == "https://archive.example.org/feed.atom"
    kinds = [e.tags[0].term for e in feed.entries]
    assert kinds == ["metadata", "metadata", "content", "new", "new", "new", "new"]  # newest first
    content = feed.entries[2]
    assert content.title == "UNESCO: Azerbaijan | Technology | Education Profiles (content change)"
    assert content.link == ("https://archive.example.org/web/20261103060000/"
                            f"{BASE}/azerbaijan/technology")
    assert content.summary.startswith("+2 −2 lines; 2.1. Education technology")
    html = content.content[0].value
    assert f'<a href="{BASE}/azerbaijan/technology"' in html                  # the live page
    assert "2.2.1. Technology infrastructure and digital capacity of schools: 1 sentence changed" \
        in html and ">second</ins>" in html
    assert content.id == "tag:archive.example.org,2026-11-03:event/5"
    assert content.author == "UNESCO"


def test_feed_per_source_limit_and_without_public_url(store: Any) -> None:
    record_history(store)
    feed = feedparser.parse(atom_feed(store, source=SOURCE.name, limit=2))
    assert not feed.bozo
    assert len(feed.entries) == 2
    assert feed.entries[0].link == f"{BASE}/unicef/education"      # the live page
    assert feedparser.parse(atom_feed(store, source="nope")).entries == []
