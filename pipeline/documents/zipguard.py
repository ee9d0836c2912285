"""Decompression-bomb checks for the zip-based formats (DOCX, XLSX, ODT).

Before a library opens the archive, every member is checked twice: its declared size (the central
directory's ``file_size``, and the declared compression ratio) and its actual size, by inflating it
in chunks and stopping at the first byte past the limit (a forged header that declares a small size
is caught there). Only then does the extractor read it.
"""

from __future__ import annotations

import io
import zipfile

from pipeline.documents.types import DocumentError

# Largest uncompressed size of one member: a 10 MB spreadsheet's sheet XML is ~60 MB; real Word
# files' document.xml stay under 20 MB.
MAX_MEMBER_BYTES = 256 * 1024 * 1024
# Largest uncompressed size of all members together.
MAX_TOTAL_BYTES = 512 * 1024 * 1024
# Highest compression ratio of a member over 1 MB: office XML compresses 5-30x; zip bombs 1000x+.
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 1024 * 1024
MAX_MEMBERS = 10_000
CHUNK = 1024 * 1024


def open_checked(body: bytes, label: str) -> zipfile.ZipFile:
    """The archive, once its members pass the size checks; raises :class:`DocumentError`."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise DocumentError(f"corrupt or truncated {label} ({_short(exc)})") from None
    if len(members) > MAX_MEMBERS:
        raise DocumentError(f"decompression bomb: {len(members)} members in the {label} archive")
    if any(info.flag_bits & 0x1 for info in members):
        raise DocumentError(f"encrypted {label}")
    declared = 0
    for info in members:
        declared += info.file_size
        if info.file_size > MAX_MEMBER_BYTES or declared > MAX_TOTAL_BYTES:
            raise DocumentError(f"decompression bomb: {info.filename} declares {info.file_size} bytes")
        if (info.file_size > RATIO_FLOOR_BYTES
                and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise DocumentError(f"decompression bomb: {info.filename} expands "
                                f"{info.file_size // max(info.compress_size, 1)}x")
    actual = 0
    for info in members:
        size = _inflated_size(archive, info, label)
        actual += size
        if size > info.file_size or actual > MAX_TOTAL_BYTES:
            raise DocumentError(f"decompression bomb: {info.filename} inflates past its declared size")
    return archive


def _inflated_size(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> int:
    size = 0
    try:
        with archive.open(info) as member:
            while chunk := member.read(CHUNK):
                size += len(chunk)
                if size > info.file_size or size > MAX_MEMBER_BYTES:
                    return size
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise DocumentError(f"corrupt or truncated {label} ({_short(exc)})") from None
    except RuntimeError as exc:   # zipfile's "File is encrypted, password required"
        raise DocumentError(f"encrypted {label}") if "encrypt" in str(exc) else DocumentError(
            f"corrupt {label} ({_short(exc)})") from None
    return size


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
