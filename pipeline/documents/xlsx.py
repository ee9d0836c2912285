"""Spreadsheet (XLSX) text with openpyxl in read-only mode: each sheet as tab-separated rows."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any

from pipeline.documents.types import DocumentText, Section, unreadable
from pipeline.documents.zipguard import open_checked


def extract_xlsx(body: bytes) -> DocumentText:
    """Every worksheet's non-empty rows (trailing empty cells dropped), and core properties."""
    open_checked(body, "XLSX")
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:   # openpyxl raises KeyError, ValueError, zip and XML errors
        raise unreadable(exc, "XLSX") from None
    try:
        sections = tuple(Section(f"sheet {sheet.title}", tuple(_rows(sheet)))
                         for sheet in book.worksheets)
        props = book.properties
    except Exception as exc:
        raise unreadable(exc, "XLSX") from None
    finally:
        book.close()
    return DocumentText(format="xlsx", sections=sections, parts=len(sections),
                        title=_text(props.title), modified=_when(props.modified),
                        created=_when(props.created), author=_text(props.creator))


def _rows(sheet: Any) -> list[str]:
    rows = []
    for values in sheet.iter_rows(values_only=True):
        cells = [_cell(value) for value in values]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            rows.append("\t".join(cells))
    return rows


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return " ".join(str(value).split())


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _text(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None
