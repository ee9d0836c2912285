"""The extraction child process: ``python -m pipeline.documents.child FORMAT MEMORY_BYTES``.

Reads the document from stdin, imports the format's library, then limits its own address space
(``RLIMIT_AS``) to what it uses now plus ``MEMORY_BYTES`` — the budget for reading this one
document, whatever the interpreter and libraries take — extracts, and writes one JSON object to
stdout: ``{"ok": document}`` or ``{"error": reason}``.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys

from pipeline.documents.extract import extract_document, to_json
from pipeline.documents.types import MEMORY_REASON, DocumentError

LIBRARIES = {"pdf": "pypdf", "docx": "docx", "xlsx": "openpyxl", "odt": "odf.opendocument"}


def address_space() -> int:
    """This process's virtual size in bytes (0 where /proc is not there)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def peak_address_space() -> int:
    """The highest virtual size this process reached (``VmPeak``; 0 where /proc is not there)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


# A failure when the process came this close to its limit was the limit: libraries report a failed
# allocation in their own words (lxml: "unknown error"; pypdf: a broken stream).
LIMIT_MARGIN = 4 * 1024 * 1024


def main(argv: list[str]) -> int:
    fmt, memory = argv[0], int(argv[1])
    body = sys.stdin.buffer.read()
    if fmt in LIBRARIES:
        importlib.import_module(LIBRARIES[fmt])
    limit = 0
    if memory > 0:
        limit = address_space() + memory
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result: dict[str, object] = {"ok": to_json(extract_document(body, fmt))}
    except DocumentError as exc:
        exhausted = limit and peak_address_space() >= limit - LIMIT_MARGIN
        result = {"error": MEMORY_REASON if exhausted else str(exc)}
    except MemoryError:
        result = {"error": MEMORY_REASON}
    del body
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a child process
    sys.exit(main(sys.argv[1:]))
