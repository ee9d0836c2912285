"""The daemon's scheduler in-process, with a stand-in for the child run: what runs, when, how often."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from profilewatch.config import Config, SourceConfig, parse_schedule
from profilewatch.errors import ConfigError
from scheduler.daemon import Daemon
from scheduler.protocol import ChildExit
from storage.store import Store
from tests.support.processes import wait_for
from tests.support.runs import seed_run


def source(name: str, schedule: str) -> SourceConfig:
    return SourceConfig(name=name, urls=(f"http://127.0.0.1:9/{name}",),
                        schedule=parse_schedule(schedule))


class FakeRuns:
    """Records cycles and writes their run rows, as ``profilewatch run`` would."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, name: str) -> ChildExit:
        run_id = self.store.start_run(name, "schedule")
        self.store.finish_run(run_id, "completed", {"unchanged": 1})
        with self.lock:
            self.calls.append(name)
        return ChildExit(name, 0, 0.01, "profilewatch run: 1 page checked")

    def count(self, name: str) -> int:
        with self.lock:
            return self.calls.count(name)


@pytest.fixture
def running() -> Iterator[list[Daemon]]:
    daemons: list[Daemon] = []
    yield daemons
    for daemon in daemons:
        if daemon.scheduler.running:
            daemon.scheduler.shutdown(wait=True)


def test_restart_keeps_rhythm_and_runs_an_overdue_source_exactly_once(
        store: Store, running: list[Daemon]) -> None:
    config = Config(path=None, sources=(source("late", "1h"), source("steady", "1h")))
    store.sync_sources(config.sources)
    now = datetime.now(UTC)
    seed_run(store, "late", started=now - timedelta(days=1), finished=now - timedelta(days=1))
    steady_last = now - timedelta(minutes=10)
    seed_run(store, "steady", started=steady_last, finished=steady_last + timedelta(seconds=5))
    runs = FakeRuns(store)
    daemon = Daemon(config, store, runs, jitter_cap=0, timezone=UTC)
    running.append(daemon)
    daemon.start()
    wait_for(lambda: runs.count("late") >= 1, 10, "the overdue source to run")
    # after its catch-up run the next one is a full period away: 24 missed slots made one run
    next_late = wait_for(lambda: daemon.next_run("late"), 5, "the next slot of late")
    assert next_late >= datetime.now(UTC) + timedelta(minutes=59)
    # the source that ran 10 minutes before the restart keeps its slot: 50 minutes from now
    assert daemon.next_run("steady") == steady_last + timedelta(hours=1)
    assert runs.calls == ["late"]


def test_a_slot_is_skipped_when_cron_or_a_person_just_ran_the_source(store: Store) -> None:
    config = Config(path=None, sources=(source("shared", "1h"), source("quiet", "1h")))
    store.sync_sources(config.sources)
    now = datetime.now(UTC)
    seed_run(store, "shared", started=now - timedelta(minutes=3), finished=now, trigger="manual")
    seed_run(store, "quiet", started=now - timedelta(minutes=45), finished=now - timedelta(minutes=44))
    runs = FakeRuns(store)
    daemon = Daemon(config, store, runs, jitter_cap=0, timezone=UTC)
    daemon._fire("shared")
    daemon._fire("quiet")
    assert runs.calls == ["quiet"]


def test_sighup_reload_adds_drops_and_replans_jobs(store: Store, running: list[Daemon]) -> None:
    first = Config(path=None, sources=(source("kept", "1h"), source("dropped", "1h"),
                                       source("changed", "1h")))
    store.sync_sources(first.sources)
    now = datetime.now(UTC)
    for name in ("kept", "dropped", "changed"):
        seed_run(store, name, started=now - timedelta(minutes=5), finished=now)
    second = Config(path=None, sources=(source("kept", "1h"), source("changed", "2h"),
                                        source("added", "1h")))
    answers: list[Config | Exception] = [second, ConfigError("bad value", path="x.toml", key="k")]

    def reload() -> Config:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    runs = FakeRuns(store)
    daemon = Daemon(first, store, runs, reload=reload, jitter_cap=0, timezone=UTC)
    running.append(daemon)
    daemon.scheduler.start(paused=True)
    for configured in first.sources:
        daemon.plan_source(configured, now)
    kept_next = daemon.next_run("kept")
    daemon.reload()
    assert {job.id for job in daemon.scheduler.get_jobs()} == {"kept", "changed", "added"}
    assert daemon.next_run("kept") == kept_next
    changed_next = daemon.next_run("changed")
    assert changed_next is not None and changed_next - now > timedelta(hours=1, minutes=50)
    assert "added" in {s.source for s in store.source_runs()}
    daemon.reload()   # an invalid file: logged, the running config stays
    assert set(daemon.sources) == {"kept", "changed", "added"}
