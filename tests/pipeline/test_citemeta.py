"""Reading a page's citation metadata (pipeline.citemeta): each family, and markup extruct alone
gets wrong."""

from __future__ import annotations

import lxml.html

from pipeline.citemeta import read_citation_metadata
from pipeline.extract import parse_html


def meta(head: str, body: str = "") -> dict[str, object]:
    return read_citation_metadata(parse_html(f"<html><head>{head}</head><body>{body}</body></html>"))


def test_every_family_as_the_page_declares_it() -> None:
    found = meta('<title>T | Site</title><meta name="citation_title" content="Highwire title">'
                 '<meta name="citation_author" content="Smith, Jane"><meta name="citation_author" '
                 'content="John Doe"><meta name="citation_date" content="2020/01/02">'
                 '<meta name="DC.creator" content="Aliyev, Rashad"><meta name="dcterms.modified" '
                 'content="2021-03-04"><meta property="og:site_name" content="Site">'
                 '<meta name="author" content="A; B">', "<h1>Heading</h1>")
    assert found["highwire"] == {"title": "Highwire title", "authors": ["Smith, Jane", "John Doe"],
                                 "date": "2020/01/02"}
    assert found["dc"] == {"creators": ["Aliyev, Rashad"], "modified": "2021-03-04"}
    assert found["og"] == {"site_name": "Site"}
    assert (found["authors"], found["title"], found["h1"]) == (["A", "B"], "T | Site", "Heading")


def test_json_ld_graph_references_and_a_broken_block() -> None:
    found = meta('<script type="application/ld+json">{"@graph": ['
                 '{"@type": "WebSite", "@id": "#s", "name": "The Site"},'
                 '{"@type": "WebPage", "@id": "#p", "name": "Page - The Site", "isPartOf": {"@id": "#s"}},'
                 '{"@type": ["Article"], "headline": "Page", "isPartOf": {"@id": "#p"},'
                 ' "author": [{"@id": "#a"}, {"@type": "Organization", "name": "Desk"}],'
                 ' "publisher": {"@type": "Organization", "name": "Org"}, "datePublished": "2024-01-02"},'
                 '{"@type": "Person", "@id": "#a", "givenName": "Dana", "familyName": "Sultanova"}]}'
                 '</script><script type="application/ld+json">{ broken</script>')
    # one unreadable block makes extruct raise for the page: each block is read on its own
    assert found["jsonld"] == {
        "type": "Article", "title": "Page", "page_name": "Page - The Site",
        "authors": [{"type": "Person", "name": "Dana Sultanova", "given": "Dana", "family": "Sultanova"},
                    {"type": "Organization", "name": "Desk"}],
        "publisher": {"type": "Organization", "name": "Org"}, "part_of": "The Site",
        "published": "2024-01-02"}


def test_what_extruct_alone_misreads() -> None:
    # extruct files any meta name ending in a Dublin Core term as Dublin Core, and reads
    # Open Graph from property= only
    found = meta('<meta name="description" content="d"><meta name="title" content="t">'
                 '<meta name="date" content="2020-01-01"><meta name="og:site_name" content="Named">')
    assert "dc" not in found
    assert found["og"] == {"site_name": "Named"}


def test_a_visible_published_line_and_the_tree_left_as_parsed() -> None:
    tree = parse_html('<html><head><meta name="DC.title" content="x"></head><body><p>Report</p>'
                      "<p>Published: 1 February 2022</p><p>Unpublished drafts: 3</p></body></html>")
    before = lxml.html.tostring(tree)
    assert read_citation_metadata(tree)["published"] == {"text": "1 February 2022",
                                                         "value": "2022-02-01"}
    assert lxml.html.tostring(tree) == before     # extruct annotates what it reads: a copy is read


def test_a_page_with_nothing_declared() -> None:
    assert meta("", "<p>text</p>") == {"v": 1}


def test_hostile_json_ld_costs_only_itself() -> None:
    deep = '<script type="application/ld+json">' + "[" * 100_000 + "]" * 100_000 + "</script>"
    good = ('<script type="application/ld+json">{"@type": "Article", "headline": "Kept",'
            ' "author": [null, 3, {"@type": "Person"}, {"@type": "Person", "name": "Ann Lee"}]}</script>')
    found = meta(deep + good)
    assert found["jsonld"] == {"type": "Article", "title": "Kept",
                               "authors": [{"type": "Person", "name": "Ann Lee"}]}


def test_the_published_line_of_the_article_not_of_a_sidebar() -> None:
    found = meta("", "<aside><p>Posted on 3 March 2019: another story</p></aside>"
                     "<article><h1>Story</h1><p>Published 7 July 2021</p></article>")
    assert found["published"] == {"text": "7 July 2021", "value": "2021-07-07"}


def test_a_time_beside_a_modification_label_is_not_the_publication_date() -> None:
    found = meta("", '<article><div><div class="label">Last modified:</div><div><time '
                     'datetime="2024-08-05T15:13:00Z">Mon, 05/08/2024</time></div></div>'
                     '<p>Posted <time datetime="2020-02-03">3 February 2020</time></p></article>')
    assert found["time"] == {"value": "2020-02-03", "text": "3 February 2020"}
    assert "time" not in meta("", '<article><div>Last updated:</div><div><time datetime="2024-08-05">'
                                  "5 Aug</time></div></article>")
