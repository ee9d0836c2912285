"""Extraction with a time and memory limit per document, in a child process.

A hostile or merely enormous file (a PDF whose streams inflate to gigabytes, a spreadsheet of
millions of cells, a parser loop) must cost one failed check, not the run: the child limits its
own address space with ``RLIMIT_AS`` and is killed at the time limit. Starting the child costs
~0.3 s (Python plus the format's library), small next to downloading a document.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from pipeline.documents.extract import from_json
from pipeline.documents.types import DocumentError, DocumentText

# Seconds one document may take to extract: a 300-page report takes ~7 s with pypdf and a 10 MB
# spreadsheet 30-80 s with openpyxl (idle or busy core of the benchmark machine, docs/documents.md);
# past 180 s a file is hostile or far beyond what a profile links.
DOCUMENT_TIMEOUT = 180.0
# Memory one document may take to read, on top of what the child's interpreter and library take
# (its address space grows by at most this much): a 300-page report and a 10 MB spreadsheet each
# peak under 100 MB resident (docs/documents.md); 768 MB leaves room and stops a bomb well before
# a small machine swaps.
DOCUMENT_MEMORY = 768 * 1024 * 1024
# The project's root, so the child imports this package whether installed or run from a checkout.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def extract_limited(body: bytes, fmt: str, *, timeout: float = DOCUMENT_TIMEOUT,
                    memory: int = DOCUMENT_MEMORY) -> DocumentText:
    """Extract in a child process; raises :class:`DocumentError` with the reason on any failure."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (ROOT, os.environ.get("PYTHONPATH", "")) if p)}
    try:
        done = subprocess.run([sys.executable, "-m", "pipeline.documents.child", fmt, str(memory)],
                              input=body, capture_output=True, timeout=timeout, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        raise DocumentError(f"extraction took longer than {timeout:g} s") from None
    except OSError as exc:
        raise DocumentError(f"extraction could not start ({exc.strerror or exc})") from None
    try:
        result: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        if b"MemoryError" in done.stderr or done.returncode < 0:
            raise DocumentError(f"extraction exceeded the memory limit ({memory // 2**20} MB)") from None
        raise DocumentError(f"extraction failed (exit status {done.returncode})") from None
    if "error" in result:
        raise DocumentError(str(result["error"]))
    return from_json(result["ok"])
