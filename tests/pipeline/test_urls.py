"""URL normalisation: every spelling of one page gives one URL and one key."""

from __future__ import annotations

import pytest

from pipeline.urls import normalize_url, page_key, path_segments, same_site

SAME_PAGE = [
    "https://www.unicef.org/azerbaijan/stories/saras-story",
    "HTTPS://WWW.UNICEF.ORG/azerbaijan/stories/saras-story",
    "http://www.unicef.org/azerbaijan/stories/saras-story",
    "https://unicef.org/azerbaijan/stories/saras-story",
    "https://www.unicef.org:443/azerbaijan/stories/saras-story/",
    "https://www.unicef.org/azerbaijan/stories/saras-story#main-content",
    "https://www.unicef.org/azerbaijan/stories/saras-story?utm_source=facebook&utm_medium=social",
    "https://www.unicef.org/azerbaijan/stories/saras-story/?fbclid=IwAR0abc&gclid=xyz",
    "https://www.unicef.org/azerbaijan/stories/./saras-story",
]


@pytest.mark.parametrize("url", SAME_PAGE)
def test_spellings_of_one_page_normalise_to_one_url(url: str) -> None:
    assert normalize_url(url) == SAME_PAGE[0]
    assert page_key(url) == "//www.unicef.org/azerbaijan/stories/saras-story"


def test_www_and_scheme_fold_only_where_the_site_is_known_to_serve_both() -> None:
    assert page_key("http://www.caucasuschildren.net/news-events/") == page_key(
        "https://caucasuschildren.net/news-events")
    # unknown sites: www.example.org and example.org may be different sites
    assert page_key("https://www.example.org/a") != page_key("https://example.org/a")
    # the scheme never makes two pages: http and https of one host and path are one page
    assert page_key("http://example.org/a") == page_key("https://example.org/a")
    # a host known to serve https is fetched over https; others keep their scheme
    assert normalize_url("http://education-profiles.org/x/y/~z").startswith("https://")
    assert normalize_url("http://caucasuschildren.net/a") == "http://caucasuschildren.net/a"


def test_what_is_not_tracking_is_kept_and_ordered() -> None:
    assert normalize_url("https://x.org/list?page=2&sort=date&utm_campaign=a") == \
        "https://x.org/list?page=2&sort=date"
    assert normalize_url("https://x.org/list?sort=date&page=2") == \
        "https://x.org/list?page=2&sort=date"
    assert normalize_url("https://x.org") == "https://x.org/"
    assert normalize_url("http://127.0.0.1:8080/a/") == "http://127.0.0.1:8080/a"
    assert normalize_url("https://x.org/caf%c3%a9") == normalize_url("https://x.org/café")


def test_relative_links_and_rejects() -> None:
    base = "https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology"
    assert normalize_url("~inclusion", base) == (
        "https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~inclusion")
    assert normalize_url("?page=1", "https://x.org/news") == "https://x.org/news?page=1"
    for bad in ("mailto:a@b.org", "javascript:void(0)", "/relative/without/base", "ftp://x.org/"):
        with pytest.raises(ValueError):
            normalize_url(bad)


def test_same_site_and_segments() -> None:
    assert same_site("http://unicef.org/a", "https://www.unicef.org/b")
    assert not same_site("http://127.0.0.1:8080/a", "http://127.0.0.1:9090/a")
    assert not same_site("https://www.undp.org/a", "https://azerbaijan.un.org/a")
    assert path_segments("https://x.org/a//b/") == ["a", "b"]
