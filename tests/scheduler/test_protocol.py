"""The child protocol (scheduler.protocol): argv, the JSON result line on its own descriptor, exit
codes; and both parents (daemon children, cluster batches) reading a real ``profilewatch run``."""

from __future__ import annotations

import asyncio
import io
import json
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from profilewatch.config import SourceConfig
from profilewatch.errors import EXIT_OK
from scheduler.children import ChildRuns
from scheduler.cluster_child import BatchDeferred, BatchLauncher
from scheduler.locks import domain_lock_name, page_domain, run_lock_name
from scheduler.protocol import RESULT_FD_OPTION, RunResult, SourceOutcome, result_of, run_argv
from storage.runs import RunReport, SourceReport
from storage.store import Store
from tests.conftest import FAST_SETTINGS, REPO, source_toml
from tests.support.mockserver import MockServer

PAGE = "<html><head><title>{title}</title></head><body><main><p>{text}</p></main></body></html>"
T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def test_argv_of_a_cycle_and_of_a_cluster_batch() -> None:
    cycle = run_argv(["--config", "pw.toml"], "peer", trigger="schedule", result_fd=7)
    assert cycle[1:] == ["-m", "profilewatch", "--config", "pw.toml", "run", "--source", "peer",
                         "--trigger", "schedule", RESULT_FD_OPTION, "7"]
    batch = run_argv([], "peer", trigger="cluster", urls=["https://a.org/1", "https://a.org/2"],
                     since="2026-12-01T06:00:00Z", discover=False)
    assert batch[3:] == ["run", "--source", "peer", "--trigger", "cluster", "--unchecked-since",
                         "2026-12-01T06:00:00Z", "--no-discover", "--url", "https://a.org/1",
                         "--url", "https://a.org/2"]


def test_the_result_line_round_trips_and_garbage_is_no_result() -> None:
    report = RunReport(started_at=T0, finished_at=T0 + timedelta(seconds=2.5), skipped=["other"],
                       sources=[SourceReport("peer", 4, "interrupted", Counter(new=2, failed=1,
                                                                               gone=0),
                                             failing={"https://a.org/x": "HTTP 503"})])
    result = result_of(report)
    line = result.to_json()
    assert "\n" not in line
    assert json.loads(line) == {
        "protocol": 1, "outcome": "ran", "seconds": 2.5, "skipped": ["other"],
        "sources": [{"source": "peer", "run_id": 4, "status": "interrupted",
                     "counts": {"new": 2, "failed": 1}, "failing": 1}]}
    assert RunResult.from_json(line) == result
    assert result.checked == 3 and not result.complete
    assert result.headline == ("3 pages checked in 2.5 s / new 2 · content 0 · metadata 0 · "
                               "unchanged 0 · gone 0 · failed 1 / peer interrupted / "
                               "skipped (already running): other")
    for garbage in ("", "not json", "[]", '{"protocol": 2, "outcome": "ran"}',
                    '{"protocol": 1, "outcome": "exploded", "sources": [], "skipped": [], '
                    '"seconds": 0}', '{"protocol": 1, "outcome": "ran"}'):
        assert RunResult.from_json(garbage) is None
    assert RunResult("busy").complete is False
    assert RunResult("ran", (SourceOutcome("peer", 1, "completed", {"new": 1}),)).complete


@pytest.mark.slow
def test_daemon_child_and_cluster_batch_read_the_result_line(
        server: MockServer, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'store.db'}"   # the protocol, not the store, is tested here
    urls = [server.page(f"/proto/{i}", PAGE.format(title=f"Page {i}", text=f"Profile text {i}."))
            for i in (1, 2)]
    config = tmp_path / "profilewatch.toml"
    config.write_text(FAST_SETTINGS + source_toml("proto", urls), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PROFILEWATCH_DB", None)
    global_args = ["--db", db_url, "--config", str(config)]

    before = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    cycle = ChildRuns(global_args, env, stream=io.StringIO()).run("proto")
    assert cycle is not None and cycle.returncode == EXIT_OK
    assert cycle.summary.startswith("profilewatch run: 2 pages checked in ")   # stdout unchanged
    assert cycle.result is not None and cycle.result.outcome == "ran"
    assert [(s.source, s.status, dict(s.counts)) for s in cycle.result.sources] == [
        ("proto", "completed", {"new": 2})]
    assert cycle.headline.startswith("2 pages checked in ")

    launcher = BatchLauncher(global_args, env, stream=io.StringIO())
    done = asyncio.run(launcher.run(1, "proto", urls[:1], before, False))   # checked since
    assert done.returncode == EXIT_OK and done.result == RunResult("nothing-due")
    assert done.headline == "nothing checked: every page given was checked already"

    store = Store.open(db_url)
    store.sync_sources([SourceConfig(name="proto", urls=tuple(urls))])
    domain = store.try_lock(domain_lock_name(page_domain(urls[0])))   # "another batch" has it
    source = store.try_lock(run_lock_name("proto"))                    # "another run" has it
    assert domain is not None and source is not None
    try:
        with pytest.raises(BatchDeferred):   # exit EXIT_RETRY_LATER
            asyncio.run(launcher.run(2, "proto", urls[:1], "2000-01-01T00:00:00Z", False))
        busy = ChildRuns(global_args, env, stream=io.StringIO()).run("proto")
        assert busy is not None and busy.returncode == EXIT_OK and busy.summary == ""
        assert busy.result == RunResult("busy", skipped=("proto",))
    finally:
        domain.release()
        source.release()
        store.close()
