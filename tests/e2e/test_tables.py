"""End to end (issue 16): pages with tables through ``run``, ``changes --json`` and ``tables``.

One store, four cycles run once for the module (``run`` and ``changes --json`` in subprocesses, as
scripts call them; the read commands after them in process, to keep the suite fast); each test
asserts one thing people see:

1. base;
2. one figure edited (and its total), rows of a table reordered, a row added and one removed, the
   sidebar's and the footer's tables changed;
3. a column added, a table renamed (its heading changed);
4. only a paragraph and the sidebar changed (a content event with no changed cell).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from profilewatch.cli import cli as cli_group
from tests.conftest import FAST_SETTINGS, Cli, Result, source_toml
from tests.support import tablepages as tp
from tests.support.mockserver import MockServer

pytestmark = pytest.mark.slow

BROADBAND = tp.BROADBAND_CAPTION
V2_BROADBAND = (("Primary", ("5,120", "6,001", "6,950")), *tp.BROADBAND_ROWS[1:])
V2_TOTAL = ("8,475", "9,696", "10,990")
V2_RATES = (tp.RATES[2], tp.RATES[0], tp.RATES[1])
V2_BUDGET = (*tp.BUDGET[1:], ("2023", "1,530.2", "14.6"))
V3_BROADBAND = tuple((name, (*values, extra)) for (name, values), extra
                     in zip(V2_BROADBAND, ("7,010", "2,950", "1,301"), strict=True))
V3_TOTAL = (*V2_TOTAL, "11,261")
V3_YEARS = (*tp.BROADBAND_YEARS, "2023")


def profile_cycle(cycle: int) -> str:
    if cycle == 0:
        return tp.profile_page()
    v2: dict[str, Any] = {"broadband": V2_BROADBAND, "total": V2_TOTAL, "rates": V2_RATES,
                          "budget": V2_BUDGET, "most_read": "1,377", "footer_year": "2025"}
    if cycle == 1:
        return tp.profile_page(**v2)
    v3 = {**v2, "years": V3_YEARS, "broadband": V3_BROADBAND, "total": V3_TOTAL,
          "budget_heading": "Public education budget"}
    if cycle == 2:
        return tp.profile_page(**v3)
    return tp.profile_page(**{**v3, "most_read": "2,001",
                              "intro": "The profile was reviewed by the national team."})


@dataclass
class Archive:
    cli: Cli
    profile: str
    legacy: str
    events: list[dict[str, Any]]

    def read(self, *args: str) -> Result:
        """A read-only command in process (the runs and ``changes --json`` were subprocesses)."""
        assert self.cli.config is not None
        done = CliRunner().invoke(cli_group, ["--db", self.cli.db, "--config",
                                              str(self.cli.config), *args])
        return Result(done.exit_code, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def archive(mockserver_session: MockServer, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Archive]:
    server = mockserver_session
    workdir: Path = tmp_path_factory.mktemp("tables")
    cli = Cli(workdir, f"sqlite:///{workdir / 'store.db'}")
    profile, legacy = server.url + "/tables/profile", server.url + "/tables/legacy"
    cli.write_config(FAST_SETTINGS + source_toml("local", [profile, legacy]))
    for cycle in range(4):
        server.page("/tables/profile", profile_cycle(cycle))
        server.page("/tables/legacy", tp.layout_page() if cycle < 2 else tp.layout_page(
            paragraph="Teachers were trained in five districts this year."))
        result = cli("run")
        assert result.code == 0, result.stderr
    events = cli("changes", "--json").json()
    yield Archive(cli, profile, legacy, events)


def _content(archive: Archive, url: str) -> list[dict[str, Any]]:
    return [e for e in archive.events if e["url"] == url and e["kind"] == "content"]


def cell(table: str, row: str, column: str, before: str | None, after: str | None
         ) -> dict[str, Any]:
    return {"table": table, "row": row, "column": column, "before": before, "after": after}


def test_an_edited_figure_a_reordered_table_and_rows_added_and_removed(archive: Archive) -> None:
    events = _content(archive, archive.profile)
    assert [(e["from_version"], e["to_version"]) for e in events] == [(1, 2), (2, 3), (3, 4)]
    budget = "Education budget"
    assert events[0]["tables"] == [
        cell(BROADBAND, "Primary", "2022", "6,712", "6,950"),
        cell(BROADBAND, "Total", "2022", "10,752", "10,990"),
        # the reordered "Participation in education" table changes no cell
        cell(budget, "2023", "Budget (million AZN)", None, "1,530.2"),
        cell(budget, "2023", "Share of public spending (%)", None, "14.6"),
        cell(budget, "2019", "Budget (million AZN)", "1,210.4", None),
        cell(budget, "2019", "Share of public spending (%)", "13.1", None),
    ]


def test_an_added_column_and_a_renamed_table(archive: Archive) -> None:
    event = _content(archive, archive.profile)[1]
    added = [cell(BROADBAND, row, "2023", None, value) for row, value in
             (("Primary", "7,010"), ("Lower secondary", "2,950"), ("Upper secondary", "1,301"),
              ("Total", "11,261"))]
    renamed = [cell("Public education budget", year, column, None, value)
               for year, budget, share in V2_BUDGET
               for column, value in (("Budget (million AZN)", budget),
                                     ("Share of public spending (%)", share))]
    removed = [cell("Education budget", year, column, value, None)
               for year, budget, share in V2_BUDGET
               for column, value in (("Budget (million AZN)", budget),
                                     ("Share of public spending (%)", share))]
    assert event["tables"] == added + renamed + removed


def test_boilerplate_tables_make_no_cell_change(archive: Archive) -> None:
    last = _content(archive, archive.profile)[2]
    assert last["tables"] == []              # a paragraph changed; the sidebar's table is not data
    every = [c["table"] for e in _content(archive, archive.profile) for c in e["tables"]]
    assert not {"Most read profiles", "table 4"} & set(every)
    new = [e for e in archive.events if e["kind"] == "new"]
    assert len(new) == 2 and all("tables" not in e for e in new)


def test_a_layout_table_page_is_prose_with_no_cells(archive: Archive) -> None:
    events = _content(archive, archive.legacy)
    assert len(events) == 1 and events[0]["tables"] == []
    text = archive.read("show", archive.legacy).stdout
    assert "|" not in text
    assert "Teachers were trained in five districts this year." in text
    assert "About us" not in text                    # the menu cell is navigation
    assert archive.read("tables", archive.legacy, "--json").json() == []


def test_tables_json_of_a_version(archive: Archive) -> None:
    found = archive.read("tables", archive.profile, "--version", "1", "--json").json()
    assert [t["table"] for t in found] == [BROADBAND, "Participation in education",
                                           "Education budget"]
    assert found[0]["columns"] == ["2020", "2021", "2022"]
    assert found[0]["rows"][0] == {"header": "Primary",
                                   "cells": {"2020": "5,120", "2021": "6,001", "2022": "6,712"}}
    assert [r["header"] for r in found[0]["rows"]] == ["Primary", "Lower secondary",
                                                       "Upper secondary", "Total"]
    assert found[1]["rows"][1]["cells"] == {"Total": "12.5 %", "Female": "10.9 %", "Male": "11.7 %"}
    assert found[2]["columns"] == ["Budget (million AZN)", "Share of public spending (%)"]
    at_second = archive.read("tables", archive.profile, "--at",
                            archive.read("history", archive.profile, "--json").json()[1]["fetched_at"],
                            "--json").json()
    assert at_second[0]["rows"][0]["cells"]["2022"] == "6,950"


def test_tables_csv_and_human_form(archive: Archive) -> None:
    result = archive.read("tables", archive.profile, "--csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["table", "row", "column", "value"]
    assert {"table": BROADBAND, "row": "Total", "column": "2023", "value": "11,261"} in rows
    assert len(rows) == 4 * 4 + 3 * 3 + 4 * 2
    human = archive.read("tables", archive.profile).stdout
    assert f"## {BROADBAND}" in human and "10,990" in human


def test_history_of_a_figure(archive: Archive) -> None:
    cells = archive.cli("tables", archive.profile, "--history", "--json").json()   # a real process
    primary_2022 = [(c["version"], c["value"]) for c in cells
                    if (c["table"], c["row"], c["column"]) == (BROADBAND, "Primary", "2022")]
    assert primary_2022 == [(1, "6,712"), (2, "6,950"), (3, "6,950"), (4, "6,950")]
    assert set(cells[0]) == {"version", "fetched_at", "table", "row", "column", "value"}
    history = archive.read("history", archive.profile, "--json").json()
    assert {c["fetched_at"] for c in cells} == {v["fetched_at"] for v in history}
    as_csv = list(csv.DictReader(io.StringIO(
        archive.read("tables", archive.profile, "--history", "--csv").stdout)))
    assert len(as_csv) == len(cells)
    assert as_csv[0] == {k: str(v) for k, v in cells[0].items()}


def test_usage_errors(archive: Archive) -> None:
    both = archive.read("tables", archive.profile, "--history", "--version", "1")
    assert both.code == 2 and "--history" in both.stderr
    missing = archive.read("tables", archive.profile, "--version", "9", "--json")
    assert missing.code == 1 and "has no version 9" in missing.stderr
