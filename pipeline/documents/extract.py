"""The dispatcher: a document's bytes and format → its text and metadata (in this process)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.documents.docx import extract_docx
from pipeline.documents.odt import extract_odt
from pipeline.documents.pdf import extract_pdf
from pipeline.documents.types import MEMORY_REASON, DocumentError, DocumentText, Section
from pipeline.documents.xlsx import extract_xlsx

EXTRACTORS: dict[str, Callable[[bytes], DocumentText]] = {
    "pdf": extract_pdf,
    "docx": extract_docx,
    "xlsx": extract_xlsx,
    "odt": extract_odt,
}


def extract_document(body: bytes, fmt: str) -> DocumentText:
    """Extract with the format's library; every failure is a :class:`DocumentError`."""
    extractor = EXTRACTORS.get(fmt)
    if extractor is None:
        raise DocumentError(f"unsupported document format {fmt}")
    try:
        return extractor(body)
    except DocumentError:
        raise
    except MemoryError:
        raise DocumentError(MEMORY_REASON) from None
    except RecursionError:
        raise DocumentError(f"corrupt {fmt.upper()} (nested too deeply)") from None
    except Exception as exc:  # a library bug on a hostile file: the check fails, the run goes on
        raise DocumentError(f"unreadable {fmt.upper()} ({type(exc).__name__})") from None


def to_json(doc: DocumentText) -> dict[str, Any]:
    return {"format": doc.format, "title": doc.title, "modified": doc.modified,
            "created": doc.created, "author": doc.author, "headings": list(doc.headings),
            "parts": doc.parts, "extra": doc.extra,
            "sections": [{"heading": s.heading, "lines": list(s.lines)} for s in doc.sections]}


def from_json(data: dict[str, Any]) -> DocumentText:
    return DocumentText(
        format=str(data["format"]), title=data.get("title"), modified=data.get("modified"),
        created=data.get("created"), author=data.get("author"),
        headings=tuple(data.get("headings") or ()), parts=int(data.get("parts") or 0),
        extra=dict(data.get("extra") or {}),
        sections=tuple(Section(s.get("heading"), tuple(s.get("lines") or ()))
                       for s in data.get("sections") or ()))
