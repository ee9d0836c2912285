"""Extraction in a child process with a time and a memory limit: a document that takes too long or
needs too much memory is a reason, and the calling process is untouched."""

from __future__ import annotations

import pytest

from pipeline.documents.limited import extract_limited
from pipeline.documents.types import DocumentError
from tests.support.documents import make_docx, make_pdf


def test_the_child_returns_what_the_extractor_reads() -> None:
    doc = extract_limited(make_pdf(), "pdf")
    assert doc.title == "Situation Analysis" and doc.parts == 3
    assert doc.sections[2].lines[1] == "Expand the pilot to all districts by 2027."


def test_reasons_cross_the_process_boundary() -> None:
    with pytest.raises(DocumentError, match=r"^encrypted PDF"):
        extract_limited(make_pdf(password="x"), "pdf")


def test_a_document_over_the_time_limit_is_stopped() -> None:
    pages = [[f"Line {n} of page {p}: enrolment and completion rates by district." for n in range(40)]
             for p in range(150)]
    with pytest.raises(DocumentError, match=r"^extraction took longer than 0.3 s$"):
        extract_limited(make_pdf(pages), "pdf", timeout=0.3)


def test_a_document_over_the_memory_limit_is_stopped() -> None:
    paragraphs = ["Report"] + [f"Paragraph {n}: the ministry extended inclusive education to "
                               f"district {n * 7919 % 1000}." for n in range(3000)]
    body = make_docx(paragraphs)
    with pytest.raises(DocumentError, match=r"^document needs more memory than the limit to read$"):
        extract_limited(body, "docx", memory=3 * 1024 * 1024)
    assert extract_limited(body, "docx").sections[0].lines[-3] == paragraphs[-1]
