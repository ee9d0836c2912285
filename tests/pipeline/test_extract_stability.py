"""Stable extraction: the same visible article text gives the same fingerprint whatever its markup
(links added or removed, menus grown, wrappers, a ``<table>`` layout), and a one-word edit of the
article is still seen. On the four samples and a legacy table-layout NGO page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import lxml.html
import pytest

from pipeline.analyse import analyse_fetch
from pipeline.layout import is_layout_table
from pipeline.types import Fetched, Profile
from profilewatch import samples

SAMPLES = ("ngo-news", "undp-press-release", "unesco-profile", "unicef-page")

LEGACY = """<html><head><title>Caucasus Children's Fund - News</title></head>
<body bgcolor="#ffffff"><table width="760" border="0" cellpadding="0" cellspacing="0">
<tr><td colspan="2"><img src="/img/logo.gif" alt="Caucasus Children's Fund"></td></tr>
<tr><td width="160" valign="top" bgcolor="#e0e8f0"><font face="Verdana" size="1">
<a href="/">Home</a><br><a href="/about.html">About us</a><br><a href="/projects.html">Projects</a><br>
<a href="/news.html">News</a><br><a href="/contacts.html">Contacts</a></font></td>
<td valign="top"><table width="100%" cellpadding="8"><tr><td>
<font face="Arial" size="2"><b>Teachers of Ganja trained in inclusive methods</b><br><br>
On 12 March the Fund held a three-day training for forty teachers from the schools of Ganja on
inclusive teaching methods, with the support of the regional education department and the
parents' association of the city.<br><br>
The participants learned how to adapt lessons for children with disabilities, how to work with
assistant teachers and how to involve families in the learning of their children. Each school
will now prepare a plan for the next academic year.<br><br>
Documents of the training:<ul><li><a href="/docs/agenda.pdf">Agenda of the training</a></li>
<li><a href="/docs/slides.pdf">Slides of the sessions</a></li>
<li><a href="/docs/report.pdf">Report on the results</a></li></ul>
<table border="1"><tr><th>Year</th><th>Teachers trained</th></tr><tr><td>2023</td><td>25</td></tr>
<tr><td>2024</td><td>40</td></tr></table>
The Fund thanks the teachers and the department for their work.</font>
</td></tr></table></td></tr>
<tr><td colspan="2" align="center"><font size="1">© 2003-2024 Caucasus Children's Fund</font></td></tr>
</table></body></html>"""

Mutation = Callable[[lxml.html.HtmlElement], None]


def _content(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The article's container: <main>/<article>, else what holds the headline (<h1>, or the
    legacy page's bold title)."""
    found = tree.xpath("//main|//*[@role='main']|//article|//h1/..|//font[b]")
    return found[0]


def unlink_one_list_item(tree: lxml.html.HtmlElement) -> None:
    """The first link that is a whole list item becomes plain text (the held-out report's case)."""
    for item in tree.iter("li"):
        links = list(item.iter("a"))
        if len(links) == 1 and links[0].text_content().strip() == item.text_content().strip():
            links[0].drop_tag()
            return


def link_some_words(tree: lxml.html.HtmlElement) -> None:
    for paragraph in list(_content(tree).iter("p"))[:5]:
        if paragraph.text and paragraph.text.strip():
            word, _, rest = paragraph.text.partition(" ")
            paragraph.text = ""
            link = lxml.html.Element("a", href="/glossary")
            link.text, link.tail = word, f" {rest}"
            paragraph.insert(0, link)


def unlink_everything_in_content(tree: lxml.html.HtmlElement) -> None:
    """Every link of the article's running text (paragraphs, and lists among them) unlinked."""
    content = _content(tree)
    for link in list(content.iter("a")):
        if link.getparent() is not None and (link.getparent().tag == "p" or any(
                a.tag == "ul" and a.getparent() is content for a in link.iterancestors())):
            link.drop_tag()


def grow_menus(tree: lxml.html.HtmlElement) -> None:
    """A new item in every list and cell made of links outside the article (menus, link bars)."""
    article = _content(tree)
    for element in list(tree.iter("ul", "td")):
        if article in element.iterancestors() or element is article:
            continue
        links = list(element.iter("a"))
        if len(links) >= 3 and sum(len(a.text_content()) for a in links) >= 0.8 * len(
                element.text_content().strip()):
            if element.tag == "ul":
                element.append(lxml.html.fragment_fromstring('<li><a href="/new">New page</a></li>'))
            else:
                element.append(lxml.html.fragment_fromstring('<a href="/new">New page</a>'))


def rewrap(tree: lxml.html.HtmlElement) -> None:
    """Presentational wrappers around paragraphs and an extra container around the content."""
    for paragraph in list(tree.iter("p"))[:8]:
        font = lxml.html.Element("font", face="Arial")
        font.text, paragraph.text = paragraph.text, None
        for child in list(paragraph):
            font.append(child)
        paragraph.append(font)
    content = _content(tree)
    wrapper = lxml.html.Element("div", **{"class": "content-wrapper"})
    for child in list(content):
        wrapper.append(child)
    content.append(wrapper)


def nest_layout(tree: lxml.html.HtmlElement) -> None:
    """The whole body one layout table deeper (a redesign of the old template)."""
    body = tree.find("body")
    table = lxml.html.fragment_fromstring("<table width='100%'><tr><td></td></tr></table>")
    cell = table.find(".//td")
    for child in list(body):
        cell.append(child)
    body.append(table)


MUTATIONS: dict[str, Mutation] = {
    "unlink-list-item": unlink_one_list_item, "link-words": link_some_words,
    "unlink-all": unlink_everything_in_content, "grow-menus": grow_menus, "rewrap": rewrap,
    "nest-layout": nest_layout,
}


def fingerprint(html: str) -> tuple[str, str]:
    fetched = Fetched(url="https://example.org/page", source="s", fetched_at=datetime.now(UTC),
                      status=200, headers={"content-type": "text/html; charset=utf-8"},
                      body=html.encode())
    extracted = analyse_fetch(fetched, Profile()).extracted
    assert extracted is not None
    return extracted.text_sha256, extracted.text


def mutated(html: str, mutation: Mutation) -> str:
    tree = lxml.html.document_fromstring(html)
    mutation(tree)
    return lxml.html.tostring(tree, encoding="unicode")


PAGES = {**{name: samples.load_sample(name) for name in SAMPLES}, "legacy-ngo": LEGACY}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
@pytest.mark.parametrize("page", list(PAGES))
def test_markup_without_visible_change_keeps_the_fingerprint(page: str, mutation: str) -> None:
    html = PAGES[page]
    before = fingerprint(mutated(html, lambda tree: None))
    after = fingerprint(mutated(html, MUTATIONS[mutation]))
    assert after[0] == before[0], f"{page}/{mutation}:\n{before[1][:2000]}\n---\n{after[1][:2000]}"


@pytest.mark.parametrize("page", list(PAGES))
def test_a_one_word_edit_of_the_article_is_seen(page: str) -> None:
    html = PAGES[page]
    word = {"legacy-ngo": "forty teachers"}.get(page)
    edited = samples.edit_text(html, 1) if word is None else html.replace(word, "fifty teachers")
    assert fingerprint(edited)[0] != fingerprint(html)[0]
    for mutation in MUTATIONS.values():    # also under a markup change
        assert fingerprint(mutated(edited, mutation))[0] != fingerprint(mutated(html, mutation))[0]


def test_the_legacy_page_reads_as_its_article() -> None:
    _, text = fingerprint(LEGACY)
    assert text.startswith("Teachers of Ganja trained in inclusive methods")
    assert "three-day training for forty teachers" in text and "thanks the teachers" in text
    assert "About us" not in text and "Contacts" not in text
    assert "Slides of the sessions" in text                     # the article's list of documents
    assert "| 2024 | 40 |" in text                               # the data table stays a table


def test_data_tables_are_not_layout() -> None:
    tree = lxml.html.document_fromstring(LEGACY)
    tables = list(tree.iter("table"))
    assert [is_layout_table(t) for t in tables] == [True, True, False]
