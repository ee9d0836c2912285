"""Store faults: locked or unreachable at start, lost mid-run, a full disk.

Each fault is caused for real where the test can (a SQLite write lock held by another connection,
a closed port, a TCP relay to PostgreSQL that is cut, backends killed with pg_terminate_backend)
and injected where it cannot be caused portably: a full disk is a file-size limit (RLIMIT_FSIZE)
on the ``profilewatch`` process, so SQLite's writes fail the way they fail on a full disk
(docs/reliability.md tells how it behaves on a real full file system). After each: what was
committed stays, ``verify`` passes, the next run completes.
"""

from __future__ import annotations

import resource
import socket
import sqlite3
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from profilewatch.errors import NotFoundError
from storage.store import Store
from tests.conftest import source_toml
from tests.e2e.reliability.conftest import pw_command, pw_env
from tests.support.mockserver import MockServer
from tests.support.processes import wait_for
from tests.support.tcpproxy import TcpProxy

pytestmark = pytest.mark.slow

SETTINGS = "[settings]\ndelay = 0\nretries = 0\ntimeout = 10\nworkers = 0\n"


def write_config(path: Path, urls: list[str]) -> Path:
    config = path / "profilewatch.toml"
    config.write_text(SETTINGS + source_toml("faults", urls))
    return config


def run(db: str, config: Path | None, *args: str, cwd: Path, **kw: Any
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(pw_command(db, config, *args), env=pw_env(), cwd=cwd, text=True,
                          capture_output=True, timeout=120, check=False, **kw)


def start(db: str, config: Path, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(pw_command(db, config, "run"), env=pw_env(), cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("profilewatch: error: "), stderr
    return lines[0]


def checked(store: Store, url: str) -> int:
    try:
        return len(store.checks(url))
    except NotFoundError:
        return 0


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("sources", "pages", "runs", "checks", "versions")}


# --- at start --------------------------------------------------------------------------------------

def test_a_locked_store_at_start_is_one_line_exit_1_and_nothing_written(
        tmp_path: Path, server: MockServer) -> None:
    path = tmp_path / "store.db"
    Store.open(f"sqlite:///{path}").close()           # an existing, empty store
    config = write_config(tmp_path, [server.sample("/page", "ngo-news")])
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")                 # another process is writing, and stays
    try:
        # ?timeout=1: wait one second for the other writer (30 s by default)
        done = run(f"sqlite:///{path}?timeout=1", config, "run", cwd=tmp_path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 1
    assert one_error_line(done.stderr).endswith(": database is locked")
    assert done.stdout == ""
    assert sqlite_counts(path) == dict.fromkeys(("sources", "pages", "runs", "checks",
                                                 "versions"), 0)
    again = run(f"sqlite:///{path}", config, "run", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert sqlite_counts(path)["versions"] == 1


@pytest.mark.parametrize("where", ["postgresql-closed-port", "sqlite-missing-directory"])
def test_an_unreachable_store_at_start_is_one_line_and_exit_1(tmp_path: Path, server: MockServer,
                                                              where: str) -> None:
    with socket.socket() as probe:                    # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    db = (f"postgresql+psycopg://postgres@127.0.0.1:{port}/test" if where.startswith("postgresql")
          else f"sqlite:///{tmp_path / 'missing' / 'store.db'}")
    config = write_config(tmp_path, [server.sample("/page", "ngo-news")])
    done = run(db, config, "run", cwd=tmp_path)
    assert done.returncode == 1
    line = one_error_line(done.stderr)
    assert ("connection" in line and str(port) in line) if where.startswith("postgresql") \
        else "does not exist" in line
    assert server.paths_requested() == []             # nothing fetched, nothing half-done
    assert not (tmp_path / "missing").exists()


# --- mid-run ---------------------------------------------------------------------------------------

def named(url: str, application: str, **parts: Any) -> str:
    parsed = make_url(url).set(**parts).update_query_dict({"application_name": application})
    return parsed.render_as_string(hide_password=False)


def test_postgresql_gone_mid_run_stops_the_run_and_the_next_run_completes(
        tmp_path: Path, server: MockServer, pg_url: str) -> None:
    store = Store.open(pg_url)                        # the schema exists before the run starts
    target = make_url(pg_url)
    proxy = TcpProxy((target.host or "127.0.0.1", target.port or 5432))
    first, gated = server.sample("/first", "ngo-news"), server.url + "/gate/g"
    config = write_config(tmp_path, [first, gated])
    try:
        process = start(named(pg_url, "pw-gone", port=proxy.port), config, tmp_path)
        wait_for(lambda: checked(store, first), what="the first page to be recorded")
        proxy.cut()                                   # the database is gone for the run
        server.gate("g").set()                        # the next page arrives and must be written
        _, stderr = process.communicate(timeout=60)
    finally:
        proxy.cut()
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith("profilewatch: error: store ")
    assert "stopping the run" in stderr
    # what was committed stays; the page that could not be written was not half-written
    assert len(store.history(first)) == 1
    assert checked(store, gated) == 0
    again = run(pg_url, config, "run", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(store.history(first)) == 1 and len(store.history(gated)) == 1
    assert run(pg_url, config, "verify", cwd=tmp_path).returncode == 0
    # the lost run could not record its end; the next one closed its row
    assert [r.status for r in store.runs("faults")] == ["completed", "crashed"]
    store.close()


def test_killed_postgresql_connections(tmp_path: Path, server: MockServer, pg_url: str) -> None:
    """Idle connections killed: the run reconnects and goes on. The writer's connection killed in
    the middle of a transaction: the run stops; that page was not written, the next run writes it."""
    store = Store.open(pg_url)
    application = "pw-kill-" + uuid.uuid4().hex[:8]
    admin = create_engine(make_url(pg_url).render_as_string(hide_password=False))

    def backends(where: str = "true") -> list[int]:
        with admin.connect() as connection:
            return list(connection.execute(text(
                f"SELECT pid FROM pg_stat_activity WHERE application_name = :a AND {where}"),
                {"a": application}).scalars())

    def terminate(pids: list[int]) -> None:
        with admin.connect() as connection:
            for pid in pids:
                connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})

    first, gated = server.sample("/first", "ngo-news"), server.url + "/gate/k"
    config = write_config(tmp_path, [first, gated])
    process = start(named(pg_url, application), config, tmp_path)
    try:
        wait_for(lambda: checked(store, first), what="the first page to be recorded")
        terminate(wait_for(backends, what="the run's connections"))   # every one, all idle
        with admin.connect() as blocker:
            blocker.execute(text("LOCK TABLE checks IN ACCESS EXCLUSIVE MODE"))
            server.gate("k").set()
            # the writer reconnected (the idle kill did not stop the run) and is now blocked
            # inside its transaction
            writer = wait_for(lambda: backends("wait_event_type = 'Lock'"), what="a blocked writer")
            terminate(writer)
            _, stderr = process.communicate(timeout=60)
            blocker.rollback()
    finally:
        if process.poll() is None:
            process.kill()
        admin.dispose()
    assert process.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert "terminating connection due to administrator command" in stderr.splitlines()[-1]
    assert len(store.history(first)) == 1 and checked(store, gated) == 0
    again = run(pg_url, config, "run", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(store.history(gated)) == 1
    assert run(pg_url, config, "verify", cwd=tmp_path).returncode == 0
    assert [r.status for r in store.runs("faults")] == ["completed", "failed"]
    store.close()


def test_a_full_disk_stops_the_run_and_the_store_stays_consistent(tmp_path: Path,
                                                                  server: MockServer) -> None:
    path = tmp_path / "store.db"
    db = f"sqlite:///{path}"
    urls = [f"{server.url}/counter/page-{i}" for i in range(60)]   # a new text every request
    config = write_config(tmp_path, urls)
    assert run(db, config, "run", cwd=tmp_path).returncode == 0
    # no file of the run may grow past the store's size plus 64 KiB: the database's write-ahead
    # log fills up after a few pages, as a disk would
    limit = path.stat().st_size + 64 * 1024

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    full = run(db, config, "run", cwd=tmp_path, preexec_fn=small_disk)
    assert full.returncode == 1
    assert "Traceback" not in full.stderr
    last = full.stderr.strip().splitlines()[-1]
    assert last.startswith("profilewatch: error: store ") and last.endswith(
        ("disk I/O error", "database or disk is full")), full.stderr
    store = Store.open(db)
    try:
        versions = {url: [v.version for v in store.history(url)] for url in urls}
        # some pages got their second version before the disk filled up, none got half of one
        assert all(numbers in ([1], [1, 2]) for numbers in versions.values()), versions
        assert 0 < sum(len(n) == 2 for n in versions.values()) < len(urls)
        assert run(db, config, "verify", cwd=tmp_path).returncode == 0
        again = run(db, config, "run", cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert all(len(store.history(url)) == len(versions[url]) + 1 for url in urls)
    finally:
        store.close()
