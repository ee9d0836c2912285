"""One run per source at a time, across processes: the second one says so in one line and exits 0."""

from __future__ import annotations

import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from profilewatch.config import SourceConfig
from scheduler.locks import run_lock_name, source_locks
from storage.store import Store
from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support import mockserver
from tests.support.mockserver import MockServer
from tests.support.processes import pw_command, pw_env, wait_for
from tests.support.runs import runs_of, seed_run

PAGE = "<html><head><title>Busy</title></head><body><main><p>{text}</p></main></body></html>"
BUSY_NOTICE = "profilewatch: source busy is already being run by another process; skipping it"


@pytest.mark.slow
def test_a_run_while_another_process_holds_the_lock_exits_0_and_does_nothing(
        server: MockServer, db_url: str, tmp_path: Path) -> None:
    url = server.page("/busy", PAGE.format(text="Only one run may check this page at a time."))
    cli = Cli(tmp_path, db_url)
    cli.write_config(FAST_SETTINGS + source_toml("busy", [url]))
    store = Store.open(db_url)
    store.sync_sources([SourceConfig(name="busy", urls=(url,))])
    lock = store.try_lock(run_lock_name("busy"))   # this test process is "the other run"
    assert lock is not None
    try:
        result = cli("run")
        assert result.code == 0
        assert result.stderr.strip().splitlines() == [BUSY_NOTICE]
        assert result.stdout == ""
        assert runs_of(store, "busy") == []
        assert server.paths_requested() == []
    finally:
        lock.release()
        store.close()


class Gate:
    """``/gate``: holds each request until the test opens the gate (a page still downloading)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()

    def __call__(self, handler: Any, path: str, query: dict[str, str]) -> None:
        self.entered.set()
        self.opened.wait(timeout=60)
        body = b"<html><body><main><p>Released once the second run gave up.</p></main></body></html>"
        handler._send(200, body, "text/html")


@pytest.mark.slow
def test_two_overlapping_runs_of_one_source_never_both_run(
        server: MockServer, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate()
    monkeypatch.setitem(mockserver.BEHAVIOURS, "gate", gate)
    cli.write_config(FAST_SETTINGS + source_toml("busy", [f"{server.url}/gate"]))
    first = subprocess.Popen(pw_command(cli.db, cli.config, "run"), cwd=tmp_path, env=pw_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(gate.entered.is_set, 60, "the first run to be fetching its page")
        second = cli("run")
        assert second.code == 0
        assert second.stderr.strip().splitlines() == [BUSY_NOTICE]
    finally:
        gate.opened.set()
        out, _ = first.communicate(timeout=60)
    assert first.returncode == 0
    assert "1 page checked" in out
    store = Store.open(cli.db)
    assert [r.status for r in runs_of(store, "busy")] == ["completed"]
    assert server.paths_requested().count("/gate") == 1
    store.close()


def test_taking_the_lock_closes_runs_a_killed_process_left_running(store: Store) -> None:
    store.sync_sources([SourceConfig(name="busy", urls=("http://127.0.0.1:9/a",))])
    started = datetime.now(UTC) - timedelta(hours=1)
    run_id = seed_run(store, "busy", started=started, status="running", pid=999_999)
    with source_locks(store, ["busy"]) as (locked, busy):
        assert (locked, busy) == (["busy"], [])
        # while held, a second taker is refused
        with source_locks(store, ["busy"]) as (locked_again, busy_again):
            assert (locked_again, busy_again) == ([], ["busy"])
    (run,) = runs_of(store, "busy")
    assert run.id == run_id
    assert run.status == "crashed"
    assert run.finished_at == started   # no check recorded: it was last seen when it started
