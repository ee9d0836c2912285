"""Run history seeded as earlier processes would have left it, and the store checked whole after
killed processes (scheduler, status, stop and cluster tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.models import RunRow
from storage.store import Store


def seed_run(store: Store, source: str, *, started: datetime, finished: datetime | None = None,
             status: str = "completed", trigger: str = "schedule", pages_ok: int = 0,
             pages_failed: int = 0, pid: int | None = None, host: str | None = None) -> int:
    """A run row as an earlier process would have left it (times in the past)."""
    run_id = store.start_run(source, trigger)
    with store.session() as s, s.begin():
        row = s.get(RunRow, run_id)
        assert row is not None
        row.started_at = started
        row.finished_at = finished
        row.status = status
        row.pages_ok = pages_ok
        row.pages_failed = pages_failed
        if pid is not None:
            row.pid = pid
        if host is not None:
            row.host = host
    return run_id


def runs_of(store: Store, source: str) -> list[Any]:
    return sorted(store.runs(source), key=lambda r: r.id)


def assert_store_consistent(store: Store) -> int:
    """Everything a killed process could have half-written is whole; returns the version count.

    Per page: versions numbered 1..n, each with both blobs present and matching their digests,
    and a hash chain that recomputes; every check and event points at versions that exist.
    """
    import hashlib

    from sqlalchemy import select

    from storage.integrity import chain_fields, chain_hash
    from storage.models import CheckRow, EventRow, PageRow, VersionRow
    from storage.recording import read_blob

    total = 0
    with store.session() as s:
        for page in s.scalars(select(PageRow)):
            versions = list(s.scalars(select(VersionRow).where(VersionRow.page_id == page.id)
                                      .order_by(VersionRow.number)))
            assert [v.number for v in versions] == list(range(1, len(versions) + 1)), page.url
            previous = None
            for v in versions:
                for digest in (v.body_sha256, v.content_sha256):
                    assert hashlib.sha256(read_blob(s, digest)).hexdigest() == digest, page.url
                fields = chain_fields(url=page.url, number=v.number, fetched_at=v.fetched_at,
                                      body_sha256=v.body_sha256, content_sha256=v.content_sha256,
                                      title=v.title, declared_text=v.declared_text,
                                      declared_value=v.declared_value)
                assert chain_hash(previous, fields) == v.chain_sha256, (page.url, v.number)
                previous = v.chain_sha256
            total += len(versions)
            numbers = {v.number for v in versions}
            for event in s.scalars(select(EventRow).where(EventRow.page_id == page.id)):
                assert event.to_version is None or event.to_version in numbers, page.url
            ids = {v.id for v in versions}
            for check in s.scalars(select(CheckRow).where(CheckRow.page_id == page.id)):
                assert check.version_id is None or check.version_id in ids, page.url
                assert (check.outcome in ("new", "content", "metadata")) == (
                    check.version_id is not None), (page.url, check.outcome)
    return total
