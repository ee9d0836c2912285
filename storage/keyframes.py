"""Keyframes for delta compression, read by extraction workers straight from the store.

A worker compressing a page's new capture needs the bytes of the page's keyframe: the standalone
blob its previous capture is (or is a delta of). Workers open their own read-only connection (a
cached engine per process) so the bytes never travel through the main process.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from storage.codecs import decompress
from storage.engine import make_engine
from storage.models import BlobRow

# A delta larger than this share of its keyframe's standalone size is stored standalone instead,
# and becomes the page's next keyframe (a page that drifted far from its keyframe).
KEYFRAME_RATIO = 0.5


_ENGINES: dict[str, Engine] = {}


def _engine(url: str) -> Engine:
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = make_engine(url)
    return engine


@lru_cache(maxsize=64)
def keyframe(url: str, body_sha256: str) -> tuple[str, bytes, int] | None:
    """``(sha256, bytes, stored size)`` of the keyframe behind ``body_sha256``, or None."""
    with Session(_engine(url)) as session:
        row = session.execute(select(BlobRow.codec, BlobRow.data)
                              .where(BlobRow.sha256 == body_sha256)).first()
        if row is None:
            return None
        sha, codec, data = body_sha256, row[0], row[1]
        if codec.startswith("zstd-ref:"):
            sha = codec.split(":", 1)[1]
            row = session.execute(select(BlobRow.codec, BlobRow.data)
                                  .where(BlobRow.sha256 == sha)).first()
            if row is None or row[0].startswith("zstd-ref:"):
                return None
            codec, data = row[0], row[1]
        if codec.startswith("zstd-dict:"):
            return None
        return sha, decompress(codec, data), len(data)


def close() -> None:
    """Forget cached keyframes and close the connections opened to read them."""
    keyframe.cache_clear()
    for engine in list(_ENGINES.values()):
        engine.dispose()
    _ENGINES.clear()
