"""PDF text page by page, with pypdf; title and dates from the Info dictionary, else XMP.

pypdf was chosen over pdfminer.six by measurement (``python -m benchmarks.documents``, numbers in
docs/documents.md): on the same generated reports both return the same words in the same order per
page, and pypdf is several times faster and lighter; pdfminer's layout analysis buys nothing for a
fingerprint of the words.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime
from typing import Any

from pipeline.documents.types import DocumentError, DocumentText, Section, unreadable

logger = logging.getLogger(__name__)

# A file whose last this-many bytes hold no ``%%EOF`` marker was cut short in transfer (the marker
# ends every complete PDF; some writers add a little padding after it).
EOF_WINDOW = 4096


def extract_pdf(body: bytes) -> DocumentText:
    """The text of every page and the document's own metadata; raises :class:`DocumentError`."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    if b"%PDF-" not in body[:1024]:
        raise DocumentError("corrupt PDF (no PDF header)")
    if b"%%EOF" not in body[-EOF_WINDOW:]:
        raise DocumentError("truncated PDF (no end-of-file marker)")
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            _decrypt(reader)
        sections = tuple(Section(f"page {number}", tuple(_page_text(page).split("\n")))
                         for number, page in enumerate(reader.pages, start=1))
        info = _info(reader)
    except DocumentError:
        raise
    except MemoryError as exc:
        raise unreadable(exc, "PDF") from None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, AssertionError, RecursionError, OSError, ZeroDivisionError) as exc:
        raise DocumentError(f"corrupt PDF ({type(exc).__name__}: {_first_line(exc)})") from None
    return DocumentText(format="pdf", sections=sections, parts=len(sections), title=info["title"],
                        modified=info["modified"], created=info["created"], author=info["author"])


def _decrypt(reader: Any) -> None:
    """Open a file protected only by an owner password (an empty user password); refuse others."""
    try:
        opened = reader.decrypt("")
    except Exception:   # missing crypto backend, unknown handler: not readable here either way
        opened = 0
    if not opened:
        raise DocumentError("encrypted PDF (password required)")


def _page_text(page: Any) -> str:
    text = page.extract_text() or ""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def _info(reader: Any) -> dict[str, str | None]:
    info = reader.metadata or {}
    title = _text(info.get("/Title"))
    author = _text(info.get("/Author"))
    modified = _text(info.get("/ModDate"))
    created = _text(info.get("/CreationDate"))
    if not (title and modified):
        xmp = _xmp(reader)
        title = title or xmp.get("title")
        modified = modified or xmp.get("modified")
        created = created or xmp.get("created")
        author = author or xmp.get("author")
    return {"title": title, "modified": modified, "created": created, "author": author}


def _xmp(reader: Any) -> dict[str, str | None]:
    try:
        xmp = reader.xmp_metadata
    except Exception:   # broken XMP is no reason to lose the text
        return {}
    if xmp is None:
        return {}
    titles = xmp.dc_title or {}
    creators = xmp.dc_creator or []
    return {"title": _text(next(iter(titles.values()), None)) if isinstance(titles, dict) else None,
            "modified": _when(xmp.xmp_modify_date), "created": _when(xmp.xmp_create_date),
            "author": _text(creators[0]) if creators else None}


def _when(value: object) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    return _text(value)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:120] if text else "unreadable"
