"""Word, spreadsheet and OpenDocument extraction: text in order, tables as tab-separated rows, core
properties; broken archives are reasons."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.documents.docx import extract_docx
from pipeline.documents.odt import extract_odt
from pipeline.documents.types import DocumentError
from pipeline.documents.xlsx import extract_xlsx
from tests.support.documents import make_docx, make_odt, make_xlsx, resave_zip


def test_docx_paragraphs_headings_and_tables_in_body_order() -> None:
    doc = extract_docx(make_docx())
    assert doc.sections[0].lines == ("Country programme document", "Context",
                                     "Net enrolment is 96 per cent.", "Indicator\t2022\t2023",
                                     "Out-of-school children\t12,400\t9,800")
    assert doc.headings == ("Country programme document", "Context")
    assert (doc.title, doc.author) == ("Country programme", "UNDP")
    assert doc.modified == "2024-02-01T00:00:00+00:00"


def test_xlsx_sheets_are_sections_of_tab_separated_rows() -> None:
    doc = extract_xlsx(make_xlsx())
    assert [s.heading for s in doc.sections] == ["sheet Enrolment", "sheet Budget"]
    assert doc.sections[1].lines == ("Item\tUSD", "Teachers\t500000", "Books\t75000.5")
    assert doc.parts == 2 and doc.title == "Education data" and doc.author == "UNESCO"
    assert doc.modified == "2024-04-02T00:00:00"


def test_xlsx_drops_empty_rows_and_trailing_empty_cells() -> None:
    doc = extract_xlsx(make_xlsx({"Data": [("a", None, "c", None), (None, None), ("", "x")]}))
    assert doc.sections[0].lines == ("a\t\tc", "\tx")


def test_odt_headings_paragraphs_tables_and_meta() -> None:
    doc = extract_odt(make_odt())
    assert doc.sections[0].lines == ("Education sector plan", "The plan covers 2024-2028.",
                                     "Target\t2028", "Completion rate\t95%")
    assert doc.headings == ("Education sector plan",)
    assert (doc.title, doc.modified) == ("Sector plan", "2024-05-06T10:00:00")


@pytest.mark.parametrize(("make", "extract"), [(make_docx, extract_docx), (make_xlsx, extract_xlsx),
                                                (make_odt, extract_odt)])
def test_resaved_archives_read_the_same(make: object, extract: object) -> None:
    body = make()  # type: ignore[operator]
    again = resave_zip(body)
    assert again != body
    assert extract(again) == extract(body)  # type: ignore[operator]


@pytest.mark.parametrize(("make", "extract", "label"), [(make_docx, extract_docx, "DOCX"),
                                                         (make_xlsx, extract_xlsx, "XLSX"),
                                                         (make_odt, extract_odt, "ODT")])
def test_truncated_archives_are_reasons(make: object, extract: object, label: str) -> None:
    body = make()  # type: ignore[operator]
    with pytest.raises(DocumentError, match=f"corrupt or truncated {label}"):
        extract(body[: len(body) // 2])  # type: ignore[operator]


def test_a_zip_that_is_not_a_word_file_is_a_reason() -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(DocumentError, match="corrupt DOCX"):
        extract_docx(out.getvalue())


def test_metadata_dates_follow_the_file() -> None:
    assert extract_xlsx(make_xlsx(modified=datetime(2025, 1, 2))).modified == "2025-01-02T00:00:00"
