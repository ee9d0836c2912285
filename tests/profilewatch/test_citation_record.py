"""The pure rules of the citation record: the site name in a title, names, dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from profilewatch.citation_record import (
    citation_record,
    date_parts,
    person,
    person_if_inverted,
    shown_day,
    split_site_name,
)
from storage.results import VersionInfo


@pytest.mark.parametrize(("title", "known", "h1", "url", "expected"), [
    # the example: the part after " | " is the site, the dash stays in the title
    ("Kazakhstan – Technology | PEER Education Profiles", [], "Kazakhstan",
     "https://education-profiles.org/x", ("Kazakhstan – Technology", "PEER Education Profiles")),
    # a declared site name, as a suffix or a prefix, whatever the separator
    ("Azerbaijan | Technology | Education Profiles", ["Education Profiles"], None, "",
     ("Azerbaijan | Technology", "Education Profiles")),
    ("UNDP Uzbekistan - Teachers day", ["UNDP Uzbekistan"], None, "",
     ("Teachers day", "UNDP Uzbekistan")),
    # the <h1> on one side
    ("UNICEF Armenia | Education in emergencies", [], "Education in emergencies", "",
     ("Education in emergencies", "UNICEF Armenia")),
    ("School meals – Country Office", [], "School meals", "", ("School meals", "Country Office")),
    # the part names the host
    ("Inclusive Education - UNICEF Azerbaijan", [], None, "https://www.unicef.org/azerbaijan/x",
     ("Inclusive Education", "UNICEF Azerbaijan")),
    ("UNICEF – Inclusive Education", [], None, "https://www.unicef.org/x",
     ("Inclusive Education", "UNICEF")),
    # a dash with nothing naming a site is part of the title; so is the whole <h1>
    ("Kazakhstan – Technology", [], None, "https://example.org/x", ("Kazakhstan – Technology", None)),
    ("Education - a right for all", [], None, "https://example.org/x",
     ("Education - a right for all", None)),
    ("A | B", [], "A | B", "", ("A | B", None)),
    ("Annual report", [], None, "", ("Annual report", None)),
])
def test_split_site_name(title: str, known: list[str], h1: str | None, url: str,
                         expected: tuple[str, str | None]) -> None:
    assert split_site_name(title, known, h1=h1, url=url, strong=True) == expected


def test_metadata_titles_lose_only_a_declared_site_name() -> None:
    assert split_site_name("Results | 2024", [], strong=False) == ("Results | 2024", None)
    assert split_site_name("Results | Site", ["site"], strong=False) == ("Results", "Site")


def test_names() -> None:
    assert person("Smith, Jane") == {"family": "Smith", "given": "Jane"}
    assert person("Jane Q. Smith") == {"family": "Smith", "given": "Jane Q."}
    assert person("Ludwig van Beethoven") == {"family": "van Beethoven", "given": "Ludwig"}
    assert person("UNESCO") == {"literal": "UNESCO"}
    assert person_if_inverted("Mammadova, Leyla") == {"family": "Mammadova", "given": "Leyla"}
    for literal in ("Leyla Mammadova", "UNICEF, Azerbaijan", "Office 2, Baku",
                    "Ministry of Education, Culture and Science of the Republic"):
        assert person_if_inverted(literal) == {"literal": literal}


def test_dates_as_the_page_writes_them() -> None:
    assert date_parts("2021-05-20T23:30:00-04:00") == (2021, 5, 20)     # not moved to UTC
    assert date_parts("2023/04/12") == (2023, 4, 12)
    assert date_parts("2024-05") == (2024, 5)
    assert date_parts("2024") == (2024,)
    assert date_parts("20 May 2021") == (2021, 5, 20)
    assert date_parts("2021-13-45") is None and date_parts("soon") is None
    assert shown_day("2021-07-22T22:01:00Z", "Fri, 23/07/2021 - 00:01") == (2021, 7, 23)
    assert shown_day("2026-11-01T09:30:00Z", "Sun, 11/01/2026 - 10:30") == (2026, 11, 1)


def test_a_json_ld_page_name_loses_the_site_name_its_title_shows() -> None:
    version = VersionInfo(
        url="https://example.org/a", version=1, fetched_at=datetime(2024, 6, 1, tzinfo=UTC),
        content_sha256="0" * 64, body_sha256="1" * 64, last_modified=None, last_modified_text=None,
        last_modified_kind=None, title=None, http_status=200, final_url=None, language="en",
        content_type="text/html", chain_sha256="2" * 64, source="s", organisation=None,
        metadata={"cite": {"jsonld": {"type": "WebPage", "title": "Back to school – Example Site"},
                           "title": "Back to school | Example Site"}}, headings=())
    record = citation_record(version)
    assert (record.title, record.container, record.authors) == (
        "Back to school", "Example Site", ({"literal": "Example Site"},))
