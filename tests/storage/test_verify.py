"""``verify``: every digest and hash chain recomputed; tampering with stored rows is caught and
pinned to the page and version (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from storage.codecs import compress
from storage.models import BlobRow, CheckRow, PageRow, VersionRow
from storage.store import Store
from tests.support.archive import T0, add_sources, record, unesco_history
from tests.support.mockserver import render_variant

PEER = "https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology"
OTHER = "https://www.unicef.org/azerbaijan/inclusive-education"


def build(store: Store) -> None:
    add_sources(store, {PEER: ("unesco-peer", "UNESCO"), OTHER: ("unicef", "UNICEF")})
    unesco_history(store, PEER)
    record(store, OTHER, "unicef", render_variant("unicef-page", "base"), T0, organisation="UNICEF")


def lines(store: Store) -> list[str]:
    return [m.line() for m in store.verify().mismatches]


def version_row(store: Store, number: int) -> Any:
    with store.session() as s:
        return s.scalars(select(VersionRow).join(PageRow).where(PageRow.url == PEER,
                                                                VersionRow.number == number)).one()


def test_an_untouched_archive_verifies(store: Store) -> None:
    build(store)
    report = store.verify()
    assert report.ok, report.mismatches
    assert (report.pages, report.versions) == (2, 5)
    assert report.blobs == 9      # 5 bodies; texts: v3 (metadata-only) shares v2's


def test_an_extracted_text_edited_in_place_is_caught(store: Store) -> None:
    build(store)
    v2 = version_row(store, 2)
    text = store.text(store.version(PEER, number=2))
    forged = text.replace("This sentence was added in revision 1.", "This sentence says otherwise.")
    assert forged != text
    codec, payload = compress(forged.encode())
    with store.engine.begin() as connection:
        connection.execute(update(BlobRow).where(BlobRow.sha256 == v2.content_sha256)
                           .values(codec=codec, data=payload, size=len(forged.encode())))
    found = lines(store)
    # the text is shared by version 2 and the metadata-only version 3: both are named
    assert found == [
        f"{PEER} v2: extracted text blob {v2.content_sha256[:12]}… content hashes to "
        f"{_sha(forged)[:12]}…, not its recorded {v2.content_sha256[:12]}…",
        f"{PEER} v3: extracted text blob {v2.content_sha256[:12]}… content hashes to "
        f"{_sha(forged)[:12]}…, not its recorded {v2.content_sha256[:12]}…",
    ]


def test_an_edited_version_field_breaks_its_chain_link(store: Store) -> None:
    build(store)
    with store.engine.begin() as connection:
        connection.execute(update(VersionRow).where(VersionRow.id == version_row(store, 2).id)
                           .values(declared_text="Mon, 01/01/2024 - 00:00"))
    found = lines(store)
    assert len(found) == 1
    assert found[0].startswith(f"{PEER} v2: hash chain broken: stored ")


def test_a_removed_version_and_a_corrupt_body_are_caught(store: Store) -> None:
    build(store)
    v3, v4 = version_row(store, 3), version_row(store, 4)
    with store.engine.begin() as connection:
        connection.execute(update(CheckRow).where(CheckRow.version_id == v3.id)
                           .values(version_id=None))
        connection.execute(delete(VersionRow).where(VersionRow.id == v3.id))
        connection.execute(update(BlobRow).where(BlobRow.sha256 == v4.body_sha256)
                           .values(codec="zstd", data=b"\x28\xb5\x2f\xfd garbage"))
    found = lines(store)
    assert len(found) == 3, found
    assert found[0].startswith(f"{PEER} v4: raw body blob {v4.body_sha256[:12]}… cannot be "
                               "decompressed")
    assert found[1] == f"{PEER} v4: version 3 is missing (numbers jump to 4)"
    assert found[2].startswith(f"{PEER} v4: hash chain broken")


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()
