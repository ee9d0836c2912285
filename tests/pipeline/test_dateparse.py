"""Parsing the date literals the watched sites print (``pipeline.dateparse``)."""

from __future__ import annotations

import pytest

from pipeline.dateparse import parse_date_text, parse_iso_datetime


@pytest.mark.parametrize(("literal", "value"), [
    # PEER "Last modified": Drupal ``D, d/m/Y - H:i``, day first (no zone: the literal is kept too)
    ("Mon, 05/08/2024 - 17:13", "2024-08-05T17:13:00"),
    ("Fri, 23/07/2021 - 00:01", "2021-07-23T00:01:00"),
    ("Fri, 10/02/2023 - 09:30", "2023-02-10T09:30:00"),
    ("Wed, 08/09/2021 - 12:00", "2021-09-08T12:00:00"),
    ("31/08/2021", "2021-08-31"),
    ("15.06.2020", "2020-06-15"),
    # UN country team: D Month YYYY
    ("20 May 2021", "2021-05-20"),
    ("14 June 2022", "2022-06-14"),
    ("Friday, 24 September 2021", "2021-09-24"),
    ("1st Dec 2021", "2021-12-01"),
    # UNDP: Month D, YYYY
    ("September 24, 2021", "2021-09-24"),
    ("Sept. 24, 2021", "2021-09-24"),
    ("Friday, September 24, 2021", "2021-09-24"),
    ("May 20 2021 at 10:00", "2021-05-20T10:00:00"),
    # machine-readable forms (meta tags, JSON-LD, <time datetime>): converted to UTC when zoned
    ("2021-05-20", "2021-05-20"),
    ("2021-05-20T12:00:00+04:00", "2021-05-20T08:00:00Z"),
    ("2024-08-05T15:13:00Z", "2024-08-05T15:13:00Z"),
    ("2024-08-05 15:13", "2024-08-05T15:13:00"),
])
def test_every_site_format_parses(literal: str, value: str) -> None:
    parsed = parse_date_text(literal)
    assert parsed is not None
    assert (parsed.value, parsed.flags) == (value, ())
    assert literal[parsed.start:parsed.end].strip() == literal.strip()


@pytest.mark.parametrize("literal", [
    "Tue, 05/08/2024 - 17:13",       # 5 August 2024 was a Monday (and 8 May a Wednesday)
    "Mon, 23/07/2021 - 00:01",       # 23 July 2021 was a Friday
    "Thursday, September 24, 2021",  # a Friday
    "Sat, 20 May 2021",              # a Thursday
])
def test_a_weekday_that_contradicts_the_date_is_flagged_not_guessed(literal: str) -> None:
    parsed = parse_date_text(literal)
    assert parsed is not None
    assert parsed.value is None and parsed.flags == ("weekday-mismatch",)
    assert parsed.end > parsed.start     # the literal is still located (and kept by the caller)


def test_day_first_is_never_swapped() -> None:
    # 05/08/2024 is 5 August (a Monday): read day first even where month-first would also be valid
    parsed = parse_date_text("05/08/2024")
    assert parsed is not None and parsed.value == "2024-08-05"
    impossible = parse_date_text("31/02/2021")
    assert impossible is not None and impossible.value is None and impossible.flags == ("invalid-date",)


def test_search_finds_a_date_inside_text_and_reports_where() -> None:
    text = "Last modified: Mon, 05/08/2024 - 17:13 by the editor"
    parsed = parse_date_text(text, search=True)
    assert parsed is not None and parsed.value == "2024-08-05T17:13:00"
    assert text[parsed.start:parsed.end] == "Mon, 05/08/2024 - 17:13"
    assert parse_date_text("Last modified: soon") is None
    assert parse_date_text("2006") is None                  # a year alone is not a date
    assert parse_date_text("no date here", search=True) is None


def test_iso_helper() -> None:
    assert parse_iso_datetime(" 2021-05-20T12:00:00+04:00 ") == "2021-05-20T08:00:00Z"
    assert parse_iso_datetime("yesterday") is None
