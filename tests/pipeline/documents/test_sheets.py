"""A spreadsheet's sheets as tables (issue 16, point 5): the grid → Table rule, the tables of a real
workbook, the same tables read back from the stored text, and cell-level content events."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.documents.analyse import analyse_document
from pipeline.documents.extract import extract_document
from pipeline.documents.sheets import sheet_table, sheet_tables, sheet_tables_of_text
from pipeline.tables import Row, Table
from pipeline.tables.page import tables_from_capture
from pipeline.transition import MAX_EVENT_CELLS, transition
from pipeline.types import Analysis, Fetched, PageState
from tests.support import documents as docs

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
URL = "https://www.unesco.org/gem-report/data/education-data.xlsx"


def analyse(body: bytes) -> Analysis:
    fetched = Fetched(url=URL, source="s", fetched_at=datetime.now(UTC), status=200,
                      headers={"content-type": XLSX}, body=body)
    return analyse_document(fetched, extractor=extract_document)


def test_first_row_labels_columns_and_first_cell_labels_rows() -> None:
    table = sheet_table("Enrolment", ["Region\t2022\t2023", "North\t1200\t1300", "South\t900"])
    assert table == Table("Enrolment", ("2022", "2023"),
                          (Row("North", ("1200", "1300")), Row("South", ("900", ""))))


def test_a_sheet_laid_out_from_column_b_and_empty_rows_are_read_as_written() -> None:
    table = sheet_table("Budget", ["", "\t\t", "\tItem\tUSD", "\tTeachers\t500 000", "\t\t",
                                   "\tBooks\t75000.5"])
    assert table == Table("Budget", ("USD",), (Row("Teachers", ("500 000",)),
                                               Row("Books", ("75000.5",))))


def test_a_title_alone_or_a_one_column_list_is_no_table() -> None:
    assert sheet_table("Notes", ["Source: UIS, 2024"]) is None
    assert sheet_table("List", ["Countries", "Azerbaijan", "Armenia"]) is None
    assert sheet_tables([("Notes", ["Source"]), ("Data", ["Year\tValue", "2023\t12.5"])]) == (
        Table("Data", ("Value",), (Row("2023", ("12.5",)),)),)


def test_a_workbook_s_sheets_are_its_tables_as_displayed_strings() -> None:
    body = docs.make_xlsx({"Enrolment": [("Region", "2022", "2023"), ("North", 1200, 1300.0),
                                         ("South", None, 950)],
                           "Cover": [("Education data 2024",)],
                           "Budget": [("Item", "USD", None), ("Teachers", 500000, None),
                                      ("Books", 75000.5, None), (None, None, None)]})
    extracted = analyse(body).extracted
    assert extracted is not None and extracted.tables is not None
    assert [t.as_json() for t in extracted.tables] == [
        {"table": "Enrolment", "columns": ["2022", "2023"],
         "rows": [{"header": "North", "cells": {"2022": "1200", "2023": "1300"}},
                  {"header": "South", "cells": {"2022": "", "2023": "950"}}]},
        {"table": "Budget", "columns": ["USD"],
         "rows": [{"header": "Teachers", "cells": {"USD": "500000"}},
                  {"header": "Books", "cells": {"USD": "75000.5"}}]}]
    # a version recorded before sheets were tables: the same tables from its stored text
    assert tables_from_capture(body, XLSX, extracted.text) == extracted.tables
    assert sheet_tables_of_text(extracted.text) == extracted.tables


def test_other_documents_carry_no_tables() -> None:
    fetched = Fetched(url=URL.replace(".xlsx", ".pdf"), source="s", fetched_at=datetime.now(UTC),
                      status=200, headers={"content-type": "application/pdf"}, body=docs.make_pdf())
    extracted = analyse_document(fetched, extractor=extract_document).extracted
    assert extracted is not None and extracted.tables is None


def content_event(before: bytes, after: bytes) -> tuple[str, dict[str, object]]:
    first = analyse(before)
    second = analyse(after)
    assert first.extracted is not None and first.extracted.tables is not None
    new = transition(PageState(page_id=1, url=URL), first, fetched_at=datetime.now(UTC),
                     final_url=URL, headers={}, gone_after=2)
    changed = transition(new.state, second, fetched_at=datetime.now(UTC), final_url=URL,
                         headers={}, gone_after=2, previous_text=first.extracted.text,
                         previous_tables=first.extracted.tables)
    assert changed.event is not None and changed.event.kind.value == "content"
    return changed.event.summary, changed.event.details


def test_an_edited_sheet_reports_its_changed_cells() -> None:
    before = docs.make_xlsx()
    after = docs.make_xlsx({"Enrolment": [("Region", "2022", "2023"), ("South", 900, 950),
                                          ("North", 1200, 1310)],
                            "Budget": [("Item", "USD"), ("Teachers", 520000), ("Books", 75000.5),
                                       ("Meals", 30000)]})
    summary, details = content_event(before, after)
    assert details["tables"] == [
        {"table": "Enrolment", "row": "North", "column": "2023", "before": "1300", "after": "1310"},
        {"table": "Budget", "row": "Teachers", "column": "USD", "before": "500000", "after": "520000"},
        {"table": "Budget", "row": "Meals", "column": "USD", "before": None, "after": "30000"}]
    assert "more_cells" not in details and "more changed cells" not in summary


def test_a_rewritten_big_sheet_lists_at_most_the_cap_and_counts_the_rest() -> None:
    rows = 700
    head = ("Region", "2022", "2023")
    before = docs.make_xlsx({"Data": [head, *((f"R{i}", i, i) for i in range(rows))]})
    after = docs.make_xlsx({"Data": [head, *((f"R{i}", i + 1, i + 1) for i in range(rows))]})
    summary, details = content_event(before, after)
    cells = details["tables"]
    assert isinstance(cells, list) and len(cells) == MAX_EVENT_CELLS
    assert cells[0] == {"table": "Data", "row": "R0", "column": "2022", "before": "0", "after": "1"}
    assert details["more_cells"] == 2 * rows - MAX_EVENT_CELLS
    assert summary.endswith(f"and {2 * rows - MAX_EVENT_CELLS} more changed cells")


def test_a_workbook_past_the_cell_cap_is_versioned_without_tables() -> None:
    """A huge workbook keeps its text (and so its events) but stores no tables: past the cap its
    events carry no ``tables`` rather than megabytes of cells per version."""
    from pipeline.documents.sheets import MAX_SHEET_CELLS

    columns = 8
    rows = MAX_SHEET_CELLS // columns + 10
    text = "[sheet Data]\n" + "\n".join("\t".join(f"r{r}c{c}" for c in range(columns))
                                        for r in range(rows))
    assert sheet_tables_of_text(text) is None
    small = "[sheet Data]\nRegion\t2023\nNorth\t1300"
    tables = sheet_tables_of_text(small)
    assert tables is not None and tables[0].rows == (Row("North", ("1300",)),)
