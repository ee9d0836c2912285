"""Compression codecs for stored bodies and texts (no database here: usable in workers).

A codec name is stored beside each blob: ``raw``, ``zstd``, ``zstd-dict:<id>`` for a blob
compressed with a trained dictionary kept in the ``zstd_dicts`` table, or ``zstd-ref:<sha256>`` for
a delta: compressed with another stored blob (a *keyframe*, itself never a delta) as raw-content
dictionary. A page's new capture is stored as a delta against its keyframe: ~2 KB instead of ~16 KB
for a 110 KB page whose text changed in one paragraph.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import zstandard

# zstd level 3 (its default): on 110 KB profile pages level 6 saves 6 % more for 3.5x the time
# (0.9 ms against 0.25 ms per page here); deltas against keyframes save far more than either.
ZSTD_LEVEL = 3
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


def compress(data: bytes, dictionary: tuple[int, bytes] | None = None,
             reference: tuple[str, bytes] | None = None) -> tuple[str, bytes]:
    """Compress ``data``; returns ``(codec, payload)``. ``reference`` is ``(sha256, bytes)`` of a
    keyframe to compress against (a delta)."""
    if len(data) < MIN_COMPRESS_BYTES:
        return "raw", data
    if reference is not None:
        raw_dict = zstandard.ZstdCompressionDict(reference[1],
                                                 dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        delta = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=raw_dict).compress(data)
        return f"zstd-ref:{reference[0]}", delta
    key = dictionary[0] if dictionary else None
    compressor = _codecs.compressors.get(key)
    if compressor is None:
        dict_data = zstandard.ZstdCompressionDict(dictionary[1]) if dictionary else None
        compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL, dict_data=dict_data)
        _codecs.compressors[key] = compressor
    return (f"zstd-dict:{key}" if key is not None else "zstd"), compressor.compress(data)


def decompress(codec: str, payload: bytes,
               load_dictionary: Callable[[int], bytes] | None = None,
               load_reference: Callable[[str], bytes] | None = None) -> bytes:
    """Inverse of :func:`compress`; ``load_dictionary`` fetches a trained dictionary by id,
    ``load_reference`` a keyframe's bytes by digest."""
    if codec == "raw":
        return payload
    if codec.startswith("zstd-ref:"):
        if load_reference is None:
            raise BlobCodecError(f"codec {codec!r} needs its keyframe")
        raw_dict = zstandard.ZstdCompressionDict(load_reference(codec.split(":", 1)[1]),
                                                 dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        try:
            return zstandard.ZstdDecompressor(dict_data=raw_dict).decompress(payload)
        except zstandard.ZstdError as exc:
            raise BlobCodecError(f"corrupt delta blob: {exc}") from None
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
