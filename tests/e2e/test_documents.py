"""End to end: linked documents through ``profilewatch run`` against the mock server, three cycles
shared by every assertion (issue 15; the contract's "Linked documents").

Cycle 1 serves a page linking good documents of the four formats and bad ones (encrypted,
truncated, an HTML error page, a zip bomb, one over ``document_max_bytes``, a scan), with a site-wide
policy PDF in the header and the footer and a PDF on another host; cycle 2 re-saves some files
unchanged, changes only metadata of others and replaces the scan; cycle 3 edits page 2 of the PDF and
the sheets of the workbook (a figure changed, rows reordered, a row added: issue 16's cells), and
drops the DOCX link from the page while editing the DOCX.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support import documents as docs
from tests.support.mockserver import MockServer

pytestmark = pytest.mark.slow

PDF = "application/pdf"
OCTET = "application/octet-stream"
LINKED = ("situation-analysis.pdf", "programme.docx", "data.xlsx", "plan.odt", "scan.pdf",
          "locked.pdf", "broken.pdf", "moved.pdf", "bomb.docx", "huge.pdf")
MAX_BYTES = 200_000


def page_html(links: tuple[str, ...]) -> str:
    items = "\n".join(f'<li><a href="/docs/{name}">{name}</a></li>' for name in links)
    return f"""<!doctype html><html lang="en"><head><title>Inclusive education | UNICEF Azerbaijan</title>
</head><body>
<header><nav><a href="/">Home</a> <a href="/docs/privacy-policy.pdf">Privacy policy (PDF)</a></nav></header>
<main><article><h1>Inclusive education</h1>
<p>Every child has the right to learn in a mainstream school. UNICEF supports the Ministry of
Education in extending inclusive education from pilot schools to every district of the country.</p>
<p>Read the situation analysis and the programme documents below.</p>
<ul>{items}</ul>
<p>The <a href="/download/42">project brief (PDF, 1 MB)</a>, the <a href="/download/budget">budget
(XLSX)</a> and <a href="/download/app">download our app</a>.</p>
<p>See also <a href="http://elsewhere.invalid/report.pdf">a report hosted elsewhere</a>.</p>
</article></main>
<footer><a href="/docs/annual-report.pdf">Annual report</a> <a href="/docs/terms.pdf">Terms</a></footer>
</body></html>"""


PAGE2_EDITED = [list(docs.REPORT_PAGES[0]),
                ["Chapter 2. Inclusive education",
                 "The 2019 law guarantees every child the right to attend a mainstream school.",
                 "Teachers trained in inclusive methods: 2,400."],
                list(docs.REPORT_PAGES[2])]


@functools.lru_cache(maxsize=1)
def hostile() -> dict[str, bytes]:
    """The files that fail every cycle (built once: the bomb takes a second to compress)."""
    return {"locked.pdf": docs.make_pdf(password="secret"), "broken.pdf": docs.make_pdf()[:1500],
            "bomb.docx": docs.zip_bomb_docx(150 * 1024 * 1024),
            "huge.pdf": docs.make_pdf() + b"%" * (MAX_BYTES + 10)}


def serve(server: MockServer, cycle: int) -> dict[str, bytes]:
    """What each document URL serves in ``cycle`` (0-based); returns the bodies."""
    pdf = docs.make_pdf() if cycle < 2 else docs.make_pdf(PAGE2_EDITED)
    if cycle == 1:
        pdf = docs.make_pdf(compress=False)    # re-saved: other bytes, same text and metadata
    docx = docs.make_docx() if cycle < 2 else docs.make_docx(
        ("Country programme document", "Context", "Net enrolment is 97 per cent."))
    if cycle == 1:
        docx = docs.resave_zip(docx)
    xlsx = docs.make_xlsx() if cycle == 0 else docs.make_xlsx(modified=datetime(2024, 6, 30))
    if cycle == 2:
        xlsx = docs.make_xlsx({"Enrolment": [("Region", "2022", "2023"), ("South", 900, 950),
                                             ("North", 1200, 1310)],
                               "Budget": [("Item", "USD"), ("Teachers", 520000), ("Books", 75000.5),
                                          ("Meals", 30000)]},
                              modified=datetime(2024, 6, 30))
    odt = docs.make_odt() if cycle == 0 else docs.make_odt(title="Education sector plan 2024-2028")
    bodies = {
        "situation-analysis.pdf": (pdf, PDF),
        "programme.docx": (docx, OCTET),
        "data.xlsx": (xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "plan.odt": (odt, "application/vnd.oasis.opendocument.text"),
        "scan.pdf": (docs.make_image_pdf(2 if cycle == 0 else 3), PDF),
        "locked.pdf": (hostile()["locked.pdf"], PDF),
        "broken.pdf": (hostile()["broken.pdf"], PDF),
        "moved.pdf": (b"<!doctype html><html><body><h1>Page not found</h1></body></html>",
                      "text/html; charset=utf-8"),
        "bomb.docx": (hostile()["bomb.docx"], OCTET),
        "huge.pdf": (hostile()["huge.pdf"], PDF),
    }
    for name in ("privacy-policy.pdf", "annual-report.pdf", "terms.pdf"):
        bodies[name] = (docs.make_pdf(title=name), PDF)
    for name, (body, content_type) in bodies.items():
        server.page(f"/docs/{name}", body, content_type=content_type)
    server.page("/download/42", docs.make_pdf(title="Project brief"), content_type=PDF)
    server.page("/download/app", "<html><body><h1>Our app</h1></body></html>")
    server.page("/download/budget", docs.make_xlsx(), content_type=OCTET,
                headers={"Content-Disposition": 'attachment; filename="budget-2024.xlsx"'})
    links = LINKED if cycle < 2 else tuple(n for n in LINKED if n != "programme.docx")
    server.page("/inclusive-education", page_html(links))
    return {name: body for name, (body, _) in bodies.items()}


class Runs:
    def __init__(self, server: MockServer, cli: Cli) -> None:
        self.server = server
        self.cli = cli
        self.page = server.url + "/inclusive-education"
        self.bodies: list[dict[str, bytes]] = []
        self.requested: list[list[str]] = []

    def doc(self, name: str) -> str:
        return f"{self.server.url}/docs/{name}"

    def json(self, *args: str) -> Any:
        result = self.cli(*args)
        assert result.code == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def runs(mockserver_session: MockServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    server = mockserver_session
    server.reset()
    workdir: Path = tmp_path_factory.mktemp("documents")
    cli = Cli(workdir, f"sqlite:///{workdir / 'store.db'}")
    state = Runs(server, cli)
    cli.write_config(FAST_SETTINGS + f"document_max_bytes = {MAX_BYTES}\n"
                     + source_toml("unicef-local", [state.page], documents=True))
    for cycle in range(3):
        state.bodies.append(serve(server, cycle))
        before = len(server.requests)
        result = cli("run")
        assert result.code == 0, result.stderr
        state.requested.append([r.path for r in server.requests[before:]])
    state.events = state.json("changes", "--json")
    yield state
    server.reset()


def kinds(runs: Runs, name: str) -> list[str]:
    return [e["kind"] for e in runs.events if e["url"] == runs.doc(name)]


def test_every_document_transition_makes_the_right_event(runs: Runs) -> None:
    assert kinds(runs, "situation-analysis.pdf") == ["new", "content"]   # re-saved: no event
    assert kinds(runs, "programme.docx") == ["new", "content"]           # unlinked, still watched
    assert kinds(runs, "data.xlsx") == ["new", "metadata", "content"]
    assert kinds(runs, "plan.odt") == ["new", "metadata"]
    assert kinds(runs, "scan.pdf") == ["new", "content"]
    for failing in ("locked.pdf", "broken.pdf", "moved.pdf", "bomb.docx", "huge.pdf"):
        assert kinds(runs, failing) == []
    page_events = [e for e in runs.events if e["url"] == runs.page]
    assert page_events[0]["kind"] == "new"


def test_navigation_header_footer_and_other_hosts_are_not_followed(runs: Runs) -> None:
    requested = {p for cycle in runs.requested for p in cycle}
    for name in ("privacy-policy.pdf", "annual-report.pdf", "terms.pdf"):
        assert f"/docs/{name}" not in requested
    watched = {p["url"] for s in runs.json("sources", "--json") for p in s["pages"]}
    assert runs.doc("situation-analysis.pdf") in watched
    assert not any("elsewhere" in url or "privacy" in url for url in watched)
    # a link without an extension is a document when its Content-Type says so, else nothing
    assert runs.server.url + "/download/42" in watched
    assert runs.server.url + "/download/app" not in watched
    assert [e["kind"] for e in runs.events if e["url"].endswith("/download/42")] == ["new"]
    # ... or when its Content-Disposition names a document file behind a generic type
    assert [e["kind"] for e in runs.events if e["url"].endswith("/download/budget")] == ["new"]
    # the unlinked document is still checked in the run that no longer finds its link
    assert "/docs/programme.docx" in runs.requested[2]
    # each document is fetched once per run, whether the page's link or the stored list asks first
    for cycle in runs.requested:
        assert all(cycle.count(f"/docs/{name}") == 1 for name in LINKED)


def test_event_json_says_document_and_linked_from(runs: Runs) -> None:
    for event in runs.events:
        if event["url"] == runs.page:
            assert event["document"] is False and "linked_from" not in event
        else:
            assert event["document"] is True
            assert event["linked_from"] == [runs.page]
    content = next(e for e in runs.events if e["url"] == runs.doc("situation-analysis.pdf")
                   and e["kind"] == "content")
    assert "[page 2]" in content["summary"]
    assert (content["lines_added"], content["lines_removed"]) == (1, 1)
    sheet = next(e for e in runs.events if e["url"] == runs.doc("data.xlsx") and e["kind"] == "content")
    assert "[sheet Budget]" in sheet["summary"]
    metadata = next(e for e in runs.events if e["url"] == runs.doc("data.xlsx")
                    and e["kind"] == "metadata")
    assert metadata["last_modified_before"].startswith("2024-04-02")
    assert metadata["last_modified_after"].startswith("2024-06-30")
    odt = next(e for e in runs.events if e["url"] == runs.doc("plan.odt") and e["kind"] == "metadata")
    assert "Education sector plan 2024-2028" in odt["summary"]
    scan = [e for e in runs.events if e["url"] == runs.doc("scan.pdf")]
    assert all("no text layer" in e["summary"] for e in scan)


EDITED_CELLS = [
    {"table": "Enrolment", "row": "North", "column": "2023", "before": "1300", "after": "1310"},
    {"table": "Budget", "row": "Teachers", "column": "USD", "before": "500000", "after": "520000"},
    {"table": "Budget", "row": "Meals", "column": "USD", "before": None, "after": "30000"},
]


def test_an_edited_spreadsheet_reports_its_changed_cells(runs: Runs) -> None:
    url = runs.doc("data.xlsx")
    by_kind = {e["kind"]: e for e in runs.events if e["url"] == url}
    assert by_kind["content"]["tables"] == EDITED_CELLS       # South moved: no cell of it changed
    assert by_kind["metadata"].get("tables") is None and "more_cells" not in by_kind["content"]
    pdf = next(e for e in runs.events if e["url"] == runs.doc("situation-analysis.pdf")
               and e["kind"] == "content")
    assert "tables" not in pdf                                # a PDF's pages are not tables
    assert runs.json("tables", url, "--json") == [
        {"table": "Enrolment", "columns": ["2022", "2023"],
         "rows": [{"header": "South", "cells": {"2022": "900", "2023": "950"}},
                  {"header": "North", "cells": {"2022": "1200", "2023": "1310"}}]},
        {"table": "Budget", "columns": ["USD"],
         "rows": [{"header": "Teachers", "cells": {"USD": "520000"}},
                  {"header": "Books", "cells": {"USD": "75000.5"}},
                  {"header": "Meals", "cells": {"USD": "30000"}}]}]
    teachers = [(c["version"], c["value"]) for c in runs.json("tables", url, "--history", "--json")
                if (c["table"], c["row"], c["column"]) == ("Budget", "Teachers", "USD")]
    assert teachers == [(1, "500000"), (2, "500000"), (3, "520000")]
    csv_lines = runs.cli("tables", url, "--version", "1", "--csv").stdout.splitlines()
    assert csv_lines[0] == "table,row,column,value" and "Budget,Books,USD,75000.5" in csv_lines
    report = runs.cli("report", "--since", "2000-01-01", "--kind", "content")
    flat = " ".join(report.stdout.split())
    assert "Table: Budget Teachers · USD: 500000 → 520000 Meals · USD: 30000 (added)" in flat
    assert "Table: Enrolment North · 2023: 1300 → 1310" in flat


def test_failures_are_checks_with_reasons(runs: Runs) -> None:
    from storage.store import Store

    store = Store.open(runs.cli.db)
    try:
        reasons = {name: store.checks(runs.doc(name))[0]["reason"] for name in
                   ("locked.pdf", "broken.pdf", "moved.pdf", "bomb.docx", "huge.pdf")}
        for name in reasons:
            assert all(c["outcome"] == "failed" for c in store.checks(runs.doc(name)))
            assert store.history(runs.doc(name)) == []
    finally:
        store.close()
    assert reasons["locked.pdf"] == "encrypted PDF (password required)"
    assert reasons["broken.pdf"].startswith("truncated PDF")
    assert reasons["moved.pdf"] == "HTML page served instead of a document"
    assert reasons["bomb.docx"].startswith("decompression bomb")
    assert reasons["huge.pdf"] == "too large"


def test_history_show_diff_and_cite_take_a_document_url(runs: Runs) -> None:
    url = runs.doc("situation-analysis.pdf")
    history = runs.json("history", url, "--json")
    assert [v["version"] for v in history] == [1, 2]
    assert history[0]["title"] == "Situation Analysis"
    assert history[0]["last_modified"].startswith("2024-03-01T09:30")
    text = runs.cli("show", url, "--version", "1").stdout
    assert "[page 2]" in text and "Teachers trained in inclusive methods: 1,250." in text
    shown = runs.json("show", url, "--format", "json")
    assert shown["content_type"] == PDF and shown["document"] is True
    diff = runs.json("diff", url, "--format", "json")
    assert any("2,400" in line for hunk in diff["hunks"] for line in hunk["new"])
    csl = runs.json("cite", url, "--style", "csl-json")[0]
    assert csl["type"] == "report" and csl["title"] == "Situation Analysis"
    assert csl["URL"] == url and csl["issued"]["date-parts"][0][:3] == [2024, 3, 1]
    apa = runs.cli("cite", url).stdout
    assert "[PDF]" in apa and "2024" in apa and url in apa


def test_raw_bytes_are_the_archived_file(runs: Runs) -> None:
    import subprocess
    import sys

    url = runs.doc("data.xlsx")
    done = subprocess.run([sys.executable, "-m", "profilewatch", "--db", runs.cli.db, "show", url,
                           "--version", "1", "--format", "raw"], capture_output=True, check=False,
                          cwd=runs.cli.workdir)
    assert done.returncode == 0
    assert done.stdout == runs.bodies[0]["data.xlsx"]


def test_reports_and_feed_name_the_linking_page(runs: Runs) -> None:
    report = runs.cli("report", "--since", "2000-01-01", "--kind", "content")
    assert report.code == 0, report.stderr
    assert (f"Linked document changed: Situation Analysis linked from {runs.page}"
            in " ".join(report.stdout.split()))
    atom = runs.cli("report", "--since", "2000-01-01", "--format", "atom")
    assert atom.code == 0 and "Linked document changed: Country programme linked from" in atom.stdout
