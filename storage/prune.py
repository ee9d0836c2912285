"""Dropping old raw captures: ``profilewatch prune --captures-before TIME``.

A version is *superseded before TIME* when a later version of its page was captured at or before
TIME (to the second, as ``show --at`` reads times); the version live at TIME and every later one
keep their capture. Pruning drops the body blobs of superseded versions and marks the versions
(``capture_pruned_at``); versions, texts, events, digests and hash chains stay.

1. Candidates: superseded versions whose capture is not pruned yet, with their body digests.
2. A candidate digest is *protected* when anything kept still references it: the body of a kept
   version (blobs are shared by content, across pages), any version's text, and any other column
   of the schema with a foreign key to ``blobs`` (requisites, tables …, found by reflection).
3. Keyframes: a kept blob stored as a delta (``zstd-ref:<sha>``) needs its keyframe; such a
   keyframe is kept too (deltas stay one level deep, and the extraction workers' cached keyframe
   of a page stays valid — re-encoding would save one keyframe per page and risk both).
4. The rest is emptied, in batches, and its versions marked; what goes is counted first, so the
   dry run and the real run print the same figures. An emptied blob keeps its row — digest,
   recorded size and codec :data:`PRUNED_CODEC`, no data — because versions reference their raw
   body by foreign key; storing the same bytes again (a page back to an old text) refills it
   (:func:`storage.blobstore.insert_blob`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar, cast

from sqlalchemy import Column, MetaData, Table, func, select, update
from sqlalchemy.orm import Session

from storage.models import BlobRow, RequisiteCaptureRow, VersionRow
from storage.prune_requisites import PRUNED_CODEC, plan_requisites

logger = logging.getLogger(__name__)

# Digests per IN (…) list: well under SQLite's 32,766 host parameters and PostgreSQL's 65,535.
CHUNK = 500
BLOBS = cast(Table, BlobRow.__table__)
VERSIONS = cast(Table, VersionRow.__table__)
T = TypeVar("T")
REQUISITE_DIGESTS = cast(Table, RequisiteCaptureRow.__table__).c.sha256
__all__ = ["PRUNED_CODEC", "PruneSummary", "prune_captures", "second_bound"]


@dataclass(frozen=True, slots=True)
class PruneSummary:
    """What a prune drops (or, dry, would drop)."""

    before: datetime
    versions: int            # versions whose capture goes
    pages: int               # pages they belong to
    blobs: int               # blobs emptied
    bytes: int               # stored (compressed) bytes of those blobs
    shared: int              # superseded versions kept: a kept version has the same capture
    keyframes: int           # superseded captures kept as keyframes of kept deltas
    requisite_blobs: int = 0     # requisite contents (stylesheets, images …) emptied
    requisite_bytes: int = 0     # their stored bytes

    def line(self, *, dry_run: bool) -> str:
        verb = "would drop" if dry_run else "dropped"
        kept = []
        if self.keyframes:
            kept.append(f"{self.keyframes} kept as keyframes of later captures")
        if self.shared:
            kept.append(f"{self.shared} shared with kept versions")
        tail = f"; {', '.join(kept)}" if kept else ""
        return (f"{verb} the raw captures of {self.versions} versions of {self.pages} pages "
                f"superseded before {self.before.strftime('%Y-%m-%dT%H:%M:%SZ')}: {self.blobs} "
                f"blobs, {self.bytes} bytes, and {self.requisite_blobs} requisites only they "
                f"used, {self.requisite_bytes} bytes{tail}")


def second_bound(at: datetime) -> datetime:
    """The exclusive bound of "captured at or before ``at``", to the second."""
    return at.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)


def prune_captures(session: Session, before: datetime, *, now: datetime,
                   dry_run: bool = False) -> PruneSummary:
    """Points 1-4 of the module docstring (inside ``session.begin()`` unless ``dry_run``)."""
    if not dry_run:
        _hold_writers(session)
    candidates = _candidates(session, second_bound(before))
    superseded = {version_id for version_id, _, _ in candidates}
    wanted = {digest for _, _, digest in candidates}
    protected = _protected(session, wanted, superseded) | _requisite_digests(session, wanted)
    doomed = wanted - protected
    keyframes = _needed_keyframes(session, doomed)
    doomed -= keyframes
    going = [(vid, page) for vid, page, digest in candidates if digest in doomed]
    # requisites: those only versions without their capture show (pruned now, or before)
    plan = plan_requisites(session, {vid for vid, _ in going} | _already_pruned(session))
    requisites = set(plan.candidates - plan.protected - doomed - keyframes)
    requisites -= _protected(session, requisites, set())
    requisites -= _needed_keyframes(session, requisites)
    summary = PruneSummary(
        before=before, versions=len(going), pages=len({page for _, page in going}),
        blobs=len(doomed), bytes=_stored_bytes(session, doomed),
        shared=sum(1 for _, _, d in candidates if d in protected),
        keyframes=sum(1 for _, _, d in candidates if d in keyframes),
        requisite_blobs=len(requisites), requisite_bytes=_stored_bytes(session, requisites))
    if dry_run:
        return summary
    for ids in _chunks([vid for vid, _ in going]):
        session.execute(update(VERSIONS).where(VERSIONS.c.id.in_(ids))
                        .values(capture_pruned_at=now))
    for chunk in _chunks(sorted(doomed | requisites)):
        session.execute(update(BLOBS).where(BLOBS.c.sha256.in_(chunk))
                        .values(codec=PRUNED_CODEC, data=b""))
    logger.info("%s", summary.line(dry_run=False))
    return summary


def _stored_bytes(session: Session, digests: set[str]) -> int:
    size = 0
    for chunk in _chunks(sorted(digests)):
        size += session.execute(select(func.coalesce(func.sum(func.length(BlobRow.data)), 0))
                                .where(BlobRow.sha256.in_(chunk),
                                       BlobRow.codec != PRUNED_CODEC)).scalar_one()
    return int(size)


def _requisite_digests(session: Session, digests: set[str]) -> set[str]:
    """The digests of ``digests`` some requisite capture holds (a page's body identical to a
    requisite stays with it)."""
    found: set[str] = set()
    for chunk in _chunks(sorted(digests)):
        found.update(session.scalars(select(REQUISITE_DIGESTS).where(REQUISITE_DIGESTS.in_(chunk))))
    return found


def _already_pruned(session: Session) -> set[int]:
    return set(session.scalars(select(VersionRow.id)
                               .where(VersionRow.capture_pruned_at.is_not(None))))


def _hold_writers(session: Session) -> None:
    """Writers wait until the prune commits: a run storing, between the scan and the update, a
    version whose capture is a doomed blob would otherwise lose it. (It waits a moment, then
    finds the blob emptied and refills it.)"""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # pysqlite begins no transaction before a SELECT: take the write lock first
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("LOCK TABLE versions, blobs, requisite_captures, "
                                   "version_requisites IN SHARE ROW EXCLUSIVE MODE")


def _candidates(session: Session, bound: datetime) -> list[tuple[int, int, str]]:
    """(version id, page id, body digest) of every superseded, not yet pruned version."""
    live = (select(VersionRow.page_id, func.max(VersionRow.number).label("n"))
            .where(VersionRow.fetched_at < bound).group_by(VersionRow.page_id).subquery())
    rows = session.execute(
        select(VersionRow.id, VersionRow.page_id, VersionRow.body_sha256)
        .join(live, live.c.page_id == VersionRow.page_id)
        .where(VersionRow.number < live.c.n, VersionRow.capture_pruned_at.is_(None)))
    return [(int(vid), int(page), str(digest)) for vid, page, digest in rows]


def _protected(session: Session, wanted: set[str], pruned_versions: set[int]) -> set[str]:
    """The digests of ``wanted`` that something kept references (point 2)."""
    if not wanted:
        return set()
    found: set[str] = set()
    kept_bodies = (select(VersionRow.id, VersionRow.body_sha256)
                   .where(VersionRow.capture_pruned_at.is_(None))
                   .execution_options(yield_per=10_000))
    for version_id, digest in session.execute(kept_bodies):
        if digest in wanted and version_id not in pruned_versions:
            found.add(digest)
    for column in _blob_references(session):
        query = select(column).where(column.is_not(None)).distinct()
        found.update(d for d in session.scalars(query.execution_options(yield_per=10_000))
                     if d in wanted)
    return found


def _blob_references(session: Session) -> Iterator[Column[str]]:
    """Every column with a foreign key to ``blobs`` but a version's raw body: texts, and the
    tables other issues add (reflected, so a new one protects its blobs without new code)."""
    reflected = MetaData()
    reflected.reflect(bind=session.connection())
    for table in reflected.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != "blobs":
                continue
            if table.name == "versions" and fk.parent.name == "body_sha256":
                continue
            if table.name == REQUISITE_DIGESTS.table.name and fk.parent.name == "sha256":
                continue    # requisite captures: storage.prune_requisites decides
            yield cast("Column[str]", fk.parent)


def _needed_keyframes(session: Session, doomed: set[str]) -> set[str]:
    """The digests of ``doomed`` that a kept delta is compressed against (point 3)."""
    if not doomed:
        return set()
    needed: set[str] = set()
    deltas = (select(BlobRow.sha256, BlobRow.codec).where(BlobRow.codec.like("zstd-ref:%"))
              .execution_options(yield_per=10_000))
    for digest, codec in session.execute(deltas):
        reference = codec.split(":", 1)[1]
        if reference in doomed and digest not in doomed:
            needed.add(reference)
    return needed


def _chunks(items: Iterable[T]) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch
