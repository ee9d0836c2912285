"""``profilewatch demo``: the whole tool on the bundled sample pages, without touching real sites.

A small HTTP server on 127.0.0.1 (an ephemeral port) serves the sample pages; a temporary store
and config watch them; ``profilewatch run`` runs as a subprocess once per cycle while the pages
change between cycles like real ones do:

1. every page is new;
2. the UNESCO profile gets a content edit (and a new "Last modified"), the UN press release only a
   new "Last modified", the UNICEF page boilerplate churn (no change), the NGO page an error page;
3. churn again, and the NGO page is back.

Then it prints the change report of cycles 2-3, the diff of the edited profile and a citation of
its new version, and removes everything (unless ``--keep``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from profilewatch import samples
from profilewatch.errors import ProfilewatchError

ERROR_PAGE = ("<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>"
              "<h1>Service Unavailable</h1><p>The server is temporarily unable to service your "
              "request.</p></body></html>")
# path -> (sample, source name, organisation)
PAGES = {
    "/unesco/azerbaijan/technology": ("unesco-profile", "unesco-profiles", "UNESCO"),
    "/unicef/inclusive-education": ("unicef-page", "unicef", "UNICEF"),
    "/un-azerbaijan/press-release": ("undp-press-release", "un-azerbaijan", "United Nations"),
    "/ngo/news": ("ngo-news", "ngo", "Caucasus Network for Children"),
}
Edit = Callable[[str], str]


def _edited(html: str) -> str:
    html = samples.edit_text(samples.churn(html, 2), 1)
    return samples.bump_last_modified(html, "2026-01-15T09:30:00Z", "Thu, 15/01/2026 - 10:30")


# Cycle -> path -> what the page serves: an edit of the original, or (status, body).
CYCLES: list[dict[str, Edit | tuple[int, str]]] = [
    {},
    {"/unesco/azerbaijan/technology": _edited,
     "/un-azerbaijan/press-release": lambda h: samples.bump_last_modified(
         h, "2026-01-14T08:00:00Z", "14 January 2026"),
     "/unicef/inclusive-education": lambda h: samples.churn(h, 2),
     "/ngo/news": (503, ERROR_PAGE)},
    {"/unesco/azerbaijan/technology": lambda h: samples.churn(_edited(h), 3),
     "/un-azerbaijan/press-release": lambda h: samples.bump_last_modified(
         samples.churn(h, 3), "2026-01-14T08:00:00Z", "14 January 2026"),
     "/unicef/inclusive-education": lambda h: samples.churn(h, 3)},
]
CHANGED_PAGE = "/unesco/azerbaijan/technology"


@dataclass
class SampleSite:
    """The sample pages over HTTP; ``pages`` maps a path to ``(status, html)``."""

    pages: dict[str, tuple[int, str]] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def serve_cycle(self, cycle: int) -> None:
        for path, (sample, _, _) in PAGES.items():
            edit = CYCLES[cycle].get(path)
            html = samples.load_sample(sample)
            if isinstance(edit, tuple):
                self.pages[path] = edit
            else:
                self.pages[path] = (200, edit(html) if edit else html)

    @contextmanager
    def running(self) -> Iterator[SampleSite]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, html = site.pages.get(self.path.split("?")[0], (404, "<h1>Not found</h1>"))
                body = html.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        thread = threading.Thread(target=self.server.serve_forever, args=(0.1,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()


def demo_config(site_url: str, notify: tuple[str, ...] = ()) -> str:
    lines = ["[settings]", "obey_robots = false", "delay = 0", "retries = 0", "timeout = 10", ""]
    if notify:
        quoted = ", ".join(_toml_string(u) for u in notify)
        lines += ["[reports]", f"notify = [{quoted}]", ""]
    sources: dict[str, tuple[str, list[str]]] = {}
    for path, (_, name, organisation) in PAGES.items():
        sources.setdefault(name, (organisation, []))[1].append(site_url + path)
    for name, (organisation, urls) in sources.items():
        lines += ["[[source]]", f'name = "{name}"', 'spider = "generic"',
                  f"organisation = {_toml_string(organisation)}",
                  f"urls = [{', '.join(_toml_string(u) for u in urls)}]", ""]
    return "\n".join(lines)


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _run_cycle(workdir: Path, db_url: str, echo: Callable[[str], None]) -> None:
    command = [sys.executable, "-m", "profilewatch", "--config", str(workdir / "profilewatch.toml"),
               "--db", db_url, "run"]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False,
                          timeout=300)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ProfilewatchError(f"demo: `profilewatch run` failed: {last}")
    for line in done.stdout.strip().splitlines():
        echo("    " + line)


def run_demo(echo: Callable[[str], None], *, keep: bool = False,
             notify: tuple[str, ...] = ()) -> Path | None:
    """Run the demo, printing through ``echo``; returns the kept directory with ``keep``."""
    from profilewatch.reports.build import build_report
    from profilewatch.reports.formats import render
    from storage.reporting import ReportWindow
    from storage.store import Store

    workdir = Path(tempfile.mkdtemp(prefix="profilewatch-demo-"))
    db_url = f"sqlite:///{workdir / 'demo.db'}"
    try:
        with SampleSite().running() as site:
            (workdir / "profilewatch.toml").write_text(demo_config(site.url, notify),
                                                       encoding="utf-8")
            echo(f"Serving {len(PAGES)} sample pages at {site.url}; store {workdir / 'demo.db'}")
            after_first = datetime.now(UTC)
            for cycle in range(len(CYCLES)):
                site.serve_cycle(cycle)
                echo(f"\n── cycle {cycle + 1}: {_cycle_story(cycle)}")
                _run_cycle(workdir, db_url, echo)
                if cycle == 0:
                    after_first = datetime.now(UTC)
            store = Store.open(db_url)
            try:
                report = build_report(store, ReportWindow(since=after_first),
                                      scope="demo, cycles 2-3")
                echo("\n── the change report (profilewatch report)\n")
                echo(render(report, "text"))
                echo(_diff_and_citation(store, site.url + CHANGED_PAGE))
            finally:
                store.close()
        if keep:
            echo(f"\nKept {workdir}: try `profilewatch --config {workdir / 'profilewatch.toml'} "
                 f"--db {db_url} changes`")
            return workdir
        return None
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _cycle_story(cycle: int) -> str:
    return ("every page is new",
            "a content edit, a Last-modified-only bump, boilerplate churn, an error page",
            "churn again; the failing page is back")[cycle]


def _diff_and_citation(store: Any, url: str) -> str:
    from pipeline.diff import diff_texts, summarize_diff, unified_diff
    from profilewatch.citation import cite

    old, new = store.version(url, number=1), store.version(url, number=2)
    old_text, new_text = store.text(old), store.text(new)
    diff = diff_texts(old_text, new_text, frozenset(old.headings) | frozenset(new.headings))
    lines = [f"── the diff (profilewatch diff {url})", "",
             f"{url}: v1 → v2", summarize_diff(diff),
             unified_diff(old_text, new_text, "v1", "v2", context=0), "",
             f"── a citation of the new version (profilewatch cite {url})", "",
             cite(new, "apa", None, store)]
    return "\n".join(lines)
