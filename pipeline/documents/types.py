"""What a document extractor returns, and the one error it raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class DocumentError(Exception):
    """A document that cannot be read; the message is the failed check's reason."""


MEMORY_REASON = "document needs more memory than the limit to read"


def unreadable(exc: BaseException, label: str) -> DocumentError:
    """The reason for a library's exception: out of memory (the child's limit; lxml reports it as
    a syntax error "Memory allocation failed"), else a corrupt file."""
    if isinstance(exc, MemoryError) or "memory allocation failed" in str(exc).lower():
        return DocumentError(MEMORY_REASON)
    return DocumentError(f"corrupt {label} ({type(exc).__name__})")


@dataclass(frozen=True, slots=True)
class Section:
    """One located part of a document: a PDF page, a spreadsheet sheet, or the whole body."""

    heading: str | None      # "page 3", "sheet Budget"; None for a document without parts
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DocumentText:
    """A document's text and its own metadata, as its format declares them."""

    format: str                          # pdf | docx | xlsx | odt
    sections: tuple[Section, ...]
    title: str | None = None
    modified: str | None = None          # the literal modification date of the metadata
    created: str | None = None
    author: str | None = None
    headings: tuple[str, ...] = ()       # in-text headings (Word and ODT heading styles)
    parts: int = 0                       # pages (PDF) or sheets (spreadsheet)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def has_text(self) -> bool:
        return any(line.strip() for section in self.sections for line in section.lines)
