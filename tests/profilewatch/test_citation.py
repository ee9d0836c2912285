"""Citations of the seed pages, compared with hand-checked strings (APA 7, MLA 9, Chicago 17,
BibLaTeX, CSL-JSON), and the rules of each style on edge cases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from profilewatch.citation import STYLES, cite
from storage.results import VersionInfo
from storage.store import Store
from tests.support.archive import SEEDS, seed_archive

BASE = "https://archive.example.org"
PEER = SEEDS["unesco-profile"].url
UNICEF = SEEDS["unicef-page"].url
UN = SEEDS["undp-press-release"].url
CNC = SEEDS["ngo-news"].url
UN_TITLE = ("EU Funded Inclusive Vocational Arts and Crafts Training Centre successfully relocated "
            "to Baku’s State Vocational Education Centre")


@pytest.fixture(scope="module")
def versions() -> Iterator[dict[str, VersionInfo]]:
    store = Store.open("sqlite:///:memory:")
    seed_archive(store)
    yield {name: store.version(seed.url) for name, seed in SEEDS.items()}
    store.close()


def note(v: VersionInfo, archived: bool = True) -> str:
    tail = f", {BASE}/web/20240601123045/{v.url}" if archived else ""
    return f"Archived version 1, captured 2024-06-01T12:30:45Z, SHA-256 {v.content_sha256}{tail}"


def test_apa_7(versions: dict[str, VersionInfo]) -> None:
    peer, unicef, un, cnc = (versions[k] for k in SEEDS)
    assert cite(peer, "apa", BASE) == (
        "UNESCO. (2024, August 5). Azerbaijan: Technology. Education Profiles. Retrieved June 1, "
        f"2024, from {PEER} [{note(peer)}]")
    # author and site are the same organisation: the site is not repeated; undated: n.d.
    assert cite(unicef, "apa", BASE) == (
        f"UNICEF. (n.d.). Inclusive Education. Retrieved June 1, 2024, from {UNICEF} [{note(unicef)}]")
    assert cite(un, "apa", BASE) == (
        f"United Nations in Azerbaijan. (2021, May 20). {UN_TITLE}. Retrieved June 1, 2024, from "
        f"{UN} [{note(un)}]")
    assert cite(cnc, "apa") == (
        "Caucasus Network for Children. (n.d.). The public was informed about the activities of "
        f"CNC. Retrieved June 1, 2024, from {CNC} [{note(cnc, archived=False)}]")


def test_mla_9(versions: dict[str, VersionInfo]) -> None:
    peer, unicef, un, cnc = (versions[k] for k in SEEDS)
    # the organisation is author and publisher: named once, as publisher (MLA 9, p. 119)
    assert cite(peer, "mla", BASE) == (
        '"Azerbaijan: Technology." Education Profiles, UNESCO, 5 Aug. 2024, '
        "education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology. "
        f"Accessed 1 June 2024. {note(peer)}.")
    # a site named after its publisher: the publisher is left out
    assert cite(unicef, "mla", BASE) == (
        '"Inclusive Education." UNICEF, www.unicef.org/azerbaijan/inclusive-education. '
        f"Accessed 1 June 2024. {note(unicef)}.")
    assert cite(un, "mla", BASE) == (
        f'"{UN_TITLE}." United Nations in Azerbaijan, 20 May 2021, {UN.removeprefix("https://")}. '
        f"Accessed 1 June 2024. {note(un)}.")
    assert cite(cnc, "mla") == (
        '"The public was informed about the activities of CNC." Caucasus Network for Children, '
        f"{CNC.removeprefix('http://')}. Accessed 1 June 2024. {note(cnc, archived=False)}.")


def test_chicago_17_bibliography(versions: dict[str, VersionInfo]) -> None:
    peer, unicef, un, _ = (versions[k] for k in SEEDS)
    # a revision date: no access date (CMOS 14.207)
    assert cite(peer, "chicago", BASE) == (
        'UNESCO. "Azerbaijan: Technology." Education Profiles. Last modified August 5, 2024. '
        f"{PEER}. {note(peer)}.")
    # no date on the page: the access date instead
    assert cite(unicef, "chicago", BASE) == (
        f'UNICEF. "Inclusive Education." Accessed June 1, 2024. {UNICEF}. {note(unicef)}.')
    assert cite(un, "chicago", BASE) == (
        f'United Nations in Azerbaijan. "{UN_TITLE}." May 20, 2021. {UN}. {note(un)}.')


def test_biblatex_online(versions: dict[str, VersionInfo]) -> None:
    peer, _, un, _ = (versions[k] for k in SEEDS)
    assert cite(peer, "bibtex", BASE) == (
        "@online{unesco20240601123045azerbaijan,\n"
        "  author = {{UNESCO}},\n"
        "  title = {Azerbaijan: Technology},\n"
        "  organization = {Education Profiles},\n"
        "  date = {2024-08-05},\n"
        f"  url = {{{PEER}}},\n"
        "  urldate = {2024-06-01},\n"
        "  note = {Archived version 1, captured 2024-06-01T12:30:45Z, SHA-256 "
        f"{peer.content_sha256}}},\n"
        f"  addendum = {{Archived copy: \\url{{{BASE}/web/20240601123045/{PEER}}}}}\n"
        "}")
    entry = cite(un, "bibtex")
    assert "  title = {{EU} Funded Inclusive" in entry        # acronyms keep their case
    assert "organization" not in entry and "addendum" not in entry
    assert "  date = {2021-05-20},\n" in entry


def test_csl_json(versions: dict[str, VersionInfo]) -> None:
    peer, unicef = versions["unesco-profile"], versions["unicef-page"]
    assert json.loads(cite(peer, "csl-json", BASE)) == [{
        "id": "unesco20240601123045azerbaijan",
        "type": "webpage",
        "title": "Azerbaijan: Technology",
        "author": [{"literal": "UNESCO"}],
        "container-title": "Education Profiles",
        "URL": PEER,
        "issued": {"date-parts": [[2024, 8, 5]]},
        "accessed": {"date-parts": [[2024, 6, 1]]},
        "archive": "profilewatch",
        "archive_location": f"{BASE}/web/20240601123045/{PEER}",
        "note": note(peer, archived=False),
    }]
    item = json.loads(cite(unicef, "csl-json"))[0]
    assert "issued" not in item and "archive" not in item and "archive_location" not in item
    assert item["accessed"] == {"date-parts": [[2024, 6, 1]]}


def test_declared_date_is_the_day_the_page_shows(versions: dict[str, VersionInfo]) -> None:
    # Kazakhstan's profile: "Fri, 23/07/2021 - 00:01" Paris time is 22:01 UTC the day before
    kazakhstan = replace(versions["unesco-profile"], last_modified="2021-07-22T22:01:00Z",
                         last_modified_text="Fri, 23/07/2021 - 00:01")
    assert "(2021, July 23)" in cite(kazakhstan, "apa")
    assert "Last modified July 23, 2021." in cite(kazakhstan, "chicago")
    assert "23 July 2021" in cite(kazakhstan, "mla")
    # a literal that disagrees with the trusted value by more than a time-zone shift: the value
    muddled = replace(kazakhstan, last_modified="2026-11-01T09:30:00Z",
                      last_modified_text="Sun, 11/01/2026 - 10:30")
    assert "(2026, November 1)" in cite(muddled, "apa")
    # a date the pipeline did not trust (weekday contradicts it) is not cited
    untrusted = replace(kazakhstan, last_modified=None, last_modified_text="Mon, 23/07/2021 - 00:01")
    assert "(n.d.)" in cite(untrusted, "apa")


def test_escaping_and_capture_time_to_the_second(versions: dict[str, VersionInfo]) -> None:
    odd = replace(versions["unicef-page"], title="UN costs & 50% of R_D {draft} #1 ~ \\ ^",
                  fetched_at=datetime(2025, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC))
    entry = cite(odd, "bibtex", BASE)
    assert (r"title = {{UN} costs \& 50\% of R\_D \{draft\} \#1 \textasciitilde{} "
            r"\textbackslash{} \textasciicircum{}}") in entry
    assert "captured 2025-01-02T03:04:05Z" in entry and "/web/20250102030405/" in entry
    assert "Retrieved January 2, 2025" in cite(odd, "apa")


def test_every_style_names_the_required_elements(versions: dict[str, VersionInfo]) -> None:
    peer = versions["unesco-profile"]
    for style in STYLES:
        text = cite(peer, style, BASE)
        for element in ("UNESCO", "Azerbaijan: Technology", "Education Profiles", PEER,
                        f"{BASE}/web/20240601123045/{PEER}", peer.content_sha256):
            assert element in text, (style, element)
    with pytest.raises(ValueError, match="unknown citation style"):
        cite(peer, "harvard")
