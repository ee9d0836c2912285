"""Decompression bombs in Office files are refused before any library reads them."""

from __future__ import annotations

import io
import zipfile

import pytest

from pipeline.documents import zipguard
from pipeline.documents.types import DocumentError
from tests.support.documents import lying_zip, make_docx, zip_bomb_docx


def test_a_member_declaring_a_huge_size_is_a_bomb() -> None:
    with pytest.raises(DocumentError, match=r"decompression bomb: word/document.xml declares"):
        zipguard.open_checked(zip_bomb_docx(300 * 1024 * 1024), "DOCX")


def test_a_member_compressed_a_thousand_times_is_a_bomb() -> None:
    with pytest.raises(DocumentError, match=r"decompression bomb: word/document.xml expands \d+x"):
        zipguard.open_checked(zip_bomb_docx(20 * 1024 * 1024), "DOCX")


def test_a_member_lying_about_its_size_is_caught_when_inflated() -> None:
    body = lying_zip(make_docx(), "word/document.xml", 100)
    with pytest.raises(DocumentError):
        zipguard.open_checked(body, "DOCX")


def test_too_many_members_is_a_bomb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zipguard, "MAX_MEMBERS", 5)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for n in range(6):
            archive.writestr(f"part{n}.xml", "<x/>")
    with pytest.raises(DocumentError, match="6 members"):
        zipguard.open_checked(out.getvalue(), "XLSX")


def test_an_ordinary_document_passes() -> None:
    archive = zipguard.open_checked(make_docx(), "DOCX")
    assert "word/document.xml" in archive.namelist()
