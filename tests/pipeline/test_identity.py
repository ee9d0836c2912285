"""The not-the-page rule without a crawl: ``judge_page`` on pages as the pipeline reads them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.analyse import analyse_fetch
from pipeline.identity import (
    EDITED_TEXT,
    SAME_TEXT,
    PageIdentity,
    PreviousPage,
    address_key,
    is_home_of,
    judge_page,
    slug_words,
    text_likeness,
)
from pipeline.types import Analysis, Fetched, Profile
from profilewatch import samples
from tests.support import interstitials as pages

WATCHED = "https://site.test/news/teacher-training-week"
SAMPLES = ("ngo-news", "undp-press-release", "unesco-profile", "unicef-page")


def analyse(html: str, final: str = WATCHED, previous: PreviousPage | None = None,
            previous_text: str | None = None, url: str = WATCHED) -> Analysis:
    fetched = Fetched(url=url, source="s", fetched_at=datetime.now(UTC), status=200, final_url=final,
                      headers={"content-type": "text/html; charset=utf-8"}, body=html.encode())
    return analyse_fetch(fetched, Profile(), previous, lambda: previous_text)


ARTICLE = pages.article_html("Teacher training week", "teacher")
BASE = analyse(ARTICLE).extracted
assert BASE is not None
PREVIOUS = PreviousPage(WATCHED, BASE.title, "Teacher training week", "en")


def reason(html: str, final: str, *, versioned: bool = True) -> str | None:
    analysis = analyse(html, final, PREVIOUS if versioned else None,
                       BASE.text if versioned else None)
    return analysis.reason if analysis.extracted is None else None


@pytest.mark.parametrize("versioned", [True, False], ids=["with-version", "no-version"])
@pytest.mark.parametrize(("html", "final", "expected"), [
    (pages.login_html(), "https://site.test/account/login", "login page"),
    (pages.login_html(), WATCHED, "login page"),                         # served directly
    (pages.consent_html(), "https://site.test/consent", "consent page"),
    (pages.chooser_html(), "https://site.test/", "language chooser"),
    (pages.search_html("teacher"), "https://site.test/search?q=teacher", "search page"),
    (pages.listing_html(), "https://site.test/archive", "listing page"),
    (pages.home_html(), "https://site.test/", "home page"),
    (pages.home_html(), "https://site.test/en", "home page"),           # a language root
    (pages.listing_html(), "https://site.test/news", "home page"),       # the section's home
    (pages.article_html("Budget cuts", "budget"), "https://site.test/news/budget-cuts",
     "redirected away to https://site.test/news/budget-cuts"),
], ids=["login", "login-direct", "consent", "chooser", "search", "listing", "home", "lang-root",
        "section", "other-article"])
def test_pages_that_are_not_the_watched_one(html: str, final: str, expected: str,
                                            versioned: bool) -> None:
    assert reason(html, final, versioned=versioned) == expected


@pytest.mark.parametrize("final", [
    WATCHED, "http://site.test/news/teacher-training-week", "https://www.site.test/news/teacher-training-week",
    WATCHED + "/", WATCHED + "/index.html", "https://site.test/news/teacher-training-week-2024",
    "https://site.test/archive/2024/teacher-training-week-held",
], ids=["same", "http", "www", "slash", "index", "renamed-slug", "new-path"])
@pytest.mark.parametrize("versioned", [True, False], ids=["with-version", "no-version"])
def test_moved_pages_are_the_page(final: str, versioned: bool) -> None:
    edited = pages.article_html("Teacher training week", "teacher", edit="One more sentence.")
    assert reason(edited, final, versioned=versioned) is None


def test_a_moved_page_with_a_new_title_is_judged_by_its_text() -> None:
    retitled = pages.article_html("Teachers trained in every district", "teacher")
    assert reason(retitled, "https://site.test/node/991") is None            # same text
    other = pages.article_html("Teachers trained in every district", "districts")
    assert reason(other, "https://site.test/node/991") == "redirected away to https://site.test/node/991"


def test_a_canonical_link_to_the_home_page_is_the_home_page() -> None:
    home = pages.home_html().replace("<head>", '<head><link rel="canonical" href="https://site.test/">')
    assert reason(home, WATCHED) == "home page"
    # an article that declares itself is the page, wherever it answered from
    declared = pages.article_html("Budget", "budget", head=f'<link rel="canonical" href="{WATCHED}">')
    assert reason(declared, "https://site.test/node/5") is None


def test_a_watched_listing_stays_watched() -> None:
    url = "https://site.test/news-archive"
    listing = pages.listing_html()
    first = analyse(listing, url, url=url).extracted
    assert first is not None                                           # no version yet: its slug
    previous = PreviousPage(url, first.title, "News archive", "en")
    changed = listing.replace("Story 3", "Story three")
    assert analyse(changed, url, previous, first.text, url=url).extracted is not None


def test_a_language_change_under_a_redirect_is_another_document() -> None:
    russian = pages.article_html("Teacher training week", "teacher", lang="ru")
    assert reason(russian, "https://site.test/ru/news/teacher-training-week") == (
        "redirected away to https://site.test/ru/news/teacher-training-week")


def test_the_previous_text_is_read_only_when_in_doubt() -> None:
    reads: list[int] = []

    def previous_text() -> str:
        reads.append(1)
        return BASE.text

    page = PageIdentity(WATCHED, title=BASE.title, h1="Teacher training week")
    assert judge_page(WATCHED, page, None, BASE.text, PREVIOUS, previous_text) is None
    moved = PageIdentity("http://site.test/news/teacher-training-week/", title=BASE.title)
    assert judge_page(WATCHED, moved, None, BASE.text, PREVIOUS, previous_text) is None
    assert reads == []
    elsewhere = PageIdentity("https://site.test/x/y", title=BASE.title)
    assert judge_page(WATCHED, elsewhere, None, BASE.text, PREVIOUS, previous_text) is None
    assert reads


def _text(html: str) -> str:
    extracted = analyse(html).extracted
    assert extracted is not None
    return extracted.text


def test_thresholds_separate_the_samples() -> None:
    """SAME_TEXT and EDITED_TEXT sit between edited versions and other documents (see
    pipeline/identity.py: the measured values)."""
    texts = {name: _text(samples.load_sample(name)) for name in SAMPLES}
    for name, text in texts.items():
        for edits in (1, 3):
            assert text_likeness(text, _text(samples.edit_text(samples.load_sample(name), edits))) > 0.9
        for other, other_text in texts.items():
            if other != name:
                assert text_likeness(text, other_text) < EDITED_TEXT / 5
    assert text_likeness(BASE.text, _text(pages.home_html())) < EDITED_TEXT < SAME_TEXT


def test_addresses() -> None:
    assert address_key("http://WWW.Site.test/a/b/") == address_key("https://site.test/a/b/index.html")
    assert is_home_of("https://site.test/", WATCHED) and is_home_of("https://site.test/news", WATCHED)
    assert not is_home_of(WATCHED, WATCHED) and not is_home_of("https://other.test/", WATCHED)
    assert not is_home_of("https://site.test/", "https://site.test/")
    assert slug_words("https://x.test/en/127239-eu-funded-centre") == {"127239", "eu", "funded", "centre"}
    assert slug_words("https://education-profiles.org/a/azerbaijan/~technology") == {"technology"}


def test_another_document_under_the_watched_address() -> None:
    other = pages.article_html("Budget cuts announced", "budget")
    assert reason(other, WATCHED) == "another page (Budget cuts announced | Children's Network)"
    assert reason(other, WATCHED, versioned=False) is None            # nothing to compare with
    # a retitled page keeping its <h1>, or its text, is the page
    retitled = pages.article_html("Teacher training week", "teacher").replace(
        "<title>Teacher training week", "<title>Teacher training week 2024")
    assert reason(retitled, WATCHED) is None


def test_another_language_path_is_another_document_even_without_a_version() -> None:
    url = "https://site.test/en/news/teacher-training-week"
    html = pages.article_html("Teacher training week", "teacher")
    analysis = analyse(html, "https://site.test/ru/news/teacher-training-week", url=url)
    assert analysis.reason == "redirected away to https://site.test/ru/news/teacher-training-week"
