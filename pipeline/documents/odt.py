"""OpenDocument text (ODT) with odfpy: headings, paragraphs and tables in order; meta.xml."""

from __future__ import annotations

import io
from typing import Any

from pipeline.documents.types import DocumentError, DocumentText, Section, unreadable
from pipeline.documents.zipguard import open_checked


def extract_odt(body: bytes) -> DocumentText:
    open_checked(body, "ODT")
    from odf import opendocument

    try:
        document = opendocument.load(io.BytesIO(body))
        lines: list[str] = []
        headings: list[str] = []
        _walk(document.text, lines, headings)
        meta = _meta(document)
    except DocumentError:
        raise
    except Exception as exc:   # odfpy raises KeyError, SAX and zip errors on broken files
        raise unreadable(exc, "ODT") from None
    return DocumentText(format="odt", sections=(Section(None, tuple(lines)),),
                        headings=tuple(headings), title=meta["title"], modified=meta["modified"],
                        created=meta["created"], author=meta["author"])


def _walk(element: Any, lines: list[str], headings: list[str]) -> None:
    from odf import teletype

    for child in element.childNodes:
        name = getattr(child, "qname", None)
        local = name[1] if name else None
        if local == "h":
            text = " ".join(teletype.extractText(child).split())
            if text:
                headings.append(text)
                lines.append(text)
        elif local == "p":
            text = " ".join(teletype.extractText(child).split())
            if text:
                lines.append(text)
        elif local == "table-row":
            cells = [" ".join(teletype.extractText(cell).split()) for cell in child.childNodes
                     if getattr(cell, "qname", (None, None))[1] == "table-cell"]
            if any(cells):
                lines.append("\t".join(cells))
        elif getattr(child, "childNodes", None):
            _walk(child, lines, headings)


def _meta(document: Any) -> dict[str, str | None]:
    from odf import dc, meta, teletype

    def first(kind: Any) -> str | None:
        found = document.meta.getElementsByType(kind)
        text = teletype.extractText(found[0]).strip() if found else ""
        return text or None

    return {"title": first(dc.Title), "modified": first(dc.Date),
            "created": first(meta.CreationDate),
            "author": first(dc.Creator) or first(meta.InitialCreator)}
