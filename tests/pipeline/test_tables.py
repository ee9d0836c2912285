"""Tables as data (issue 16): extraction from realistic pages, the layout-versus-data rule, and
cell-level changes paired by labels, asserted as exact tables and exact cell lists."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.analyse import analyse_fetch
from pipeline.extract import parse_html, prune_boilerplate
from pipeline.tables import CellChange, Row, Table, diff_tables, table_from_grid
from pipeline.tables.html import find_tables
from pipeline.tables.page import in_main_text, tables_from_capture
from pipeline.types import Fetched, Profile
from tests.support import tablepages as tp

BROADBAND = tp.BROADBAND_CAPTION


def analysed(html: str, profile: Profile | None = None) -> tuple[str, tuple[Table, ...]]:
    """(main text, tables) of a page, through the whole analysis pipeline."""
    analysis = analyse_fetch(Fetched(url="https://example.org/p", source="s",
                                     fetched_at=datetime(2026, 12, 1, tzinfo=UTC), status=200,
                                     headers={"content-type": "text/html; charset=utf-8"},
                                     body=html.encode("utf-8")), profile or Profile())
    assert analysis.extracted is not None, analysis.reason
    assert analysis.extracted.tables is not None
    return analysis.extracted.text, analysis.extracted.tables


def tables_of(html: str) -> tuple[Table, ...]:
    return analysed(html)[1]


def page(body: str, heading: str = "Key figures") -> str:
    """A small profile page: a heading, a paragraph long enough to be main text, then ``body``."""
    return (f"<html><body><main><h1>Education in Azerbaijan</h1><p>This profile summarises the "
            f"education system of Azerbaijan with the latest figures reported by the ministry "
            f"and the UNESCO Institute for Statistics.</p><h2>{heading}</h2>{body}"
            f"<p>Figures are provisional until the statistical yearbook is published.</p>"
            f"</main></body></html>")


def change(table: str, row: str, column: str, before: str | None, after: str | None
           ) -> CellChange:
    return CellChange(table, row, column, before, after)


# --- extraction -------------------------------------------------------------------------------

def test_an_education_profile_yields_its_three_data_tables() -> None:
    found = tables_of(tp.profile_page())
    assert found == (
        Table(BROADBAND, ("2020", "2021", "2022"), (
            Row("Primary", ("5,120", "6,001", "6,712")),
            Row("Lower secondary", ("2,310", "2,577", "2,804")),
            Row("Upper secondary", ("1,045", "1,118", "1,236")),
            Row("Total", ("8,475", "9,696", "10,752")))),
        Table("Participation in education", ("Total", "Female", "Male"), tuple(
            Row(r[0], tuple(r[1:])) for r in tp.RATES)),
        Table("Education budget", ("Budget (million AZN)", "Share of public spending (%)"),
              tuple(Row(r[0], tuple(r[1:])) for r in tp.BUDGET)),
    )


def test_json_shape_of_the_contract() -> None:
    table = tables_of(tp.profile_page())[0]
    assert table.as_json() == {
        "table": BROADBAND, "columns": ["2020", "2021", "2022"],
        "rows": [{"header": "Primary", "cells": {"2020": "5,120", "2021": "6,001", "2022": "6,712"}},
                 {"header": "Lower secondary",
                  "cells": {"2020": "2,310", "2021": "2,577", "2022": "2,804"}},
                 {"header": "Upper secondary",
                  "cells": {"2020": "1,045", "2021": "1,118", "2022": "1,236"}},
                 {"header": "Total", "cells": {"2020": "8,475", "2021": "9,696", "2022": "10,752"}}]}
    assert Table.from_json(table.as_json()) == table


def test_spans_are_expanded_and_text_is_collapsed_as_written() -> None:
    html = page("""<table>
      <tr><th>Level</th><th>Female</th><th>Male</th><th>Source</th></tr>
      <tr><th>Primary<br>(ISCED 1)</th><td>12.5&nbsp;%</td><td> 11.9  %</td>
          <td rowspan="3">UIS, <em>2024</em></td></tr>
      <tr><th>Lower secondary</th><td colspan="2">n/a</td></tr>
      <tr><th>Upper secondary</th><td>1,045</td><td></td></tr>
    </table>""")
    assert tables_of(html) == (Table("Key figures", ("Female", "Male", "Source"), (
        Row("Primary (ISCED 1)", ("12.5 %", "11.9 %", "UIS, 2024")),
        Row("Lower secondary", ("n/a", "n/a", "UIS, 2024")),
        Row("Upper secondary", ("1,045", "", "UIS, 2024")))),)


def test_two_header_rows_of_th_without_thead_read_as_one_header() -> None:
    html = page("""<table>
      <tr><th rowspan="2">Level</th><th colspan="2">Enrolment</th></tr>
      <tr><th>Female</th><th>Male</th></tr>
      <tr><th>Primary</th><td>412,300</td><td>431,950</td></tr></table>""")
    assert tables_of(html) == (Table("Key figures", ("Female", "Male"), (
        Row("Primary", ("412,300", "431,950")),)),)


def test_row_headers_come_from_scope_row_cells_wherever_they_are() -> None:
    html = page("""<table><thead><tr><th>Code</th><th>Indicator</th><th>2022</th></tr></thead>
      <tbody><tr><td>E.1</td><th scope="row">Pupils per teacher</th><td>14</td></tr>
             <tr><td>E.2</td><th scope="row">Pupils per computer</th><td>21</td></tr></tbody>
    </table>""")
    assert tables_of(html) == (Table("Key figures", ("Code", "2022"), (
        Row("Pupils per teacher", ("E.1", "14")), Row("Pupils per computer", ("E.2", "21")))),)


def test_names_caption_figcaption_heading_then_position() -> None:
    grid = "<tr><th>Year</th><th>Schools</th></tr><tr><td>{y}</td><td>{n}</td></tr>"
    html = (f"<html><body><main><p>{'Schools of the country are counted every year. ' * 4}</p>"
            f"<table>{grid.format(y=2020, n='4,210')}</table>"
            f"<figure><table>{grid.format(y=2021, n='4,290')}</table>"
            f"<figcaption>Public schools</figcaption></figure>"
            f"<h2>Private schools</h2><table>{grid.format(y=2022, n='310')}</table>"
            f"<table>{grid.format(y=2023, n='322')}</table>"
            f"<table><caption> Schools\n by year </caption>{grid.format(y=2024, n='4,700')}</table>"
            f"</main></body></html>")
    assert [t.name for t in tables_of(html)] == [
        "table 1", "Public schools", "Private schools", "Private schools (2)", "Schools by year"]


def test_a_td_only_table_with_a_bold_first_row_and_repeated_labels() -> None:
    html = page("""<table border="1">
      <tr><td><strong>Programme</strong></td><td><b>Schools</b></td><td><b>Schools</b></td></tr>
      <tr><td>Digital classroom</td><td>310</td><td>290</td></tr>
      <tr><td>Total</td><td>320</td><td>300</td></tr>
      <tr><td>Total</td><td>1</td><td>2</td></tr></table>""")
    assert tables_of(html) == (Table("Key figures", ("Schools", "Schools (2)"), (
        Row("Digital classroom", ("310", "290")), Row("Total", ("320", "300")),
        Row("Total (2)", ("1", "2")))),)


def test_a_key_value_table_has_no_header_row() -> None:
    html = page("""<table><tr><th>Compulsory education</th><td>11 years</td></tr>
      <tr><th>Official entrance age</th><td>6</td></tr>
      <tr><th>Public spending on education</th><td>2.5 % of GDP</td></tr></table>""")
    assert tables_of(html) == (Table("Key figures", ("",), (
        Row("Compulsory education", ("11 years",)), Row("Official entrance age", ("6",)),
        Row("Public spending on education", ("2.5 % of GDP",)))),)


def test_sidebar_footer_and_navigation_tables_are_not_the_main_text() -> None:
    names = [t.name for t in tables_of(tp.profile_page())]
    assert "Most read profiles" not in names and "Contact" not in " ".join(names)
    # without <main>/<aside>/<footer> markup: the main-text extractor's choice decides
    html = (tp.profile_page().replace('<main id="content">', '<div id="content">')
            .replace("</main>", "</div>").replace('<aside class="sidebar">', '<div class="sidebar">')
            .replace("</aside>", "</div>").replace("<footer>", '<div class="footer">')
            .replace("</footer>", "</div>"))
    assert [t.name for t in tables_of(html)] == [BROADBAND, "Participation in education",
                                                 "Education budget"]


def test_a_table_is_the_main_texts_only_when_its_rows_are() -> None:
    main = Table("Schools", ("2020", "2021"), (Row("Primary", ("5,120", "6,001")),
                                               Row("Secondary", ("2,310", "")),))
    sidebar = Table("Most read", ("Views",), (Row("Azerbaijan", ("1,204",)),
                                              Row("Georgia", ("987",))))
    text = ("Azerbaijan has connected most of its public schools to broadband internet since the "
            "national programme began, 1,204 of them in rural districts. Georgia follows.\n"
            "| Primary | 5,120 | 6,001 |\n| Secondary | 2,310 | |")
    assert in_main_text([sidebar, main], text) == (main,)


def test_a_legacy_layout_page_is_prose_without_tables() -> None:
    text, found = analysed(tp.layout_page())
    assert found == ()
    assert "|" not in text
    assert "Teachers were trained in three districts" in text
    assert "Annual update 2024" in text and "Contact: info@rural-schools.example" in text
    assert "About us" not in text and "Donate" not in text     # the menu cell


LAYOUTS = {
    "role=presentation": '<table role="presentation"><tr><th>a</th><th>b</th></tr>'
                         "<tr><td>1</td><td>2</td></tr></table>",
    "one row": "<table><tr><th>Schools</th><td>4,210</td></tr></table>",
    "one column": "<table><tr><th>Schools</th></tr><tr><td>4,210</td></tr></table>",
    "nested table": "<table><tr><td>Menu</td><td><table><tr><td>1</td><td>2</td></tr>"
                    "<tr><td>3</td><td>4</td></tr></table></td></tr><tr><td>x</td><td>y</td></tr>"
                    "</table>",
    "page region in a cell": "<table><tr><td>News</td><td>" + "word " * 120 + "</td></tr>"
                             "<tr><td>a</td><td>b</td></tr></table>",
    "paragraphs in a cell": "<table><tr><td><b>Welcome</b></td><td><b>Our work</b></td></tr><tr>"
                            "<td><p>" + "We build schools. " * 6 + "</p><p>" + "We train "
                            "teachers. " * 6 + "</p></td><td>Read more</td></tr></table>",
    "navigation in a cell": "<table><tr><td><a href='/a'>Home</a><br><a href='/b'>About</a><br>"
                            "<a href='/c'>News</a></td><td>Welcome to our site</td></tr>"
                            "<tr><td>Contact</td><td>info@example.org</td></tr></table>",
    "no header, cells of prose": "<table><tr><td>Our programme reached forty-two rural schools "
                                 "this year, bringing them solar power and tablets.</td><td>"
                                 "Photo</td></tr><tr><td>x</td><td>y</td></tr></table>",
}


@pytest.mark.parametrize("reason", LAYOUTS)
def test_layout_tables_are_told_apart(reason: str) -> None:
    root = prune_boilerplate(parse_html(page(LAYOUTS[reason])))
    assert next(f.layout for f in find_tables(root)) == reason


def test_a_data_table_with_one_odd_cell_stays_data() -> None:
    rows = "".join(f"<tr><th>District {i}</th><td>{i * 100}</td><td>{i}.5 %</td></tr>"
                   for i in range(1, 7))
    links = "<a href='/r.pdf'>PDF</a> <a href='/r.docx'>DOCX</a> <a href='/r.xlsx'>XLSX</a>"
    html = page(f"<table><tr><th>District</th><th>Schools</th><th>Share</th></tr>{rows}"
                f"<tr><th>Reports</th><td>{links}</td><td>2024</td></tr></table>")
    found = tables_of(html)
    assert len(found) == 1 and found[0].rows[-1] == Row("Reports", ("PDF DOCX XLSX", "2024"))


def test_an_unmarked_table_of_long_labels_stays_data() -> None:
    label = "Proportion of schools with access to the Internet for pedagogical purposes, {} (%)"
    html = page(f"<table><tr><td>Indicator</td><td>2021</td><td>2022</td></tr>"
                f"<tr><td>{label.format('primary')}</td><td>45</td><td>51</td></tr>"
                f"<tr><td>{label.format('lower secondary')}</td><td>62</td><td>64</td></tr>"
                f"</table>")
    assert tables_of(html) == (Table("Key figures", ("2021", "2022"), (
        Row(label.format("primary"), ("45", "51")),
        Row(label.format("lower secondary"), ("62", "64")))),)


def test_hostile_spans_do_not_explode() -> None:
    html = page('<table><tr><th colspan="99999">Year</th></tr>'
                + '<tr><td rowspan="70000">1</td><td colspan="5000">2</td></tr>' * 30 + "</table>")
    root = prune_boilerplate(parse_html(html))
    assert [f.layout for f in find_tables(root)] == ["over 20,000 cells"]
    assert tables_of(html) == ()


def test_a_cell_pruned_as_boilerplate_is_empty_not_shifted() -> None:
    html = page("<table><tr><th>Indicator</th><th>2021</th><th>2022</th></tr>"
                "<tr><td>Schools</td><td class='cookie-banner'>Accept cookies</td><td>4,210</td>"
                "</tr><tr><td>Teachers</td><td>51,000</td><td>52,300</td></tr></table>")
    assert tables_of(html)[0].rows == (Row("Schools", ("", "4,210")),
                                       Row("Teachers", ("51,000", "52,300")))


def test_regex_ignores_apply_to_cells() -> None:
    html = page("<table><tr><th>Indicator</th><th>Value</th></tr>"
                "<tr><td>Schools</td><td>4,210 (views: 77)</td></tr></table>")
    _, found = analysed(html, Profile(ignores=(r"regex:\(views: \d+\)",)))
    assert found[0].rows == (Row("Schools", ("4,210",)),)


def test_tables_from_an_archived_capture_match_the_analysis() -> None:
    html = tp.profile_page()
    text, found = analysed(html)
    assert tables_from_capture(html.encode(), "text/html", text) == found
    assert tables_from_capture(b"%PDF-1.4", "application/pdf", "") is None


# --- spreadsheets and other grids ---------------------------------------------------------------

def test_a_sheet_grid_becomes_a_table() -> None:
    sheet = [["Region", "2021", "2022"], ["North", "1,204", "1,310"], ["South", "980"]]
    assert table_from_grid("Sheet1", sheet) == Table("Sheet1", ("2021", "2022"), (
        Row("North", ("1,204", "1,310")), Row("South", ("980", ""))))
    assert table_from_grid("Empty", [["only a header", "x"]]) is None
    assert table_from_grid("Short", [["a", "b"]], header_rows=3) is None


# --- cell-level changes ------------------------------------------------------------------------

BASE = Table("Enrolment", ("2021", "2022"), (Row("Primary", ("98.1 %", "97.7 %")),
                                             Row("Secondary", ("88.0 %", "89.2 %"))))


def test_an_edited_cell() -> None:
    after = Table("Enrolment", ("2021", "2022"), (Row("Primary", ("98.1 %", "97.9 %")),
                                                  Row("Secondary", ("88.0 %", "89.2 %"))))
    assert diff_tables([BASE], [after]) == [change("Enrolment", "Primary", "2022", "97.7 %",
                                                   "97.9 %")]


def test_moved_rows_and_columns_change_no_cell() -> None:
    moved = Table("Enrolment", ("2022", "2021"), (Row("Secondary", ("89.2 %", "88.0 %")),
                                                  Row("Primary", ("97.7 %", "98.1 %"))))
    assert diff_tables([BASE], [moved]) == []
    assert diff_tables([BASE, Table("B", ("x",), (Row("r", ("1",)),))],
                       [Table("B", ("x",), (Row("r", ("1",)),)), BASE]) == []


def test_added_and_removed_rows_give_one_entry_per_data_cell() -> None:
    after = Table("Enrolment", ("2021", "2022"), (Row("Primary", ("98.1 %", "97.7 %")),
                                                  Row("Tertiary", ("31.0 %", ""))))
    assert diff_tables([BASE], [after]) == [
        change("Enrolment", "Tertiary", "2021", None, "31.0 %"),
        change("Enrolment", "Tertiary", "2022", None, ""),
        change("Enrolment", "Secondary", "2021", "88.0 %", None),
        change("Enrolment", "Secondary", "2022", "89.2 %", None)]


def test_added_and_removed_columns_give_one_entry_per_data_row() -> None:
    after = Table("Enrolment", ("2022", "2023"), (Row("Primary", ("97.7 %", "98.0 %")),
                                                  Row("Secondary", ("89.2 %", "90.1 %"))))
    assert diff_tables([BASE], [after]) == [
        change("Enrolment", "Primary", "2023", None, "98.0 %"),
        change("Enrolment", "Primary", "2021", "98.1 %", None),
        change("Enrolment", "Secondary", "2023", None, "90.1 %"),
        change("Enrolment", "Secondary", "2021", "88.0 %", None)]


def test_a_renamed_table_is_a_new_table() -> None:
    renamed = Table("Gross enrolment", BASE.columns, BASE.rows)
    assert diff_tables([BASE], [renamed]) == [
        change("Gross enrolment", "Primary", "2021", None, "98.1 %"),
        change("Gross enrolment", "Primary", "2022", None, "97.7 %"),
        change("Gross enrolment", "Secondary", "2021", None, "88.0 %"),
        change("Gross enrolment", "Secondary", "2022", None, "89.2 %"),
        change("Enrolment", "Primary", "2021", "98.1 %", None),
        change("Enrolment", "Primary", "2022", "97.7 %", None),
        change("Enrolment", "Secondary", "2021", "88.0 %", None),
        change("Enrolment", "Secondary", "2022", "89.2 %", None)]


def test_changes_between_two_profile_versions() -> None:
    before = tables_of(tp.profile_page())
    after = tables_of(tp.profile_page(
        broadband=(("Primary", ("5,120", "6,001", "6,950")), *tp.BROADBAND_ROWS[1:]),
        rates=tuple(reversed(tp.RATES)), budget=(*tp.BUDGET[1:], ("2023", "1,530.2", "14.6")),
        most_read="9,999", footer_year="2025"))
    assert diff_tables(before, after) == [
        change(BROADBAND, "Primary", "2022", "6,712", "6,950"),
        change("Education budget", "2023", "Budget (million AZN)", None, "1,530.2"),
        change("Education budget", "2023", "Share of public spending (%)", None, "14.6"),
        change("Education budget", "2019", "Budget (million AZN)", "1,210.4", None),
        change("Education budget", "2019", "Share of public spending (%)", "13.1", None)]
    assert CellChange.from_json(diff_tables(before, after)[0].as_json()) == change(
        BROADBAND, "Primary", "2022", "6,712", "6,950")


# --- the transition: a content event of an HTML page carries its changed cells ----------------

def test_content_transitions_carry_the_changed_cells() -> None:
    from pipeline.transition import transition
    from pipeline.types import Analysis, Extracted, Outcome, PageState

    state = PageState(page_id=1, url="https://x.example/p", version=1, content_sha256="aaa")
    after = Table("Enrolment", BASE.columns, (Row("Primary", ("98.1 %", "97.9 %")), BASE.rows[1]))

    def event_details(tables: tuple[Table, ...] | None) -> dict[str, object]:
        extracted = Extracted(text="y", text_sha256="bbb", tables=tables)
        step = transition(state, Analysis(Outcome.OK, extracted=extracted, body_sha256="b"),
                          fetched_at=datetime(2026, 12, 2, tzinfo=UTC), final_url=None,
                          headers={}, gone_after=2, previous_text="x", previous_tables=(BASE,))
        assert step.event is not None
        return step.event.details

    assert event_details((after,))["tables"] == [
        {"table": "Enrolment", "row": "Primary", "column": "2022", "before": "97.7 %",
         "after": "97.9 %"}]
    assert event_details((BASE,))["tables"] == []
    assert "tables" not in event_details(None)          # not an HTML page
