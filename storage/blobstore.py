"""Content-addressed blob rows: written once under the SHA-256 of their uncompressed bytes."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from storage.codecs import BlobCodecError, compress, decompress
from storage.models import BlobRow, ZstdDictRow
from storage.prune import PRUNED_CODEC

BLOBS = cast(Table, BlobRow.__table__)
# Deltas reference keyframes, which are never deltas: one level. (A deeper chain can only come
# from tampering and must not recurse without end.)
MAX_REFERENCE_DEPTH = 1


def insert_blob(session: Session, sha256: str, data: bytes, *, codec: str | None = None,
                payload: bytes | None = None, now: datetime, size: int | None = None) -> None:
    """Store ``data`` (or its already compressed ``payload``) unless the digest is stored."""
    if codec is None or payload is None:
        codec, payload = compress(data)
    values = {"sha256": sha256, "size": len(data) if size is None else size, "codec": codec,
              "data": payload, "created_at": now}
    session.connection().execute(_insert_ignore(session.get_bind().dialect.name), values)


@lru_cache(maxsize=4)
def _insert_ignore(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING — except over a blob ``prune`` emptied, which the same
    bytes stored again refill — compiled once per dialect."""
    if dialect in ("postgresql", "sqlite"):
        from sqlalchemy.dialects import postgresql, sqlite  # local: read commands need neither

        insert = (postgresql.insert(BLOBS) if dialect == "postgresql" else sqlite.insert(BLOBS))
        return insert.on_conflict_do_update(
            index_elements=[BLOBS.c.sha256],
            set_={"codec": insert.excluded.codec, "data": insert.excluded.data,
                  "size": insert.excluded.size},
            where=BLOBS.c.codec == PRUNED_CODEC)
    return BLOBS.insert().prefix_with("IGNORE")


def read_blob(session: Session, sha256: str, *, _depth: int = 0) -> bytes:
    row = session.get(BlobRow, sha256)
    if row is None:
        raise LookupError(f"blob {sha256} is missing")
    if _depth > MAX_REFERENCE_DEPTH:
        raise BlobCodecError(f"blob {sha256} references a chain of deltas")
    return decompress(row.codec, row.data, lambda key: _dictionary(session, key),
                      lambda ref: read_blob(session, ref, _depth=_depth + 1))


def _dictionary(session: Session, key: int) -> bytes:
    row = session.get(ZstdDictRow, key)
    if row is None:
        raise LookupError(f"compression dictionary {key} is missing")
    return row.data
