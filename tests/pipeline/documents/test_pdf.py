"""PDF extraction: text page by page, Info/XMP metadata, and the failures that must be reasons."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.documents.pdf import extract_pdf
from pipeline.documents.types import DocumentError
from tests.support.documents import REPORT_PAGES, make_image_pdf, make_pdf


def test_every_page_is_a_section_with_its_own_lines() -> None:
    doc = extract_pdf(make_pdf())
    assert doc.format == "pdf" and doc.parts == 3
    assert [s.heading for s in doc.sections] == ["page 1", "page 2", "page 3"]
    assert [list(s.lines) for s in doc.sections] == [list(p) for p in REPORT_PAGES]


def test_info_dictionary_gives_title_author_and_dates() -> None:
    doc = extract_pdf(make_pdf(title="Annual Report 2023", modified=datetime(2024, 5, 6, 7, 8, 9)))
    assert doc.title == "Annual Report 2023"
    assert doc.author == "UNICEF"
    assert doc.modified == "D:20240506070809+00'00'"
    assert doc.created == "D:20240115080000+00'00'"


def test_resaved_file_has_the_same_text_and_metadata() -> None:
    a, b = make_pdf(compress=True), make_pdf(compress=False)
    assert a != b
    assert extract_pdf(a) == extract_pdf(b)


def test_image_only_pdf_has_no_text() -> None:
    doc = extract_pdf(make_image_pdf(3))
    assert doc.parts == 3 and not doc.has_text


@pytest.mark.parametrize(("body", "reason"), [
    (make_pdf(password="secret"), "encrypted PDF (password required)"),
    (make_pdf()[:1200], "truncated PDF (no end-of-file marker)"),
    (b"<html>not found</html>", "corrupt PDF (no PDF header)"),
    (b"%PDF-1.7\n" + b"\x00garbage" * 200 + b"\n%%EOF\n", "corrupt PDF"),
])
def test_unreadable_files_raise_a_reason(body: bytes, reason: str) -> None:
    with pytest.raises(DocumentError) as caught:
        extract_pdf(body)
    assert str(caught.value).startswith(reason)


def test_owner_password_only_files_are_read() -> None:
    doc = extract_pdf(make_pdf(password=""))
    assert doc.sections[1].lines[0] == "Chapter 2. Inclusive education"
