"""SIGKILL at random points in 20 consecutive runs: nothing duplicated, nothing lost, nothing torn.

Every watched page serves a new text on every request (``/counter/<name>``), so each successful
check writes a version. Each run is killed at a point drawn from a fixed seed: a moment of its
start-up, or just after the server has answered its N-th page (while pages are being extracted and
written, or the run is finishing); a few draws let the run finish. Measuring the kill point in
pages served, not seconds, keeps the spread of kill points the same on a fast and a slow machine.
After each kill:

- ``profilewatch verify`` exits 0 (digests and hash chains; in-process through click, the last one
  in a separate process);
- every version committed before the run is still there, unchanged (nothing lost);
- versions are numbered 1..n, each holds a text the server really served, in the order served,
  each text once (nothing duplicated, nothing invented);
- every version has exactly one check and one event pointing at it, and every check that says it
  made a version has one (no transaction half-written);
- a run that ended before its kill reported as many new versions as it stored.
"""

from __future__ import annotations

import random
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from profilewatch.errors import NotFoundError
from storage.store import Store
from tests.conftest import source_toml
from tests.e2e.reliability.conftest import pw_command, pw_env
from tests.support.cli import invoke
from tests.support.mockserver import MockServer

pytestmark = pytest.mark.slow

RUNS = 20
SEED = 20_261_125
PAGES = 12
# Kills during start-up land this many seconds after the start (imports, migrations, sync: ~1-2 s).
STARTUP_KILL = (0.1, 1.2)
# Other kills land this long after the N-th answer (a page's extraction and write take ~10-50 ms).
JITTER = (0.0, 0.15)
REVISION_RE = re.compile(r"Revision (\d+) of the (\S+) page")
SUMMARY_RE = re.compile(r"new (\d+) · content (\d+) · metadata (\d+)")

Versions = dict[str, list[tuple[int, str, str]]]     # url -> [(number, content sha, fetched_at)]


def snapshot(store: Store, urls: list[str]) -> Versions:
    found: Versions = {}
    for url in urls:
        try:
            history = store.history(url)
        except NotFoundError:        # killed before the configured pages were stored
            history = []
        found[url] = [(v.version, v.content_sha256, v.fetched_at.isoformat()) for v in history]
    return found


def served_revisions(store: Store, url: str) -> list[int]:
    revisions = []
    for version in store.history(url):
        match = REVISION_RE.search(store.text(version))
        assert match is not None and url.endswith("/" + match.group(2)), (url, version)
        revisions.append(int(match.group(1)))
    return revisions


def torn_rows(path: Path) -> list[tuple[str, int]]:
    """Rows that show a half-written page transaction (expected: none)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        queries = {
            "version without exactly one check": """SELECT v.id FROM versions v
                LEFT JOIN checks c ON c.version_id = v.id GROUP BY v.id HAVING count(c.id) != 1""",
            "version without exactly one event": """SELECT v.id FROM versions v
                LEFT JOIN events e ON e.page_id = v.page_id AND e.to_version = v.number
                GROUP BY v.id HAVING count(e.id) != 1""",
            "check claiming a version it lacks": """SELECT id FROM checks
                WHERE outcome IN ('new', 'content', 'metadata') AND version_id IS NULL""",
        }
        return [(what, row[0]) for what, query in queries.items()
                for row in db.execute(query).fetchall()]


def run_and_kill(server: MockServer, db: str, config: Path, cwd: Path, answers: int,
                 delay: float | None) -> tuple[str, str, int]:
    """Start a run; SIGKILL it ``delay`` seconds after the server's ``answers``-th answer to it (or
    after its start when ``answers`` is 0), unless it has ended by then (``None``: let it end)."""
    def served() -> int:
        with server._lock:
            return sum(server.counters.values())

    base = served()
    process = subprocess.Popen(pw_command(db, config, "run"), env=pw_env(), cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while delay is not None and answers and served() - base < answers \
            and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    try:
        stdout, stderr = process.communicate(timeout=60 if delay is None else delay)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    return stdout, stderr, process.returncode


@pytest.mark.usefixtures("root_logging")
def test_twenty_runs_killed_at_random_points(tmp_path: Path, server: MockServer) -> None:
    rng = random.Random(SEED)
    path = tmp_path / "store.db"
    db = f"sqlite:///{path}"
    urls = [f"{server.url}/counter/page-{i}" for i in range(PAGES)]
    config = tmp_path / "profilewatch.toml"
    config.write_text("[settings]\ndelay = 0\nretries = 0\ntimeout = 5\nworkers = 0\n"
                      "concurrency = 4\nper_domain_concurrency = 4\n" + source_toml("kill", urls))
    Store.open(db).close()      # created here: the kill test is about runs, not first migrations
    store = Store.open(db)
    killed: list[int] = []      # versions each killed run left behind
    completed = spared = 0
    try:
        before: Versions = {url: [] for url in urls}
        for attempt in range(RUNS):
            answers = rng.randint(0, PAGES + 1)      # 0: kill during start-up; PAGES + 1: none
            delay = None if answers > PAGES else rng.uniform(*(JITTER if answers else STARTUP_KILL))
            spared += delay is None
            stdout, stderr, code = run_and_kill(server, db, config, tmp_path, answers, delay)
            verify = invoke(db, None, "verify")
            assert verify.exit_code == 0, f"run {attempt}: {verify.output}"

            after = snapshot(store, urls)
            added = 0
            for url in urls:
                old, new = before[url], after[url]
                assert new[:len(old)] == old, f"run {attempt} lost or changed versions of {url}"
                assert [n for n, _, _ in new] == list(range(1, len(new) + 1)), (attempt, url)
                assert len({sha for _, sha, _ in new}) == len(new), f"duplicate text of {url}"
                added += len(new) - len(old)
            assert torn_rows(path) == [], f"run {attempt}"
            if code == 0:                      # it finished before its kill: it said what it did
                completed += 1
                match = SUMMARY_RE.search(stdout)
                assert match is not None, stdout
                assert sum(int(n) for n in match.groups()) == added, (attempt, stdout)
            else:
                assert code == -9, (attempt, code, stderr)
                killed.append(added)
            before = after

        # each stored text is one the server served, in the order it served them
        with server._lock:
            served = dict(server.counters)
        for url in urls:
            revisions = served_revisions(store, url)
            assert revisions == sorted(set(revisions)), (url, revisions)
            assert not revisions or revisions[-1] <= served[url.rsplit("/", 1)[1]]
        final = subprocess.run(pw_command(db, None, "verify"), env=pw_env(), cwd=tmp_path,
                               capture_output=True, text=True, check=False)
        assert final.returncode == 0, final.stdout + final.stderr
    finally:
        store.close()
    print(f"{len(killed)} runs killed (versions each left: {killed}), {completed} completed")
    assert completed >= spared >= 1 and len(killed) >= RUNS // 2, (killed, completed, spared)
