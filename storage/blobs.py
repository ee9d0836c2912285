"""Compression codecs for stored bodies and texts (no database here: usable in workers).

A codec name is stored beside each blob: ``raw``, ``zstd``, or ``zstd-dict:<id>`` for a blob
compressed with a trained dictionary kept in the ``zstd_dicts`` table.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import zstandard

# zstd level 6 compresses HTML ~10 % better than the default 3 at about half its speed (~60 MB/s on
# one core here), still far below the cost of extracting the same page.
ZSTD_LEVEL = 6
# Bodies under this size are stored raw: zstd's frame overhead wins nothing on them.
MIN_COMPRESS_BYTES = 64



class _Codecs(threading.local):
    """Per-thread (de)compressors: zstandard objects must never be used by two threads at once
    (the run extracts in the main thread while the store writer thread records: sharing one
    compressor crashed the process with SIGSEGV)."""

    def __init__(self) -> None:
        self.compressors: dict[int | None, zstandard.ZstdCompressor] = {}
        self.decompressors: dict[int | None, zstandard.ZstdDecompressor] = {}


_codecs = _Codecs()


class BlobCodecError(ValueError):
    """A stored blob cannot be decoded."""


def compress(data: bytes, dictionary: tuple[int, bytes] | None = None) -> tuple[str, bytes]:
    """Compress ``data``; returns ``(codec, payload)``."""
    if len(data) < MIN_COMPRESS_BYTES:
        return "raw", data
    key = dictionary[0] if dictionary else None
    compressor = _codecs.compressors.get(key)
    if compressor is None:
        dict_data = zstandard.ZstdCompressionDict(dictionary[1]) if dictionary else None
        compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=dict_data)
        _codecs.compressors[key] = compressor
    return (f"zstd-dict:{key}" if key is not None else "zstd"), compressor.compress(data)


def decompress(codec: str, payload: bytes,
               load_dictionary: Callable[[int], bytes] | None = None) -> bytes:
    """Inverse of :func:`compress`; ``load_dictionary`` fetches a trained dictionary by id."""
    if codec == "raw":
        return payload
    key: int | None = None
    if codec.startswith("zstd-dict:"):
        key = int(codec.split(":", 1)[1])
    elif codec != "zstd":
        raise BlobCodecError(f"unknown codec {codec!r}")
    decompressor = _codecs.decompressors.get(key)
    if decompressor is None:
        dict_data = None
        if key is not None:
            if load_dictionary is None:
                raise BlobCodecError(f"codec {codec!r} needs its dictionary")
            dict_data = zstandard.ZstdCompressionDict(load_dictionary(key))
        decompressor = zstandard.ZstdDecompressor(dict_data=dict_data)
        _codecs.decompressors[key] = decompressor
    try:
        return decompressor.decompress(payload)
    except zstandard.ZstdError as exc:
        raise BlobCodecError(f"corrupt {codec} blob: {exc}") from None
