"""Hostile responses: one ``profilewatch run`` over every kind, then what was stored and reported.

The run is measured from outside (wall time, the process tree's peak memory read from /proc), then
each test asserts one case: the failed check and its reason, no version, no event, and for the
pages that are readable despite their faults, the right text. Slow pages have a run of their own
with short timeouts (2 s, one retry) so the suite stays fast; the default budgets themselves are
asserted in ``test_default_budgets_keep_one_page_under_two_minutes``.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from crawler.retry import BACKOFF_BASE_SECONDS, RetryPolicy, retry_delay
from crawler.settings import build_settings
from profilewatch.config import builtin_config
from storage.store import Store
from tests.conftest import source_toml
from tests.e2e.reliability.conftest import last_check, pw_command, pw_env
from tests.support import proctree
from tests.support.mockserver import MockServer, bomb_body

pytestmark = pytest.mark.slow

# The hostile run: generous timeout (a loaded test machine must not turn "too large" into
# "timeout"), no retries (one attempt per page, so the server's log is exact).
TIMEOUT = 10
MAX_RUN_SECONDS = 30
MAX_TREE_MB = 500
# The slow-page run: short timeouts, one retry.
SLOW_TIMEOUT = 2
SLOW_RETRIES = 1

RUSSIAN = ("Министерство образования опубликовало новый доклад об инклюзивном образовании. "
           "В докладе описаны школы, учителя и программы поддержки детей с особыми "
           "потребностями во всех регионах страны. ") * 4
FRENCH = ("Le ministère de l'Éducation a publié un nouveau rapport sur l'éducation inclusive. "
          "Les écoles, les enseignants et les élèves bénéficient d'un programme élargi, "
          "présenté à Genève et à Bakou. ") * 4


def article(title: str, text: str, charset_meta: str | None = None) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return (f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body><main>"
            f"<h1>{title}</h1><p>{text}</p></main></body></html>")


MALFORMED = ("<html><head><title>Broken but readable</title><body><main><h1>Broken but readable"
             "<p>This report on inclusive schools was written with <b>unclosed <i>tags, stray "
             "</div></span> closings, <a href=x>unquoted attributes</a> and a <table><tr><td>cell "
             "without an end. The text itself is what the archive must keep: teachers, pupils and "
             "the ministry's new programme.<p>A second paragraph follows the first one without any "
             "closing tag at all, as old content systems still write them.</main></body>")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
SVG = '<svg xmlns="http://www.w3.org/2000/svg"><text x="1" y="1">Inclusive education</text></svg>'
JSON = json.dumps({"title": "Inclusive education", "items": [{"id": i} for i in range(50)]})


def garbage(size: int) -> bytes:
    """Random bytes in an HTML shell: decodes to replacement characters whatever the codec."""
    return (b"<html><body><p>" + random.Random(8).randbytes(size) + b"</p></body></html>")


@dataclass
class Page:
    path: str
    expect: str | None          # the failed check's reason (prefix), None: a version
    text: str | None = None     # for a version: a phrase its text must contain


PAGES = [
    Page("/hostile/good", None, "Caucasus Network for Children"),
    # size caps: announced, streamed, compressed
    Page("/huge?mb=50", "too large"),
    Page("/endless", "too large"),
    Page("/firehose", "too large"),
    Page("/gzip-bomb?mb=50", "too large"),
    Page("/bomb?mb=64&coding=deflate", "too large"),
    Page("/bomb?mb=64&coding=br", "too large"),
    Page("/bomb?mb=64&coding=zstd", "too large"),
    # transport
    Page("/abort", "truncated response"),
    Page("/redirect-loop", "redirect loop or too many redirects"),
    Page("/hostile/private/page", "disallowed by robots.txt"),
    # charsets
    Page("/hostile/wrong-charset", None, "инклюзивном образовании"),
    Page("/hostile/missing-charset", None, "l'Éducation a publié"),
    Page("/hostile/wrong-meta-charset", None, "présenté à Genève"),
    Page("/hostile/garbage", "undecodable body"),
    Page("/binary", "undecodable body"),
    # not HTML
    Page("/hostile/pdf", "not HTML (application/pdf)"),
    Page("/hostile/pdf-as-html", "not HTML (PDF, served as text/html)"),
    Page("/hostile/png", "not HTML (image/png)"),
    Page("/hostile/svg", "not HTML (image/svg+xml)"),
    Page("/hostile/json", "not HTML (application/json)"),
    Page("/hostile/json-as-html", "not HTML (JSON, served as text/html)"),
    # markup
    Page("/hostile/nested-100k", "too many HTML elements"),
    Page("/hostile/nested-300", "HTML nested too deeply"),
    Page("/hostile/million-elements", "too many HTML elements"),
    Page("/hostile/malformed", None, "The text itself is what the archive must keep"),
]
# Watched by a site spider (unicef), which also reads its pages for links: the same limits hold.
SITE_PAGES = [
    Page("/azerbaijan/million-elements", "too many HTML elements"),
    Page("/azerbaijan/nested-49k", "HTML nested too deeply"),
    Page("/azerbaijan/good", None, "Caucasus Network for Children"),
]
ALL_PAGES = PAGES + SITE_PAGES


def serve(server: MockServer) -> None:
    for coding in ("deflate", "br", "zstd"):
        bomb_body(64, coding)          # compressed before the run, not while it waits
    server.robots = "User-agent: *\nDisallow: /hostile/private\n"
    server.sample("/hostile/good", "ngo-news")
    server.page("/hostile/private/page", article("Private", "Never fetched."))
    server.page("/hostile/wrong-charset", article("Доклад", RUSSIAN).encode("cp1251"),
                content_type="text/html; charset=utf-8")
    server.page("/hostile/missing-charset", article("Rapport", FRENCH).encode("cp1252"),
                content_type="text/html")
    server.page("/hostile/wrong-meta-charset",
                article("Rapport", FRENCH, charset_meta="utf-8").encode("latin-1"),
                content_type="text/html")
    server.page("/hostile/garbage", garbage(200_000), content_type="text/html; charset=utf-8")
    server.page("/hostile/pdf", PDF, content_type="application/pdf")
    server.page("/hostile/pdf-as-html", PDF, content_type="text/html")
    server.page("/hostile/png", PNG, content_type="image/png")
    server.page("/hostile/svg", SVG, content_type="image/svg+xml")
    server.page("/hostile/json", JSON, content_type="application/json")
    server.page("/hostile/json-as-html", JSON, content_type="text/html")
    server.page("/hostile/nested-100k",
                "<html><body>" + "<div>" * 100_000 + "deep" + "</div>" * 100_000 + "</body></html>")
    server.page("/hostile/nested-300", article("Deep", "<div>" * 300 + "deep text" + "</div>" * 300))
    server.page("/hostile/million-elements",
                "<html><body><main>" + "<p>a</p>" * 1_200_000 + "</main></body></html>")
    server.page("/hostile/malformed", MALFORMED)
    server.page("/azerbaijan/million-elements",
                "<html><body><main>" + "<p>a</p>" * 1_200_000 + "</main></body></html>")
    server.page("/azerbaijan/nested-49k", "<html><body>" + "<div>" * 49_000
                + "<a href='/azerbaijan/deep-link'>x</a>" + "</div>" * 49_000 + "</body></html>")
    server.sample("/azerbaijan/good", "ngo-news")


@dataclass
class HostileRun:
    run: proctree.Measured
    store: Store
    server_url: str
    requested: list[str]
    sent: dict[str, int]
    changes: list[dict[str, Any]]
    failing: dict[str, str | None]          # url -> last error, from ``status --json``

    def url(self, path: str) -> str:
        return self.server_url + path


@pytest.fixture(scope="module")
def hostile(mockserver_session: MockServer,
            tmp_path_factory: pytest.TempPathFactory) -> Any:
    server = mockserver_session
    server.reset()
    serve(server)
    workdir = tmp_path_factory.mktemp("hostile")
    config = workdir / "profilewatch.toml"
    config.write_text(f"[settings]\ndelay = 0\nretries = 0\ntimeout = {TIMEOUT}\n"
                      "concurrency = 16\nper_domain_concurrency = 16\nworkers = 2\n"
                      + source_toml("hostile", [server.url + p.path for p in PAGES])
                      + source_toml("hostile-site", [server.url + p.path for p in SITE_PAGES],
                                    spider="unicef"))
    db = f"sqlite:///{workdir / 'store.db'}"
    run = proctree.run_measured(pw_command(db, config, "run"), env=pw_env(), cwd=workdir,
                                timeout=MAX_RUN_SECONDS * 3)
    requested = server.paths_requested()
    sent = dict(server.sent)
    server.reset()
    changes = proctree.run_measured(pw_command(db, config, "changes", "--json"), env=pw_env(),
                                    cwd=workdir)
    assert changes.code == 0, changes.stderr
    status = proctree.run_measured(pw_command(db, config, "status", "--json"), env=pw_env(),
                                   cwd=workdir)
    assert status.code == 0, status.stderr
    failing = {page["url"]: page["last_error"]
               for source in json.loads(status.stdout) for page in source["failing"]}
    store = Store.open(db)
    yield HostileRun(run, store, server.url, requested, sent, json.loads(changes.stdout), failing)
    store.close()


def test_the_run_finishes_in_bounded_time_and_memory(hostile: HostileRun) -> None:
    print(f"hostile run: {hostile.run.seconds:.1f} s, peak {hostile.run.peak_mb:.0f} MB "
          f"(run process alone {hostile.run.root_peak_mb:.0f} MB)")
    assert hostile.run.code == 0, hostile.run.stderr
    assert hostile.run.seconds < MAX_RUN_SECONDS
    assert hostile.run.peak_mb < MAX_TREE_MB, f"peak {hostile.run.peak_mb:.0f} MB"
    assert hostile.run.root_peak_mb < MAX_TREE_MB, f"peak {hostile.run.root_peak_mb:.0f} MB"
    assert "Traceback" not in hostile.run.stderr
    summary = hostile.run.stdout
    assert f"{len(ALL_PAGES)} pages checked" in summary
    failing = sum(1 for p in ALL_PAGES if p.expect)
    assert f"new {len(ALL_PAGES) - failing} " in summary and f"failed {failing}" in summary


@pytest.mark.parametrize("page", [p for p in ALL_PAGES if p.expect], ids=lambda p: p.path)
def test_a_hostile_page_is_a_failed_check_with_its_reason(hostile: HostileRun, page: Page) -> None:
    url = hostile.url(page.path)
    check = last_check(hostile.store, url)
    assert check["outcome"] == "failed"
    assert page.expect is not None and (check["reason"] or "").startswith(page.expect), check
    assert hostile.store.history(url) == []                     # never a version
    assert not [e for e in hostile.changes if e["url"] == url]  # never an event
    assert hostile.failing[url] == check["reason"]              # `status` shows why
    assert f"{url} — {check['reason']}" in hostile.run.stdout or \
        f"{check['reason']} ×" in hostile.run.stdout            # and the summary says why


@pytest.mark.parametrize("page", [p for p in ALL_PAGES if not p.expect], ids=lambda p: p.path)
def test_a_readable_page_becomes_a_version_with_its_text(hostile: HostileRun, page: Page) -> None:
    url = hostile.url(page.path)
    [version] = hostile.store.history(url)
    assert page.text is not None and page.text in hostile.store.text(version)
    assert [e["kind"] for e in hostile.changes if e["url"] == url] == ["new"]


def test_nothing_is_read_past_the_size_cap(hostile: HostileRun) -> None:
    # an endless body is cut at 10 MB (plus what the sockets held): the server could send no more
    assert 10 * 2**20 <= hostile.sent["firehose"] < 32 * 2**20
    check = last_check(hostile.store, hostile.url("/huge?mb=50"))
    assert check["http_status"] is None        # refused on its Content-Length, before the body


def test_robots_disallowed_page_is_never_requested(hostile: HostileRun) -> None:
    assert "/robots.txt" in hostile.requested
    assert "/hostile/private/page" not in hostile.requested


def test_slow_pages_fail_within_their_budget(tmp_path: Path, server: MockServer) -> None:
    """Timeouts and retries, scaled down (2 s, one retry): each slow page is retried and fails
    as a timeout within its budget; a page answering 503 is retried too."""
    slow = {"/drip?interval=0.5": "timeout", "/slow?seconds=6": "timeout",
            "/status/503": "HTTP 503"}
    config = tmp_path / "profilewatch.toml"
    config.write_text(f"[settings]\ndelay = 0\nretries = {SLOW_RETRIES}\ntimeout = {SLOW_TIMEOUT}\n"
                      + source_toml("slow", [server.url + path for path in slow]))
    db = f"sqlite:///{tmp_path / 'store.db'}"
    run = proctree.run_measured(pw_command(db, config, "run"), env=pw_env(), cwd=tmp_path)
    assert run.code == 0, run.stderr
    attempts = SLOW_RETRIES + 1
    # every attempt ends at its timeout; the waits between them are the backoff's (1 s at most
    # before the first retry)
    budget = attempts * SLOW_TIMEOUT + SLOW_RETRIES * BACKOFF_BASE_SECONDS + 1
    store = Store.open(db)
    try:
        for path, reason in slow.items():
            check = last_check(store, server.url + path)
            assert (check["outcome"], check["reason"]) == ("failed", reason)
            assert server.paths_requested().count(path) == attempts, path
            assert check["duration_ms"] < budget * 1000, (path, check)
            if reason == "timeout":
                assert check["duration_ms"] >= attempts * SLOW_TIMEOUT * 1000
    finally:
        store.close()
    # the pages were tried side by side: each one's first attempt went out before any other's could
    # have timed out (process start-up and shutdown are not part of that, and vary with the load)
    firsts = [min(seen.at for seen in server.requests if seen.path == path) for path in slow]
    assert max(firsts) - min(firsts) < SLOW_TIMEOUT, firsts
    assert run.seconds < 3 * budget, run.seconds   # and the run ends: no page hangs it


def test_default_budgets_keep_one_page_under_two_minutes() -> None:
    """30 s per attempt, 2 retries, backoff and Retry-After all within 2 minutes, even when every
    attempt times out and every wait is the longest the policy allows."""
    settings = build_settings(builtin_config())
    assert settings["DOWNLOAD_TIMEOUT"] == 30 and settings["RETRY_TIMES"] == 2
    assert settings["DOWNLOAD_MAXSIZE"] == 10 * 2**20

    class Longest(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    timeout = float(settings["DOWNLOAD_TIMEOUT"])
    for retry_after in (None, 0.0, 30.0, RetryPolicy().retry_after_max):
        elapsed = timeout                         # the first attempt timed out
        for attempt in range(1, settings["RETRY_TIMES"] + 1):
            plan = retry_delay(attempt, elapsed, timeout, RetryPolicy(), retry_after, Longest())
            if plan is None:
                break
            elapsed += plan.wait + plan.timeout   # and so did this one
        assert elapsed < 120, (retry_after, elapsed)


def test_a_killed_extraction_worker_is_a_failed_check(tmp_path: Path, server: MockServer) -> None:
    """A worker that dies while extracting (here: SIGKILL, as the OOM killer would) fails its page;
    the run goes on with a new worker and completes."""
    paragraphs = "".join(f"<p>Paragraph {i} of a long report on schools and teachers.</p>"
                         for i in range(40_000))      # ~4 s of extraction: time to kill it
    server.page("/slow-to-extract", f"<html><body><main>{paragraphs}</main></body></html>")
    config = tmp_path / "profilewatch.toml"
    config.write_text("[settings]\ndelay = 0\nretries = 0\ntimeout = 10\nworkers = 1\n"
                      + source_toml("crash", [server.url + "/slow-to-extract"]))
    db = f"sqlite:///{tmp_path / 'store.db'}"
    process = subprocess.Popen(pw_command(db, config, "run"), env=pw_env(), cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and time.monotonic() < deadline and process.poll() is None:
        for pid in proctree.descendants(process.pid):
            parent = proctree.parent_of(pid)
            # a worker is a child of the forkserver; 1 s of CPU is well inside the 4 s page
            if parent and "forkserver" in proctree.cmdline(parent) \
                    and proctree.cpu_seconds(pid) > 1.0:
                os.kill(pid, signal.SIGKILL)
                killed = pid
        time.sleep(0.05)
    stdout, stderr = process.communicate(timeout=60)
    assert killed is not None, "the extraction worker was not seen working"
    assert process.returncode == 0, stderr
    store = Store.open(db)
    try:
        check = last_check(store, server.url + "/slow-to-extract")
        assert check["outcome"] == "failed"
        assert (check["reason"] or "").startswith("extraction worker exited")
        assert store.history(server.url + "/slow-to-extract") == []
    finally:
        store.close()
    assert "extraction worker exited" in stdout
