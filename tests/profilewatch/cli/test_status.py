"""``profilewatch status``: last run, next run, failing pages; exit 1 when a source is stale."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from profilewatch.config import load_config
from scheduler.locks import run_lock_name
from storage.models import PageRow
from storage.store import Store
from tests.conftest import source_toml
from tests.support.cli import invoke
from tests.support.runs import seed_run

CONFIG = (source_toml("hourly", ["http://127.0.0.1:9/h1", "http://127.0.0.1:9/h2"], schedule="1h")
          + source_toml("daily", ["http://127.0.0.1:9/d1"], schedule="1d"))


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "watch.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def status(db: str, config: Path, *args: str) -> Result:
    return invoke(db, config, "status", *args)


def by_name(result: Result) -> dict[str, Any]:
    return {entry["name"]: entry for entry in json.loads(result.stdout)}


def test_nothing_ran_yet_is_stale_and_creates_no_database(tmp_path: Path, config_path: Path) -> None:
    db = tmp_path / "never.db"
    result = status(f"sqlite:///{db}", config_path, "--json")
    assert result.exit_code == 1
    entries = by_name(result)
    assert entries["hourly"]["last_run"] is None and entries["hourly"]["stale"] is True
    assert entries["hourly"]["stale_since"] is None   # never ran: no moment it turned stale
    assert entries["daily"]["due"] is True and entries["daily"]["pages"] == 1
    assert "never completed a run" in result.stderr
    assert not db.exists()


def _streak(store: Store, url: str, since: datetime, count: int, reason: str) -> None:
    with store.session() as s, s.begin():
        page = s.query(PageRow).filter_by(url=url).one()
        page.failing_since, page.fail_count, page.last_error = since, count, reason
        page.last_checked_at = since + timedelta(hours=count)


def test_healthy_and_stale_sources_with_their_failing_pages(store: Store, db_url: str,
                                                            config_path: Path) -> None:
    store.sync_sources(load_config(config_path).sources)
    now = datetime.now(UTC)
    done = seed_run(store, "hourly", started=now - timedelta(minutes=31),
                    finished=now - timedelta(minutes=30), pages_ok=1, pages_failed=1)
    seed_run(store, "hourly", started=now - timedelta(minutes=5), finished=now - timedelta(minutes=4),
             status="interrupted", pages_ok=1)
    seed_run(store, "daily", started=now - timedelta(days=3), finished=now - timedelta(days=3),
             pages_ok=1)
    _streak(store, "http://127.0.0.1:9/h2", now - timedelta(hours=26), 26, "timeout")

    result = status(db_url, config_path, "--json")
    assert result.exit_code == 1, result.output
    entries = by_name(result)
    hourly, daily = entries["hourly"], entries["daily"]
    # an interrupted run does not make a source stale while a completed one is recent enough
    assert hourly["stale"] is False
    assert hourly["last_run"]["status"] == "interrupted"
    assert hourly["last_completed_at"] is not None
    assert hourly["due"] is False
    assert hourly["pages_failing"] == 1
    (failing,) = hourly["failing"]
    assert failing["url"] == "http://127.0.0.1:9/h2"
    assert failing["fail_count"] == 26 and failing["last_error"] == "timeout"
    assert 26 * 3600 - 60 < failing["failing_for_seconds"] < 26 * 3600 + 60
    assert daily["stale"] is True and daily["due"] is True
    assert daily["stale_since"] is not None
    assert "daily (no completed run since" in result.stderr

    text = status(db_url, config_path)
    assert text.exit_code == 1
    assert "daily  schedule 1d  STALE" in text.stdout
    assert f"completed   {(now - timedelta(minutes=30)).strftime('%Y-%m-%dT%H:%M')}" in text.stdout
    assert f"(run #{done})" in text.stdout
    assert "http://127.0.0.1:9/h2  failing since" in text.stdout and "26 checks): timeout" in text.stdout

    # once the daily source completes a run, monitoring is satisfied
    seed_run(store, "daily", started=now - timedelta(minutes=2), finished=now - timedelta(minutes=1))
    assert status(db_url, config_path, "--json").exit_code == 0


def test_a_run_whose_process_is_gone_is_shown_crashed(store: Store, db_url: str,
                                                      config_path: Path) -> None:
    store.sync_sources(load_config(config_path).sources)
    now = datetime.now(UTC)
    gone = subprocess.Popen(["true"])
    gone.wait()
    seed_run(store, "daily", started=now - timedelta(minutes=3), status="running", pid=gone.pid)
    # this process plays the live run (it started before the run row, so its pid is not reused)
    seed_run(store, "hourly", started=now, status="running", pid=os.getpid())
    lock = store.try_lock(run_lock_name("hourly"))   # the live run holds its lock
    assert lock is not None
    try:
        entries = by_name(status(db_url, config_path, "--json"))
    finally:
        lock.release()
    assert entries["daily"]["last_run"]["status"] == "crashed"
    assert entries["hourly"]["last_run"]["status"] == "running"
    assert entries["hourly"]["last_run"]["finished_at"] is None


def test_a_pid_reused_by_a_younger_process_is_not_the_run() -> None:
    from scheduler.status import pid_alive, process_start_time

    started = process_start_time(os.getpid())
    assert started is not None and started <= datetime.now(UTC)
    assert pid_alive(os.getpid(), started)
    assert not pid_alive(os.getpid(), started - timedelta(days=1))   # the run predates us
