"""Site profiles and URL rules (``pipeline.sites``) on the bundled samples, without a crawl."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.analyse import analyse_fetch
from pipeline.extract import parse_html
from pipeline.sites import site_profile
from pipeline.sites.pages import content_links, language_variants, pagination_links, visible_date
from pipeline.sites.undp import UndpProfile, is_listing_item, parse_undp_url
from pipeline.sites.unesco import UnescoProfile, entry_url, parse_peer_url, profile_links
from pipeline.sites.unicef import UnicefProfile, is_section_item, parse_unicef_url
from pipeline.types import Analysis, Fetched, Outcome, Profile
from profilewatch import samples

PEER = "https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology"
UNICEF = "https://www.unicef.org/azerbaijan/inclusive-education"
UN = ("https://azerbaijan.un.org/en/127239-eu-funded-inclusive-vocational-arts-and-crafts-"
      "training-centre-successfully-relocated-bakus")


def analyse(html: str, url: str, site: str) -> Analysis:
    return analyse_fetch(Fetched(url=url, source="s", fetched_at=datetime.now(UTC), status=200,
                                 headers={"content-type": "text/html"}, body=html.encode()),
                         Profile(site=site))


def test_registry_by_spider_kind() -> None:
    assert isinstance(site_profile("unesco"), UnescoProfile)
    assert isinstance(site_profile("unicef"), UnicefProfile)
    assert isinstance(site_profile("undp"), UndpProfile)
    assert type(site_profile("generic")).__name__ == "SiteProfile"
    assert type(site_profile("nonsense")).__name__ == "SiteProfile"


def test_peer_profile_metadata() -> None:
    analysis = analyse(samples.load_sample("unesco-profile"), PEER, "unesco")
    assert analysis.outcome is Outcome.OK and analysis.extracted is not None
    meta = analysis.extracted.metadata
    assert {k: meta[k] for k in ("organisation", "country", "region", "theme", "language",
                                 "theme_name", "validated")} == {
        "organisation": "UNESCO", "country": "azerbaijan", "region": "northern-africa-and-western-asia",
        "theme": "technology", "language": "en", "theme_name": "Technology", "validated": "No"}
    assert set(meta["variants"]) == {"en", "fr", "es"}
    declared = analysis.extracted.declared
    assert declared is not None and declared.text == "Mon, 05/08/2024 - 17:13"
    assert declared.value == "2024-08-05T15:13:00Z" and meta["declared"]["origin"] == "last-modified-line"
    assert "Last modified" not in analysis.extracted.text     # metadata, not content


def test_peer_weekday_contradiction_keeps_the_literal() -> None:
    html = samples.load_sample("unesco-profile").replace("Mon, 05/08/2024", "Tue, 05/08/2024")
    analysis = analyse(html, PEER, "unesco")
    assert analysis.extracted is not None
    declared = analysis.extracted.declared
    assert declared is not None and declared.text == "Tue, 05/08/2024 - 17:13"
    assert declared.value is None and declared.flags == ("weekday-mismatch",)
    assert analysis.extracted.metadata["declared"]["flags"] == ["weekday-mismatch"]


def test_peer_without_time_element_reads_the_literal() -> None:
    html = samples.load_sample("unesco-profile").replace(
        '<time datetime="2024-08-05T15:13:00Z">Mon, 05/08/2024 - 17:13</time>',
        "<span>Fri, 23/07/2021 - 00:01</span>")
    declared = UnescoProfile().declared_date(parse_html(html))
    assert declared is not None and (declared.text, declared.value) == (
        "Fri, 23/07/2021 - 00:01", "2021-07-23T00:01:00")


def test_not_available_in_this_language_fails_even_on_a_long_page() -> None:
    filler = "".join(f"<li>Chapter heading {i} of the table of contents</li>" for i in range(80))
    html = (f'<html lang="es"><head><title>Azerbaiyán</title></head><body><main><ol>{filler}</ol>'
            "<p>The Technology chapter is not available in this language .</p></main></body></html>")
    analysis = analyse(html, PEER.replace("/northern", "/es/northern"), "unesco")
    assert (analysis.outcome, analysis.reason) == (Outcome.FAILED, "not available in this language")
    # the generic profile only catches it on short pages
    assert analyse(html, "http://x.org/p", "generic").outcome is Outcome.OK


def test_translated_peer_page_reports_english_slugs() -> None:
    html = samples.load_sample("unesco-profile").replace('lang="en"', 'lang="fr"', 1)
    url = "https://education-profiles.org/fr/afrique-du-nord-et-asie-occidentale/azerbaidjan/~technologie"
    meta = UnescoProfile().metadata(parse_html(html), url, {})
    assert (meta["country"], meta["theme"], meta["language"]) == ("azerbaijan", "technology", "fr")


def test_unicef_page_metadata_and_no_guessed_date() -> None:
    analysis = analyse(samples.load_sample("unicef-page"), UNICEF, "unicef")
    assert analysis.extracted is not None
    meta = analysis.extracted.metadata
    assert (meta["organisation"], meta["country"], meta["language"], meta["page_type"]) == (
        "UNICEF", "azerbaijan", "en", "page")
    assert analysis.extracted.declared is None       # timeline years are not a date
    assert meta["variants"]["az"] == "https://www.unicef.org/azerbaijan/az/inkl%C3%BCziv-t%C9%99hsil"


def test_un_country_team_press_release() -> None:
    analysis = analyse(samples.load_sample("undp-press-release"), UN, "undp")
    assert analysis.extracted is not None
    meta = analysis.extracted.metadata
    assert (meta["organisation"], meta["site"], meta["country"], meta["node"]) == (
        "United Nations in Azerbaijan", "un", "azerbaijan", "127239")
    declared = analysis.extracted.declared
    assert declared is not None and (declared.text, declared.value, declared.kind) == (
        "20 May 2021", "2021-05-20", "published")
    assert "variants" not in meta     # the "az/127239-..." alternate is a truncated placeholder


def test_undp_date_line() -> None:
    html = ('<html lang="en"><head><title>Visit | United Nations Development Programme</title></head>'
            '<body><main><article><h1>Visit</h1><div class="date">September 24, 2021</div>'
            "<p>The Resident Representative visited Ganja, Barda and Tartar.</p></article>"
            '<aside class="related"><span>October 1, 2021</span></aside></main></body></html>')
    tree = parse_html(html)
    declared = visible_date(tree)
    assert declared is not None and (declared.text, declared.value) == ("September 24, 2021", "2021-09-24")
    meta = UndpProfile().metadata(tree, "https://www.undp.org/azerbaijan/press-releases/visit", {})
    assert (meta["organisation"], meta["country"], meta["section"]) == ("UNDP", "azerbaijan",
                                                                        "press-releases")


def test_url_rules_on_real_urls() -> None:
    peer = parse_peer_url(PEER)
    assert peer is not None and (peer.country, peer.theme, peer.language) == (
        "azerbaijan", "technology", "en")
    spanish = parse_peer_url("https://education-profiles.org/es/america-latina-y-el-caribe/cuba/~inclusion")
    assert spanish is not None and (spanish.language, spanish.country) == ("es", "cuba")
    assert parse_peer_url("https://education-profiles.org/node/385") is None
    assert parse_peer_url("https://education-profiles.org/print/a/b/~c") is None
    assert entry_url("http://127.0.0.1:1/", "kazakhstan") == (
        "http://127.0.0.1:1/central-and-southern-asia/kazakhstan/~inclusion")
    assert entry_url("http://127.0.0.1:1/", "atlantis") is None

    kz = parse_unicef_url("https://www.unicef.org/kazakhstan/en/reports/evidence-inclusive-education")
    assert kz is not None and (kz.country, kz.language, kz.section, kz.base_path) == (
        "kazakhstan", "en", "reports", "/kazakhstan/en")
    listing = parse_unicef_url("https://www.unicef.org/azerbaijan/stories")
    assert listing is not None and listing.is_listing
    assert is_section_item("https://www.unicef.org/azerbaijan/stories/saras-story", listing)
    assert not is_section_item("https://www.unicef.org/azerbaijan/press-releases/x", listing)
    assert not is_section_item("https://www.unicef.org/azerbaijan/stories", listing)

    un_listing = parse_undp_url("https://azerbaijan.un.org/en/press-centre/press-releases")
    assert un_listing is not None and un_listing.is_listing and un_listing.country == "azerbaijan"
    assert is_listing_item(UN, un_listing)
    assert is_listing_item("https://azerbaijan.un.org/en/node/186090", un_listing)
    assert not is_listing_item("https://azerbaijan.un.org/en/about/about-the-un", un_listing)
    undp_listing = parse_undp_url("https://www.undp.org/azerbaijan/press-releases")
    assert undp_listing is not None and undp_listing.is_listing
    assert is_listing_item("https://www.undp.org/azerbaijan/press-releases/undp-visits-ganja",
                           undp_listing)
    legacy = parse_undp_url("https://www.az.undp.org/content/azerbaijan/en/home/presscenter/"
                            "pressreleases/2021/may/x.html")
    assert legacy is not None and (legacy.country, legacy.language, legacy.section) == (
        "azerbaijan", "en", "presscenter")


@pytest.mark.parametrize("base", ["https://education-profiles.org", "http://127.0.0.1:8080"])
def test_peer_links_follow_the_host_they_were_found_on(base: str) -> None:
    tree = parse_html(samples.load_sample("unesco-profile"))
    links = profile_links(tree, base + "/northern-africa-and-western-asia/azerbaijan/~technology")
    themes = {p.theme for p in links.values() if p.country == "azerbaijan" and p.language == "en"}
    assert themes == {"inclusion", "finance", "climate-change-communication-and-education",
                      "non-state-actors", "technology"}
    assert all(url.startswith(base) for url in links)


def test_listing_links() -> None:
    html = ('<html><body><header><nav><a href="/news/menu-item">Menu</a></nav></header><main>'
            '<div class="views-row"><a href="/news/one?utm_source=x#c">One</a></div>'
            '<div class="views-row"><a href="https://other.org/news/two">Two</a></div>'
            '<section class="related"><a href="/news/related">Related</a></section>'
            '<nav class="pager"><a href="?page=0">First</a><a href="?page=1" rel="next">Next</a>'
            '<a href="/news?page=2&amp;utm_medium=e">3</a><a href="/other?page=4">x</a></nav>'
            "</main></body></html>")
    tree = parse_html(html)
    assert content_links(tree, "http://h.org/news") == ["http://h.org/news/one"]
    assert pagination_links(tree, "http://h.org/news") == [
        "http://h.org/news?page=0", "http://h.org/news?page=1", "http://h.org/news?page=2"]
    assert language_variants(tree, "http://h.org/news") == {}
