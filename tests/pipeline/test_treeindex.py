"""The shared tag walk answers exactly what ``tree.iter`` would, and only for its own tree."""

from __future__ import annotations

from lxml.html import document_fromstring

from pipeline.analyse import analyse_fetch
from pipeline.treeindex import first_text, indexed, tagged
from pipeline.types import Profile
from profilewatch import samples

PAGE = """<html><head><title>First</title><meta name="a" content="1"><link rel="canonical"
href="/x"><script type="application/ld+json">{}</script></head><body><h1></h1><h1>Head</h1>
<meta property="og:title" content="In the body"><svg><title>Icon</title></svg>
<p><time datetime="2024-05-01">1 May</time><!-- <meta name="comment"> --></p>
<script>var x;</script><link rel="stylesheet" href="/s.css"></body></html>"""


def test_the_index_answers_as_a_walk_of_the_tree() -> None:
    tree = document_fromstring(PAGE)
    combos = [("meta",), ("link",), ("title",), ("h1",), ("time",), ("script",), ("meta", "link"),
              ("title", "h1", "meta"), ("a",), ("meta", "a")]
    walked = {tags: list(tree.iter(*tags)) for tags in combos}
    with indexed(tree):
        for tags in combos:
            assert list(tagged(tree, *tags)) == walked[tags], tags
        body = tree.find("body")
        assert list(tagged(body, "meta")) == list(body.iter("meta"))   # another root: a walk
        assert first_text(tree, "title") == tree.findtext(".//title") == "First"
        assert first_text(tree, "h1") == tree.findtext(".//h1") == ""
        assert first_text(tree, "nav") is None
    assert [e.get("content") for e in tagged(tree, "meta")] == ["1", "In the body"]


def test_pages_read_the_same_with_and_without_the_shared_walk() -> None:
    """Stage 7 of the analysis gives the same title, metadata, date and text whether its readers
    share the walk or each walk the tree (the shared walk switched off)."""
    from datetime import UTC, datetime

    from pipeline import analyse
    from pipeline.types import Fetched

    def run(html: str) -> object:
        fetched = Fetched(url="https://www.unicef.org/x", source="s", fetched_at=datetime.now(UTC),
                          status=200, headers={"content-type": "text/html; charset=utf-8"},
                          body=html.encode())
        return analyse_fetch(fetched, Profile(site="generic")).extracted

    pages = [samples.load_sample(name) for name in
             ("ngo-news", "undp-press-release", "unesco-profile", "unicef-page")]
    shared = [run(html) for html in pages]
    original = analyse.indexed
    try:
        analyse.indexed = _no_index     # type: ignore[assignment]
        walked = [run(html) for html in pages]
    finally:
        analyse.indexed = original      # type: ignore[assignment]
    assert shared == walked
    assert all(page is not None for page in shared)


class _no_index:
    def __init__(self, tree: object) -> None:
        pass

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
