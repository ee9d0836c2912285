"""``profilewatch copy``: SQLite ↔ PostgreSQL with identical histories, events, blobs and chains;
only into an empty store; a consistent snapshot of a live SQLite store; bounded memory."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage import keyframes
from storage.copy import copy_store
from storage.engine import normalise_url
from storage.store import Store
from tests.support.inprocess import Ran
from tests.support.mockserver import render_variant
from tests.support.realistic_store import (
    DAY,
    PAGES,
    T0,
    archive_state,
    build_archive,
    built_archive,
    capture,
)


@pytest.fixture
def built(db_url: str) -> tuple[str, dict[str, object]]:
    """A store recorded through the real code at ``db_url`` and its state."""
    return db_url, built_archive(db_url)


def _other_backend(url: str, tmp_path: Path, new_pg_url: Callable[[], str], name: str) -> str:
    return new_pg_url() if url.startswith("sqlite") else f"sqlite:///{tmp_path / name}"


def _same_backend(url: str, tmp_path: Path, new_pg_url: Callable[[], str], name: str) -> str:
    return f"sqlite:///{tmp_path / name}" if url.startswith("sqlite") else new_pg_url()


def _cli_view(run_cli: Callable[..., Ran], db: str, urls: list[str]) -> dict[str, object]:
    """What scripts read: ``history --json`` of every page and ``changes --json``."""
    view: dict[str, object] = {url: run_cli(db, "history", url, "--json").json() for url in urls}
    view["changes"] = run_cli(db, "changes", "--json").json()
    return view


@pytest.mark.postgres
def test_copy_both_ways_keeps_every_history_event_blob_and_chain(
        built: tuple[str, dict[str, object]], tmp_path: Path, new_pg_url: Callable[[], str],
        run_cli: Callable[..., Ran]) -> None:
    source, state = built
    there = _other_backend(source, tmp_path, new_pg_url, "there.db")
    back = _same_backend(source, tmp_path, new_pg_url, "back.db")
    urls = [url for _, url, _ in PAGES]
    original = _cli_view(run_cli, source, urls)
    assert len(original["changes"]) >= 15          # type: ignore[arg-type]

    for origin, target in ((source, there), (there, back)):
        copied = run_cli(origin, "copy", "--to", target)
        assert copied.code == 0, copied.stderr
        assert "copied 3 pages" in copied.stderr and copied.stdout == ""
        verified = run_cli(target, "verify")
        assert verified.code == 0, verified.stdout + verified.stderr
        assert _cli_view(run_cli, target, urls) == original
        store = Store.open(target)
        try:
            assert archive_state(store) == state
        finally:
            store.close()

    # the copy is a working store: the next capture gets the next version and event id
    store = Store.open(there)
    try:
        sample, url, source_name = PAGES[0]
        capture(store, there, url, source_name, render_variant(sample, "edit:9").encode(),
                T0 + 30 * DAY)
        events = store.events()
        assert events[-1].id == max(e["id"] for e in original["changes"]) + 1  # type: ignore[index, union-attr]
        assert store.history(url)[-1].version == len(original[url]) + 1  # type: ignore[arg-type]
    finally:
        store.close()
        keyframes.close()


def test_a_target_with_pages_is_refused_and_left_untouched(
        archived: tuple[str, dict[str, object]], tmp_path: Path,
        run_cli: Callable[..., Ran]) -> None:
    source, _ = archived
    target = f"sqlite:///{tmp_path / 'full.db'}"
    copy_store(source, target)
    store = Store.open(target)
    try:
        before = archive_state(store)
    finally:
        store.close()
    refused = run_cli(source, "copy", "--to", target)
    assert refused.code == 2
    assert refused.stderr.strip().count("\n") == 0
    assert "not empty (3 pages)" in refused.stderr and "nothing was written" in refused.stderr
    store = Store.open(target)
    try:
        assert archive_state(store) == before
    finally:
        store.close()


def test_a_target_with_the_schema_but_no_pages_counts_as_empty(
        archived: tuple[str, dict[str, object]], tmp_path: Path) -> None:
    source, state = archived
    target = f"sqlite:///{tmp_path / 'schema-only.db'}"
    store = Store.open(target)
    store.sync_sources([])                      # the schema, nothing else
    store.close()
    copy_store(source, target)
    store = Store.open(target)
    try:
        assert archive_state(store) == state
    finally:
        store.close()


def test_copying_a_store_onto_itself_is_refused(tmp_path: Path,
                                                run_cli: Callable[..., Ran]) -> None:
    db = f"sqlite:///{tmp_path / 'a.db'}"
    Store.open(db).close()
    result = run_cli(db, "copy", "--to", f"sqlite:///{tmp_path}/./a.db")
    assert result.code == 2 and "names the store --db names" in result.stderr


class WriteDuringCopy:
    """A progress hook that, once the copy has started reading, records a new version of a page
    through a second store on the same file (a run writing at the same time)."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.wrote = False
        self.tables: list[str] = []

    def table(self, name: str, rows: int) -> None:
        self.tables.append(name)
        if name == "pages" and not self.wrote:
            # a short busy timeout: a copy that locked the writer out would fail the test
            writer = Store.open(self.db_url + "?timeout=2")
            try:
                sample, url, source = PAGES[0]
                capture(writer, self.db_url, url, source,
                        render_variant(sample, "edit:8").encode(), T0 + 20 * DAY)
            finally:
                writer.close()
            self.wrote = True

    def advance(self, rows: int) -> None:
        pass


def test_a_live_sqlite_store_copies_as_one_consistent_snapshot(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'live.db'}"
    store = Store.open(source)
    try:
        build_archive(store, source)
        before = archive_state(store)
        hook = WriteDuringCopy(source)
        target = f"sqlite:///{tmp_path / 'backup.db'}"
        report = copy_store(source, target, progress=hook)
        assert hook.wrote and hook.tables.index("pages") < hook.tables.index("versions")
        after = archive_state(store)
    finally:
        store.close()
        keyframes.close()
    # the writer committed while the copy ran: the live store has the new version …
    assert len(after["events"]) == len(before["events"]) + 1  # type: ignore[arg-type]
    # … and the copy is the store as it was when the copy began, whole
    copied = Store.open(target)
    try:
        assert archive_state(copied) == before
        assert copied.verify().ok
    finally:
        copied.close()
    assert report.rows["versions"] == sum(len(h) for h in before["histories"].values())  # type: ignore[attr-defined]


def test_tables_the_copy_does_not_know_are_copied_in_dependency_order(
        archived: tuple[str, dict[str, object]], tmp_path: Path) -> None:
    """A table another issue adds (here: one referencing versions and blobs) is copied without
    new code, after the tables it references."""
    source, _ = archived
    target = f"sqlite:///{tmp_path / 'target.db'}"
    Store.open(target).close()
    for url in (source, target):
        # what ``sa.DateTime(timezone=True)`` of a migration creates on each backend
        when = "DATETIME" if url.startswith("sqlite") else "TIMESTAMP WITH TIME ZONE"
        ddl = ("CREATE TABLE version_extras (id INTEGER PRIMARY KEY, "
               "version_id INTEGER NOT NULL REFERENCES versions(id), "
               f"sha256 VARCHAR(64) REFERENCES blobs(sha256), noted_at {when}, note TEXT)")
        engine = create_engine(normalise_url(url))
        with engine.begin() as connection:
            connection.execute(text(ddl))
            if url == source:
                sha = connection.execute(text("SELECT body_sha256 FROM versions LIMIT 1")).scalar()
                connection.execute(text(
                    "INSERT INTO version_extras VALUES (7, 1, :sha, '2024-02-01 10:00:00', 'x')"),
                    {"sha": sha})
        engine.dispose()
    report = copy_store(source, target)
    assert report.rows["version_extras"] == 1
    engine = create_engine(target)
    with engine.connect() as connection:
        row = connection.execute(text("SELECT id, version_id, note, noted_at "
                                      "FROM version_extras")).one()
    engine.dispose()
    assert tuple(row)[:3] == (7, 1, "x") and str(row[3]).startswith("2024-02-01 10:00:00")


def test_a_store_larger_than_memory_is_copied_in_bounded_memory(tmp_path: Path) -> None:
    """40 MB of incompressible captures copy with a small, fixed peak of Python memory."""
    source = f"sqlite:///{tmp_path / 'big.db'}"
    Store.open(source).close()
    engine = create_engine(source)
    with engine.begin() as connection:
        for n in range(160):
            data = os.urandom(256 * 1024)
            connection.execute(text("INSERT INTO blobs (sha256, size, codec, data, created_at) "
                                    "VALUES (:s, :n, 'raw', :d, '2024-01-01 00:00:00')"),
                               {"s": f"{n:064x}", "n": len(data), "d": data})
    engine.dispose()
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    tracemalloc.start()
    try:
        report = copy_store(source, target, batch_bytes=2 * 1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.rows["blobs"] == 160 and report.bytes == 160 * 256 * 1024
    assert peak < 12 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB for a 42 MB store"
