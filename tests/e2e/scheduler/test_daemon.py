"""``profilewatch daemon`` as users run it: a process, real child runs, signals, the store."""

from __future__ import annotations

import json
import re
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from profilewatch.config import load_config
from storage.store import Store
from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support.mockserver import MockServer
from tests.support.processes import DaemonProcess, alive, wait_for
from tests.support.runs import runs_of, seed_run

pytestmark = pytest.mark.slow

PAGE = "<html><head><title>Tick</title></head><body><main><p>{text}</p></main></body></html>"


def test_a_1s_source_runs_repeatedly_and_the_daemon_stops_cleanly_on_sigterm(
        server: MockServer, cli: Cli, tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    url = server.page("/tick", PAGE.format(text="A page the daemon checks every second."))
    config = cli.write_config(FAST_SETTINGS + source_toml("tick", [url], schedule="1s"))
    daemon = DaemonProcess(tmp_path, cli.db, config, "--jitter", "0")
    daemons.append(daemon)
    store = Store.open(cli.db)
    try:
        wait_for(lambda: sum(r.status == "completed" for r in store.runs("tick")) >= 1, 30,
                 "a first completed cycle")
        daemon.proc.send_signal(signal.SIGHUP)
        daemon.wait_for_log(r"config reloaded: 1 source", 10)
        wait_for(lambda: sum(r.status == "completed" for r in store.runs("tick")) >= 2, 30,
                 "a second completed cycle")
        code, took = daemon.stop()
        assert code == 0, daemon.log
        assert took < 15, f"the daemon took {took:.1f} s to stop"
        assert "daemon stopped" in daemon.log
        runs = runs_of(store, "tick")
        assert {r.trigger for r in runs} == {"schedule"}
        # nothing left running: every cycle ended (completed, or interrupted by the stop) …
        assert all(r.status in ("completed", "interrupted") for r in runs), runs
        assert all(r.finished_at is not None for r in runs)
        # … and no child process outlived the daemon
        pids = [p for p in (_pid(store, r.id) for r in runs) if p]
        assert pids and not any(alive(p) for p in pids)
        assert server.paths_requested().count("/tick") >= 2
    finally:
        store.close()


def _pid(store: Store, run_id: int) -> int | None:
    from storage.models import RunRow

    with store.session() as s:
        row = s.get(RunRow, run_id)
        return row.pid if row is not None else None


def test_after_downtime_an_overdue_source_runs_exactly_once_and_others_keep_their_slot(
        server: MockServer, cli: Cli, tmp_path: Path, daemons: list[DaemonProcess]) -> None:
    late = server.page("/late", PAGE.format(text="Checked hourly, but the machine was off a day."))
    fresh = server.page("/fresh", PAGE.format(text="Checked ten minutes before the restart."))
    config = cli.write_config(FAST_SETTINGS + source_toml("late", [late], schedule="1h")
                              + source_toml("fresh", [fresh], schedule="1h"))
    store = Store.open(cli.db)
    store.sync_sources(load_config(config).sources)
    now = datetime.now(UTC)
    seed_run(store, "late", started=now - timedelta(days=1), finished=now - timedelta(days=1))
    fresh_last = now - timedelta(minutes=10)
    seed_run(store, "fresh", started=fresh_last, finished=fresh_last + timedelta(seconds=3))
    try:
        daemon = DaemonProcess(tmp_path, cli.db, config, "--jitter", "0",
                               global_args=("--log-format", "json"))
        daemons.append(daemon)
        planned = daemon.wait_for_log(r"fresh: schedule 1h, last run \S+, next run ([\dTZ:-]+)", 20)
        assert _parse(planned.group(1)) == fresh_last.replace(microsecond=0) + timedelta(hours=1)
        done = daemon.wait_for_log(r"late: run finished in .*; next run ([\dTZ:-]+)", 30)
        # the next slot of the caught-up source is a full period away: no second catch-up run
        assert _parse(done.group(1)) >= datetime.now(UTC) + timedelta(minutes=59)
        code, _ = daemon.stop()
        assert code == 0, daemon.log
        # --log-format json: every line is a JSON object; the child run's lines name their source
        records = [json.loads(line) for line in daemon.lines]
        assert {"time", "level", "logger", "message"} <= set(records[0])
        assert any(r.get("source") == "late" and r["logger"] == "profilewatch.run"
                   and r["message"].startswith(late) for r in records)
        late_runs = runs_of(store, "late")
        assert [r.status for r in late_runs] == ["completed", "completed"]
        assert late_runs[1].trigger == "schedule"
        assert len(runs_of(store, "fresh")) == 1
        assert server.paths_requested().count("/late") == 1
        assert "/fresh" not in server.paths_requested()
    finally:
        store.close()


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_an_unreachable_store_stops_the_daemon_with_one_line(cli: Cli) -> None:
    cli.write_config(source_toml("x", ["http://127.0.0.1:9/x"]))
    result = cli("--db", "postgresql://nobody@127.0.0.1:1/none", "daemon", timeout=60)
    assert result.code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and re.match(r"profilewatch: error: cannot open database", lines[0])
