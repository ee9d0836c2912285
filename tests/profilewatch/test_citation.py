"""Citations in every style from one record: the seed pages in MLA 9, Chicago and BibLaTeX (APA and
CSL-JSON of every golden page are in test_citation_golden.py), each style's rule for an organisation
that is author and site, and citing versions recorded before citation metadata was stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from pipeline.analyse import analyse_fetch
from pipeline.types import Fetched, Profile
from profilewatch.citation import STYLES, citation_record, citations, cite
from storage.results import CheckInput, VersionInfo
from storage.store import Store
from tests.support.archive import SEEDS, T0, add_sources, record, seed_archive
from tests.support.citation_pages import PAGES

BASE = "https://archive.example.org"
PEER = SEEDS["unesco-profile"].url
UNICEF = SEEDS["unicef-page"].url
PERSONS = PAGES["jsonld-article-persons"]


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    store = Store.open("sqlite:///:memory:")
    seed_archive(store)
    add_sources(store, {PERSONS.url: ("news", None)})
    record(store, PERSONS.url, "news", PERSONS.html, T0)
    yield store
    store.close()


@pytest.fixture(scope="module")
def versions(store: Store) -> dict[str, VersionInfo]:
    return {**{name: store.version(seed.url) for name, seed in SEEDS.items()},
            "persons": store.version(PERSONS.url)}


def note(v: VersionInfo, base: str = BASE) -> str:
    return (f"Archived version 1, captured 2024-06-01T12:30:45Z, SHA-256 {v.content_sha256}, "
            f"{base}/web/20240601123045/{v.url}")


def test_mla_9(versions: dict[str, VersionInfo]) -> None:
    peer, unicef, persons = versions["unesco-profile"], versions["unicef-page"], versions["persons"]
    assert cite(peer, "mla", BASE) == (
        f"UNESCO. “Azerbaijan | Technology.” Education Profiles, 5 Aug. 2024, {PEER}. {note(peer)}.")
    assert cite(unicef, "mla", BASE) == (
        f"UNICEF. “Inclusive Education.” UNICEF Azerbaijan, {UNICEF}. Accessed 1 June 2024. "
        f"{note(unicef)}.")
    # persons in full (citeproc-py would initialise them: see citation_csl), et al. from three on
    assert cite(persons, "mla").startswith(
        "Hasanova, Amina, et al. “Girls in STEM: The First Cohort Graduates.” Example News, "
        f"8 Mar. 2024, {PERSONS.url}. Archived version 1")


def test_chicago_notes_bibliography(versions: dict[str, VersionInfo]) -> None:
    peer, unicef, persons = versions["unesco-profile"], versions["unicef-page"], versions["persons"]
    assert cite(peer, "chicago", BASE) == (
        f"UNESCO. “Azerbaijan | Technology.” Education Profiles, August 5, 2024. {PEER}. "
        f"{note(peer)}.")
    # no date on the page: the access date
    assert cite(unicef, "chicago", BASE) == (
        f"UNICEF. “Inclusive Education.” UNICEF Azerbaijan. Accessed June 1, 2024. {UNICEF}. "
        f"{note(unicef)}.")
    assert cite(persons, "chicago").startswith(
        "Hasanova, Amina, Timur Bekov, and Example News Desk. “Girls in STEM: The First Cohort "
        f"Graduates.” Example News, March 8, 2024. {PERSONS.url}. Archived version 1")


def test_an_organisation_that_is_author_and_site_is_named_once(versions: dict[str, VersionInfo]) -> None:
    un = versions["undp-press-release"]        # author and site: United Nations in Azerbaijan
    title = ("EU Funded Inclusive Vocational Arts and Crafts Training Centre successfully relocated "
             "to Baku’s State Vocational Education Centre")
    assert cite(un, "apa").startswith(f"United Nations in Azerbaijan. (2021, May 20). {title}. https://")
    # MLA 9 begins with the title (citeproc-py printed it twice: see citation_csl)
    assert cite(un, "mla").startswith(
        "“EU Funded Inclusive Vocational Arts and Crafts Training Centre Successfully Relocated to "
        "Baku’s State Vocational Education Centre.” United Nations in Azerbaijan, 20 May 2021, https://")
    assert cite(un, "chicago").startswith(
        "United Nations in Azerbaijan. “EU Funded Inclusive Vocational Arts and Crafts Training Centre "
        "Successfully Relocated to Baku’s State Vocational Education Centre.” May 20, 2021. https://")
    entry = cite(un, "bibtex")
    assert "organization" not in entry and "  author = {{United Nations in Azerbaijan}},\n" in entry
    # CSL-JSON keeps both fields
    item = json.loads(cite(un, "csl-json"))[0]
    assert item["author"] == [{"literal": "United Nations in Azerbaijan"}]
    assert item["container-title"] == "United Nations in Azerbaijan"


def test_biblatex_online(versions: dict[str, VersionInfo]) -> None:
    peer, persons = versions["unesco-profile"], versions["persons"]
    assert cite(peer, "bibtex", BASE) == (
        "@online{unesco20240601123045azerbaijan,\n"
        "  author = {{UNESCO}},\n"
        "  title = {Azerbaijan | Technology},\n"
        "  organization = {Education Profiles},\n"
        "  date = {2024-08-05},\n"
        f"  url = {{{PEER}}},\n"
        "  urldate = {2024-06-01},\n"
        "  note = {Archived version 1, captured 2024-06-01T12:30:45Z, SHA-256 "
        f"{peer.content_sha256}}},\n"
        f"  addendum = {{Archived copy: \\url{{{BASE}/web/20240601123045/{PEER}}}}}\n"
        "}")
    entry = cite(persons, "bibtex")
    assert "  author = {Hasanova, Amina and Bekov, Timur and {Example News Desk}},\n" in entry
    assert "  title = {Girls in {STEM}: the first cohort graduates},\n" in entry   # acronyms kept
    assert "addendum" not in entry


def test_csl_json_with_a_public_url(versions: dict[str, VersionInfo]) -> None:
    peer = versions["unesco-profile"]
    item = json.loads(cite(peer, "csl-json", BASE))[0]
    assert item["archive"] == "profilewatch"
    assert item["archive_location"] == f"{BASE}/web/20240601123045/{PEER}"
    assert item["note"] == note(peer)
    assert json.loads(cite(peer, "csl-json"))[0]["note"] == note(peer, base="")


def test_declared_date_is_the_day_the_page_shows(versions: dict[str, VersionInfo]) -> None:
    # Kazakhstan's profile: "Fri, 23/07/2021 - 00:01" Paris time is 22:01 UTC the day before
    kazakhstan = replace(versions["unesco-profile"], last_modified="2021-07-22T22:01:00Z",
                         last_modified_text="Fri, 23/07/2021 - 00:01")
    assert "(2021, July 23)" in cite(kazakhstan, "apa")
    assert "July 23, 2021." in cite(kazakhstan, "chicago")
    assert "23 July 2021" in cite(kazakhstan, "mla")
    muddled = replace(kazakhstan, last_modified="2026-11-01T09:30:00Z",
                      last_modified_text="Sun, 11/01/2026 - 10:30")
    assert "(2026, November 1)" in cite(muddled, "apa")
    # a date the pipeline did not trust (weekday contradicts it) is not cited; the HTTP header never
    untrusted = replace(kazakhstan, last_modified=None, last_modified_text="Mon, 23/07/2021 - 00:01")
    assert "(n.d.)" in cite(untrusted, "apa")
    assert "issued" not in json.loads(cite(untrusted, "csl-json"))[0]


def test_escaping_and_capture_time_to_the_second(versions: dict[str, VersionInfo]) -> None:
    odd = replace(versions["unicef-page"], fetched_at=datetime(2025, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC),
                  metadata={**versions["unicef-page"].metadata,
                            "cite": {"og": {"title": "UN costs & 50% of R_D {draft} #1 ~ \\ ^"}}})
    entry = cite(odd, "bibtex", BASE)
    assert (r"title = {{UN} costs \& 50\% of R\_D \{draft\} \#1 \textasciitilde{} "
            r"\textbackslash{} \textasciicircum{}}") in entry
    assert "captured 2025-01-02T03:04:05Z" in entry and "/web/20250102030405/" in entry
    assert "Retrieved January 2, 2025" in cite(odd, "apa")


def test_a_version_recorded_before_citation_metadata_is_cited_from_its_capture(
        store: Store, versions: dict[str, VersionInfo]) -> None:
    persons = versions["persons"]
    old = replace(persons, metadata={k: v for k, v in persons.metadata.items() if k != "cite"})
    assert citation_record(old, captures=store) == citation_record(persons)
    # without the capture (pruned, unreadable): the stored title less its site name, the site
    record = citation_record(old)
    assert (record.title, record.container, record.authors) == (
        "Girls in STEM: the first cohort graduates", "Example News", ({"literal": "Example News"},))

    class Pruned:
        def body(self, version: VersionInfo) -> bytes:
            raise FileNotFoundError("capture pruned")

    assert citation_record(old, captures=Pruned()) == record


def test_every_style_from_one_record(versions: dict[str, VersionInfo]) -> None:
    peer = versions["unesco-profile"]
    every = citations(peer, BASE)
    assert list(every) == list(STYLES) == ["apa", "mla", "chicago", "bibtex", "csl-json"]
    for style, text in every.items():
        assert text == cite(peer, style, BASE)
        for element in ("UNESCO", "Azerbaijan | Technology", "Education Profiles", PEER,
                        f"{BASE}/web/20240601123045/{PEER}", peer.content_sha256):
            assert element in text, (style, element)
    with pytest.raises(ValueError, match="unknown citation style"):
        cite(peer, "harvard")


def test_a_site_profiles_default_organisation_is_not_the_sources() -> None:
    page = PAGES["peer-title-suffix"]
    store = Store.open("sqlite:///:memory:")
    add_sources(store, {page.url: ("peer", None)})
    body = page.html.encode()
    fetched = Fetched(url=page.url, source="peer", fetched_at=T0, status=200, final_url=page.url,
                      headers={"content-type": "text/html; charset=utf-8"}, body=body)
    analysis = analyse_fetch(fetched, Profile(site="unesco"))     # the unesco spider, no organisation
    store.record(CheckInput(url=page.url, source="peer", fetched_at=T0, analysis=analysis, status=200,
                            final_url=page.url, body=body, body_size=len(body)))
    version = store.version(page.url)
    assert version.organisation == "UNESCO"                        # the site profile's default
    item = json.loads(cite(version, "csl-json"))[0]
    assert (item["author"], item["title"], item["container-title"]) == (
        [{"literal": "PEER Education Profiles"}], "Kazakhstan – Technology", "PEER Education Profiles")
    store.close()
