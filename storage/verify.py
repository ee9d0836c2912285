"""Integrity checks over the whole store: what ``profilewatch verify`` runs.

1. every blob: decompress it, SHA-256 the bytes, compare with its key (the digest recorded at
   capture time) and its recorded size;
2. every version, page by page in number order: its body and text blobs exist and passed (1)
   (the body only while kept: a capture ``prune`` dropped is counted, not checked — its digest
   stays in the chain);
   its number follows the previous one; its ``chain_sha256`` equals the hash recomputed from the
   *stored* previous link and its own recorded fields (:mod:`storage.integrity`), so an edited field
   is pinned to its own version and a removed version to the one after the gap.

Problems are data (:class:`Mismatch`), one per version and thing that differs; nothing is repaired.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.codecs import BlobCodecError, decompress
from storage.integrity import chain_fields, chain_hash
from storage.models import BlobRow, PageRow, VersionRow, ZstdDictRow
from storage.prune import PRUNED_CODEC

logger = logging.getLogger(__name__)

# Blobs are read this many rows at a time (bodies are up to a few MB each compressed).
BLOB_BATCH = 64


@dataclass(frozen=True, slots=True)
class Mismatch:
    url: str | None           # None for a blob no version uses
    version: int | None
    what: str

    def line(self) -> str:
        where = self.url or "(unreferenced blob)"
        if self.version is not None:
            where += f" v{self.version}"
        return f"{where}: {self.what}"

    def as_json(self) -> dict[str, object]:
        return {"url": self.url, "version": self.version, "problem": self.what}


@dataclass(slots=True)
class VerifyReport:
    pages: int = 0
    versions: int = 0
    blobs: int = 0
    pruned: int = 0            # versions whose raw capture was dropped by ``prune``
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _short(digest: str) -> str:
    return digest[:12] + "…"


def _check_blobs(session: Session) -> tuple[int, dict[str, str]]:
    """Every blob's digest and size; returns (count, {digest: problem})."""
    dictionaries: dict[int, bytes] = {}

    def load(key: int) -> bytes:
        if key not in dictionaries:
            row = session.get(ZstdDictRow, key)
            if row is None:
                raise LookupError(f"compression dictionary {key} is missing")
            dictionaries[key] = row.data
        return dictionaries[key]

    # keyframes of deltas, read on a second session: the first one is streaming the blob table
    side = Session(session.get_bind())

    def keyframe(digest: str) -> bytes:
        row = side.get(BlobRow, digest)
        if row is None:
            raise LookupError(f"its keyframe {_short(digest)} is missing")
        if row.codec.startswith("zstd-ref:"):
            raise BlobCodecError(f"its keyframe {_short(digest)} is itself a delta")
        return decompress(row.codec, row.data, load)

    try:
        problems: dict[str, str] = {}
        count = 0
        query = select(BlobRow.sha256, BlobRow.codec, BlobRow.data, BlobRow.size)
        for digest, codec, payload, size in session.execute(
                query.execution_options(yield_per=BLOB_BATCH)):
            count += 1
            if codec == PRUNED_CODEC:           # emptied by ``prune``: checked by its versions
                problems[digest] = PRUNED_CODEC
                continue
            try:
                data = decompress(codec, payload, load, keyframe)
            except (BlobCodecError, LookupError) as exc:
                problems[digest] = f"cannot be decompressed ({exc})"
                continue
            actual = hashlib.sha256(data).hexdigest()
            if actual != digest:
                problems[digest] = f"content hashes to {_short(actual)}, not its recorded {_short(digest)}"
            elif len(data) != size:
                problems[digest] = f"is {len(data)} bytes, recorded as {size}"
    finally:
        side.close()
    return count, problems


def verify_store(session: Session) -> VerifyReport:
    """Run checks 1-2 of the module docstring."""
    report = VerifyReport()
    report.blobs, blob_problems = _check_blobs(session)
    referenced: set[str] = set()
    rows = session.execute(select(PageRow.url, VersionRow)
                           .join(VersionRow, VersionRow.page_id == PageRow.id)
                           .order_by(PageRow.id, VersionRow.number)).all()
    by_page: dict[str, list[VersionRow]] = defaultdict(list)
    for url, version in rows:
        by_page[url].append(version)
    existing = set(session.scalars(select(BlobRow.sha256)).all())
    report.pages = len(by_page)
    for url, versions in by_page.items():
        previous: VersionRow | None = None
        for v in versions:
            report.versions += 1
            found = report.mismatches
            digests = [("raw body", v.body_sha256), ("extracted text", v.content_sha256)]
            if v.capture_pruned_at is not None:
                report.pruned += 1
                digests = digests[1:]
            for label, digest in digests:
                referenced.add(digest)
                if digest not in existing:
                    found.append(Mismatch(url, v.number, f"{label} blob {_short(digest)} is missing"))
                elif blob_problems.get(digest) == PRUNED_CODEC:
                    found.append(Mismatch(url, v.number, f"{label} blob {_short(digest)} was "
                                                         "pruned, but this version was not"))
                elif digest in blob_problems:
                    found.append(Mismatch(url, v.number,
                                          f"{label} blob {_short(digest)} {blob_problems[digest]}"))
            expected_number = previous.number + 1 if previous else 1
            if v.number != expected_number:
                found.append(Mismatch(url, v.number, f"version {expected_number} is missing "
                                                     f"(numbers jump to {v.number})"))
            fields = chain_fields(url=url, number=v.number, fetched_at=v.fetched_at,
                                  body_sha256=v.body_sha256, content_sha256=v.content_sha256,
                                  title=v.title, declared_text=v.declared_text,
                                  declared_value=v.declared_value)
            expected = chain_hash(previous.chain_sha256 if previous else None, fields)
            if expected != v.chain_sha256:
                found.append(Mismatch(url, v.number,
                                      f"hash chain broken: stored {_short(v.chain_sha256)}, recomputed "
                                      f"{_short(expected)} (URL, number, capture time, digests, "
                                      "title or declared date differ from what was recorded, or "
                                      "the previous version changed)"))
            previous = v
    for digest, problem in sorted(blob_problems.items()):
        if digest not in referenced and problem != PRUNED_CODEC:
            report.mismatches.append(Mismatch(None, None, f"blob {_short(digest)} {problem}"))
    logger.info("verified %s blobs and %s versions of %s pages: %s mismatches", report.blobs,
                report.versions, report.pages, len(report.mismatches))
    return report
