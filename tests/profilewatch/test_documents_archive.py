"""A linked document in the archive's other doors: the web UI links the archived file, Memento
serves its bytes with their media type, the Atom feed says which page links it, the WARC export
carries the file, and ``verify`` covers it (issue 15). Built in process through the store API."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pipeline.documents.analyse import analyse_document
from pipeline.documents.extract import extract_document
from pipeline.types import Fetched
from profilewatch.web.app import create_app
from storage.results import CheckInput
from storage.store import Store
from tests.support import documents as docs
from tests.support.archive import T0, add_sources, record

PAGE = "https://www.unicef.org/azerbaijan/inclusive-education"
DOC = "https://www.unicef.org/azerbaijan/media/1234/file/situation-analysis.pdf"
PDF = "application/pdf"


def record_document(store: Store, body: bytes, at_hours: int) -> None:
    at = T0 + timedelta(hours=at_hours)
    headers = {"content-type": PDF}
    fetched = Fetched(url=DOC, source="unicef", fetched_at=at, status=200, final_url=DOC,
                      headers=headers, body=body, hints={"document": True})
    analysis = analyse_document(fetched, organisation="UNICEF", extractor=extract_document)
    store.record(CheckInput(url=DOC, source="unicef", fetched_at=at, analysis=analysis, status=200,
                            final_url=DOC, headers=headers, body=body, body_size=len(body)))


@pytest.fixture
def archive(db_url: str) -> Iterator[tuple[Store, list[bytes]]]:
    """On SQLite and PostgreSQL (the link table and the kind column through the migrations)."""
    store = Store.open(db_url)
    add_sources(store, {PAGE: ("unicef", "UNICEF")})
    record(store, PAGE, "unicef", "<html><head><title>Inclusive education</title>"
           "</head><body><main><h1>Inclusive education</h1><p>" + "Every child learns. " * 30
           + f'<a href="{DOC}">Situation analysis</a></p></main></body></html>', T0,
           organisation="UNICEF")
    assert store.link_documents("unicef", PAGE, [DOC]) == [DOC]
    edited = [list(p) for p in docs.REPORT_PAGES]
    edited[1][2] = "Teachers trained in inclusive methods: 2,400."
    bodies = [docs.make_pdf(), docs.make_pdf(edited)]
    record_document(store, bodies[0], 1)
    record_document(store, bodies[1], 2)
    yield store, bodies
    store.close()


def test_store_events_and_links(archive: tuple[Store, list[bytes]]) -> None:
    store, _ = archive
    events = store.events(url=DOC)
    assert [(e.kind, e.document, e.linked_from) for e in events] == [
        ("new", True, (PAGE,)), ("content", True, (PAGE,))]
    assert store.events(url=PAGE)[0].document is False
    assert store.linked_from([PAGE, DOC]) == {DOC: [PAGE]}
    assert store.verify().ok


def test_web_ui_memento_and_feed(archive: tuple[Store, list[bytes]]) -> None:
    store, bodies = archive
    client = TestClient(create_app(store))
    version = client.get("/version", params={"url": DOC, "version": "1"})
    assert version.status_code == 200
    assert "Archived file (PDF)" in version.text and "[page 2]" in version.text
    stamp = store.history(DOC)[0].fetched_at.strftime("%Y%m%d%H%M%S")
    memento = client.get(f"/web/{stamp}/{DOC}")
    assert memento.status_code == 200
    assert memento.headers["content-type"] == PDF and memento.content == bodies[0]
    timeline = client.get("/page", params={"url": DOC})
    assert timeline.status_code == 200 and "Linked document" in timeline.text
    assert f">{PAGE}</a>" in timeline.text and "latest archived file" in timeline.text
    assert "Linked document" not in client.get("/page", params={"url": PAGE}).text
    feed = client.get("/feed.atom")
    assert feed.status_code == 200
    assert f"Linked document changed: Situation Analysis linked from {PAGE}" in feed.text


def test_warc_export_carries_the_files(archive: tuple[Store, list[bytes]], tmp_path: Path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    from profilewatch.warc import export_warc

    store, bodies = archive
    path = tmp_path / "docs.warc"
    export_warc(store, path, [DOC])
    payloads = []
    with path.open("rb") as stream:
        for rec in ArchiveIterator(stream):
            if rec.rec_type == "response":
                assert rec.rec_headers.get_header("WARC-Target-URI") == DOC
                assert rec.http_headers.get_header("Content-Type") == PDF
                payloads.append(rec.content_stream().read())
    assert payloads == bodies
    assert io.BytesIO(payloads[1]).read(5) == b"%PDF-"
