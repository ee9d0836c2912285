"""The extraction child process: ``python -m pipeline.documents.child FORMAT MEMORY_BYTES``.

Reads the document from stdin, limits its own address space (``RLIMIT_AS``) first, extracts, and
writes one JSON object to stdout: ``{"ok": document}`` or ``{"error": reason}``.
"""

from __future__ import annotations

import json
import resource
import sys

from pipeline.documents.extract import extract_document, to_json
from pipeline.documents.types import DocumentError


def main(argv: list[str]) -> int:
    fmt, memory = argv[0], int(argv[1])
    body = sys.stdin.buffer.read()
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        result: dict[str, object] = {"ok": to_json(extract_document(body, fmt))}
    except DocumentError as exc:
        result = {"error": str(exc)}
    except MemoryError:
        result = {"error": "document needs more memory than the limit to read"}
    del body
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover - run as a child process
    sys.exit(main(sys.argv[1:]))
