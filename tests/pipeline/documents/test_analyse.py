"""A fetched document → Analysis, and the decision table on two fetches of it: re-saved bytes make no
event, a new modification date or title alone is metadata, new text is content located by page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.diff import diff_texts, summarize_diff
from pipeline.documents.analyse import analyse_document, document_date
from pipeline.documents.extract import extract_document
from pipeline.transition import transition
from pipeline.types import Analysis, ChangeKind, Fetched, Outcome, PageState
from tests.support import documents as docs

PDF = "application/pdf"
URL = "https://www.unicef.org/azerbaijan/media/1234/file/situation-analysis.pdf"


def fetch(body: bytes, content_type: str = PDF, url: str = URL, status: int = 200) -> Fetched:
    return Fetched(url=url, source="s", fetched_at=datetime.now(UTC), status=status,
                   headers={"content-type": content_type}, body=body)


def analyse(body: bytes, content_type: str = PDF, url: str = URL) -> Analysis:
    return analyse_document(fetch(body, content_type, url), extractor=extract_document)


def decide(before: Analysis, after: Analysis) -> ChangeKind:
    """The transition of a document whose latest version is ``before`` on the fetch ``after``."""
    first = transition(PageState(page_id=1, url=URL), before, fetched_at=datetime.now(UTC),
                       final_url=URL, headers={}, gone_after=2)
    return transition(first.state, after, fetched_at=datetime.now(UTC), final_url=URL,
                      headers={}, gone_after=2, previous_text="(not compared)").kind


def test_a_pdf_becomes_text_under_page_headings_with_its_metadata() -> None:
    analysis = analyse(docs.make_pdf())
    assert analysis.outcome is Outcome.OK and analysis.extracted is not None
    e = analysis.extracted
    assert e.text.split("\n")[:2] == ["[page 1]", "Situation Analysis of Children in Azerbaijan"]
    assert e.headings == ("[page 1]", "[page 2]", "[page 3]")
    assert e.title == "Situation Analysis"
    assert e.declared is not None and e.declared.value == "2024-03-01T09:30:00Z"
    assert e.metadata["document"] is True and e.metadata["pages"] == 3
    assert analysis.content_type == PDF


def test_transitions() -> None:
    first = analyse(docs.make_pdf())
    assert decide(first, analyse(docs.make_pdf(compress=False))) is ChangeKind.UNCHANGED
    assert decide(first, analyse(docs.make_pdf(modified=datetime(2024, 9, 1)))) is ChangeKind.METADATA
    assert decide(first, analyse(docs.make_pdf(title="Situation Analysis 2024"))) is ChangeKind.METADATA
    edited = [list(p) for p in docs.REPORT_PAGES]
    edited[2][1] = "Expand the pilot to all districts by 2026."
    changed = analyse(docs.make_pdf(edited))
    assert decide(first, changed) is ChangeKind.CONTENT
    assert first.extracted is not None and changed.extracted is not None
    diff = diff_texts(first.extracted.text, changed.extracted.text, changed.extracted.headings)
    assert summarize_diff(diff) == "+1 −1 lines; [page 3]: 1 line changed"


def test_a_spreadsheet_change_is_located_by_sheet() -> None:
    first = analyse(docs.make_xlsx(), "application/octet-stream",
                    "https://example.org/files/data.xlsx")
    changed = analyse(docs.make_xlsx({"Enrolment": [("Region", "2023"), ("North", 1300)],
                                      "Budget": [("Item", "USD"), ("Teachers", 1)]}),
                      "application/octet-stream", "https://example.org/files/data.xlsx")
    assert first.extracted is not None and changed.extracted is not None
    diff = diff_texts(first.extracted.text, changed.extracted.text, changed.extracted.headings)
    assert [s for s, _ in diff.sections()] == ["[sheet Enrolment]", "[sheet Budget]"]


def test_a_scan_is_versioned_by_its_bytes() -> None:
    a, b = analyse(docs.make_image_pdf(2)), analyse(docs.make_image_pdf(3))
    assert a.extracted is not None and a.extracted.metadata["no_text_layer"] is True
    assert "no text layer" in a.extracted.text and a.body_sha256 in a.extracted.text
    assert decide(a, b) is ChangeKind.CONTENT
    assert decide(a, analyse(docs.make_image_pdf(2))) is ChangeKind.UNCHANGED


@pytest.mark.parametrize(("body", "content_type", "url", "reason"), [
    (b"<!doctype html><html><body>Not found</body></html>", "text/html", URL,
     "HTML page served instead of a document"),
    (b"<html><body>Not found</body></html>", PDF, URL, "HTML page served instead of a document"),
    (b"PK\x03\x04 not really", PDF, URL, "corrupt PDF (not a PDF file)"),
    (docs.make_pdf(), "application/octet-stream", "https://example.org/report.docx",
     "corrupt DOCX (not a DOCX file)"),
    (b"", PDF, URL, "empty body"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "application/octet-stream",
     "https://example.org/budget.xlsx", "encrypted XLSX (password-protected Office file)"),
    (b"\x00\x01", "image/png", URL, "not a document (image/png)"),
])
def test_wrong_bodies_are_failed_checks(body: bytes, content_type: str, url: str, reason: str) -> None:
    analysis = analyse(body, content_type, url)
    assert analysis.outcome is Outcome.FAILED and analysis.reason == reason
    assert analysis.extracted is None


def test_statuses_and_transport_errors() -> None:
    assert analyse_document(fetch(b"", status=304)).outcome is Outcome.NOT_MODIFIED
    assert analyse_document(fetch(b"x", status=404)).outcome is Outcome.MISSING
    failed = analyse_document(fetch(b"x", status=503))
    assert failed.outcome is Outcome.FAILED and failed.reason == "HTTP 503"
    error = Fetched(url=URL, source="s", fetched_at=datetime.now(UTC), error="too large")
    assert analyse_document(error).reason == "too large"


def test_document_dates() -> None:
    assert document_date("D:20240301093000+01'00'") == "2024-03-01T08:30:00Z"
    assert document_date("D:20240301") == "2024-03-01T00:00:00"
    assert document_date("2024-02-01T00:00:00+00:00") == "2024-02-01T00:00:00Z"
    assert document_date("yesterday") is None
