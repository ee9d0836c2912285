"""Benchmark: document extraction time and peak memory, and the PDF library choice.

    python -m benchmarks.documents                  # 300-page PDF, 10 MB spreadsheet, DOCX, ODT
    python -m benchmarks.documents --pages 50 --xlsx-mb 2   # a quick run

Generates realistic files (needs the test extras: reportlab, openpyxl, python-docx, odfpy):

- a report PDF of ``--pages`` pages: headings, paragraphs, a data table every fifth page and
  two-column pages, with the exact words of each page kept as the reference;
- a spreadsheet of about ``--xlsx-mb`` MB (district statistics: text, integers, decimals, dates);
- a 400-paragraph Word report with tables, and an OpenDocument text.

Then it measures, each in a fresh process (peak memory is the process's own maximum resident set,
``VmHWM``, written by the process at exit):

1. the PDF libraries on the report — pypdf and pdfminer.six: time, peak memory, and text quality
   (the share of each page's reference words recovered in order, by difflib on word lists);
2. the production path, ``pipeline.documents.child`` (what ``extract_limited`` runs per document,
   with its memory limit): time and peak memory per document.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import time
from datetime import date, datetime
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY = ("education inclusive children school teachers ministry district enrolment completion "
              "rate primary secondary learning disability access quality curriculum budget programme "
              "policy national regional rural urban girls boys attendance training assessment early "
              "childhood development support resource classroom infrastructure data monitoring")
WORDS = tuple(VOCABULARY.split())

PYPDF = """
import io, sys
from pypdf import PdfReader
reader = PdfReader(io.BytesIO(sys.stdin.buffer.read()))
pages = [page.extract_text() or "" for page in reader.pages]
sys.stdout.write("\\f".join(pages))
"""
PDFMINER = """
import io, sys
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTTextContainer
pages = []
for layout in extract_pages(io.BytesIO(sys.stdin.buffer.read())):
    pages.append("\\n".join(e.get_text() for e in layout if isinstance(e, LTTextContainer)))
sys.stdout.write("\\f".join(pages))
"""


def sentence(rng: random.Random, n: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def make_report(pages: int, seed: int = 7) -> tuple[bytes, list[list[str]]]:
    """A report PDF and the words of each page, in reading order."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    rng = random.Random(seed)
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=1)
    c.setTitle("Situation Analysis of Children")
    c.setAuthor("UNICEF")
    reference: list[list[str]] = []
    for number in range(1, pages + 1):
        words: list[str] = []
        c.setFont("Helvetica-Bold", 14)
        heading = f"{number}. " + sentence(rng, 4)
        c.drawString(60, 790, heading)
        words += heading.split()
        c.setFont("Helvetica", 10)
        if number % 5 == 0:        # a data table: region, three years
            y = 760
            for _ in range(30):
                cells = [rng.choice(WORDS).title(), *(str(rng.randint(100, 99999)) for _ in range(3))]
                for col, cell in enumerate(cells):
                    c.drawString(60 + col * 120, y, cell)
                words += cells
                y -= 16
        elif number % 7 == 0:      # two columns of short lines
            left = [sentence(rng, 5) for _ in range(40)]
            right = [sentence(rng, 5) for _ in range(40)]
            for i, line in enumerate(left):
                c.drawString(50, 760 - i * 17, line)
            for i, line in enumerate(right):
                c.drawString(310, 760 - i * 17, line)
            words += " ".join(left + right).split()
        else:
            y = 760
            for _ in range(44):
                line = sentence(rng, 13)
                c.drawString(60, y, line)
                words += line.split()
                y -= 16
        c.setFont("Helvetica", 8)
        c.drawString(280, 30, f"Page {number}")
        words += ["Page", str(number)]
        reference.append(words)
        c.showPage()
    c.save()
    return out.getvalue(), reference


def make_spreadsheet(megabytes: float, seed: int = 11) -> bytes:
    import openpyxl

    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    rows_per_mb = 23_000     # measured: one row of this shape is ~45 bytes compressed
    for sheet_number in range(4):
        sheet = book.create_sheet(f"Region {sheet_number + 1}")
        sheet.append(["District", "School", "Year", "Enrolled", "Girls", "Boys", "Rate", "Reported"])
        for n in range(int(megabytes * rows_per_mb / 4)):
            enrolled = rng.randint(20, 2000)
            girls = rng.randint(0, enrolled)
            sheet.append([f"District {rng.randint(1, 400)}", f"School {n}", rng.randint(2015, 2024),
                          enrolled, girls, enrolled - girls, round(rng.random() * 100, 2),
                          date(2024, rng.randint(1, 12), rng.randint(1, 28))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def make_docx(paragraphs: int = 400, seed: int = 3) -> bytes:
    import docx

    rng = random.Random(seed)
    document = docx.Document()
    for n in range(paragraphs):
        if n % 40 == 0:
            document.add_heading(sentence(rng, 4), level=1)
        document.add_paragraph(sentence(rng, 40))
        if n % 100 == 99:
            table = document.add_table(rows=20, cols=4)
            for row in table.rows:
                for cell in row.cells:
                    cell.text = str(rng.randint(1, 9999))
    document.core_properties.title = "Country programme document"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_odt(paragraphs: int = 400, seed: int = 5) -> bytes:
    from odf import text
    from odf.opendocument import OpenDocumentText

    rng = random.Random(seed)
    document = OpenDocumentText()
    for n in range(paragraphs):
        if n % 40 == 0:
            document.text.addElement(text.H(outlinelevel=1, text=sentence(rng, 4)))
        document.text.addElement(text.P(text=sentence(rng, 40)))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


# Run before the measured code: at exit, the process writes its own peak resident set (VmHWM, of
# this program only: ``wait4``'s ru_maxrss would include the forking benchmark's own memory).
PRELUDE = """
import atexit, os
def _peak():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    os.write(2, ("\\nPEAK_KB " + kb + "\\n").encode())
atexit.register(_peak)
"""
CHILD = """
import runpy, sys
sys.argv = ["child", *sys.argv[1:]]
runpy.run_module("pipeline.documents.child", run_name="__main__")
"""


def run_measured(code: str, args: list[str], body: bytes) -> tuple[float, int, bytes]:
    """Run Python ``code`` with ``args`` and ``body`` on stdin: (wall seconds, peak RSS, stdout)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PRELUDE + code, *args], input=body,
                          capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"measured run failed ({done.returncode}): {done.stderr[-500:]!r}")
    peak = int(done.stderr.rsplit(b"PEAK_KB ", 1)[1].split()[0]) * 1024
    return elapsed, peak, done.stdout


def baseline(library: str) -> tuple[float, int]:
    """Start-up cost of a child that only imports ``library``."""
    elapsed, peak, _ = run_measured(f"import {library}", [], b"")
    return elapsed, peak


def quality(pages: list[str], reference: list[list[str]]) -> float:
    """The share of reference words recovered in order, over all pages."""
    found = total = 0
    for text, words in zip(pages, reference, strict=False):
        matcher = SequenceMatcher(None, words, text.split(), autojunk=False)
        found += sum(block.size for block in matcher.get_matching_blocks())
        total += len(words)
    return found / total if total else 0.0


def mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--xlsx-mb", type=float, default=10.0)
    parser.add_argument("--json", action="store_true", help="Print the results as JSON too.")
    args = parser.parse_args()
    results: dict[str, dict[str, object]] = {}

    print(f"generating a {args.pages}-page report PDF …", flush=True)
    pdf, reference = make_report(args.pages)
    print(f"  {len(pdf) / 2**20:.1f} MB")

    print("\n1. PDF libraries on the report (fresh process each; peak = max RSS)")
    for name, library, script in (("pypdf", "pypdf", PYPDF), ("pdfminer.six", "pdfminer", PDFMINER)):
        start_s, start_peak = baseline(library)
        elapsed, peak, out = run_measured(script, [], pdf)
        pages = out.decode("utf-8").split("\f")
        share = quality(pages, reference)
        results[name] = {"seconds": round(elapsed, 2), "start_seconds": round(start_s, 2),
                         "peak_bytes": peak, "import_peak_bytes": start_peak,
                         "pages": len(pages), "words_in_order": round(share, 4)}
        print(f"  {name:<13} {elapsed:6.2f} s ({elapsed / len(pages) * 1000:.1f} ms/page, start-up "
              f"{start_s:.2f} s)  peak {mb(peak)} (import alone {mb(start_peak)})  "
              f"words recovered in order {share:.2%}")

    print("\n2. Production path: pipeline.documents.child per document (limit and all)")
    documents = {f"PDF, {args.pages} pages": ("pdf", pdf)}
    print(f"generating a ~{args.xlsx_mb:g} MB spreadsheet …", flush=True)
    xlsx = make_spreadsheet(args.xlsx_mb)
    documents[f"XLSX, {len(xlsx) / 2**20:.1f} MB"] = ("xlsx", xlsx)
    documents["DOCX, 400 paragraphs"] = ("docx", make_docx())
    documents["ODT, 400 paragraphs"] = ("odt", make_odt())
    for label, (fmt, body) in documents.items():
        from pipeline.documents.limited import DOCUMENT_MEMORY

        elapsed, peak, out = run_measured(CHILD, [fmt, str(DOCUMENT_MEMORY)], body)
        result = json.loads(out)
        if "error" in result:
            raise SystemExit(f"{label}: {result['error']}")
        lines = sum(len(s["lines"]) for s in result["ok"]["sections"])
        results[label] = {"seconds": round(elapsed, 2), "peak_bytes": peak, "bytes": len(body),
                          "lines": lines}
        print(f"  {label:<24} {elapsed:6.2f} s  peak {mb(peak)}  ({lines} lines of text)")
    if args.json:
        print(json.dumps(results, indent=2))
    print(f"\n(Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{datetime.now().strftime('%Y-%m-%d')})")


if __name__ == "__main__":
    main()
