"""Stopping a run: SIGTERM finishes the pages in hand within a bounded time; SIGKILL at any moment
leaves a consistent store, a run shown as crashed, and a next run that completes."""

from __future__ import annotations

import signal
import subprocess
import time

import pytest

from profilewatch.config import load_config
from scheduler.status import source_statuses
from storage.store import Store
from tests.conftest import Cli, source_toml
from tests.support.mockserver import MockServer
from tests.support.processes import CommandProcess, wait_for
from tests.support.runs import assert_store_consistent, runs_of

pytestmark = pytest.mark.slow

SETTINGS = ("[settings]\ndelay = 0\nretries = 0\ntimeout = 20\nconcurrency = {concurrency}\n"
            "per_domain_concurrency = {concurrency}\nobey_robots = false\n")
PAGE = ("<html><head><title>Page {n}</title></head><body><main><h1>Report {n}</h1>"
        "<p>Paragraph {n} of a page a run may be killed in the middle of recording.</p>"
        "</main></body></html>")


class RunProcess(CommandProcess):
    """``profilewatch run`` in the background (stderr collected, so a signal can be timed)."""

    command = "run"
    stdout = subprocess.PIPE

    def __init__(self, cli: Cli) -> None:
        assert cli.config is not None
        super().__init__(cli.workdir, cli.db, cli.config)

    def finish(self, timeout: float) -> tuple[int, str]:
        """Wait for the exit; returns the exit code and stdout (the summary)."""
        assert self.proc.stdout is not None
        try:
            self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            out = self.proc.stdout.read()
            self._close()
            self.proc.stdout.close()
        return self.proc.returncode, out


def _checks(store: Store, url: str) -> list[dict[str, object]]:
    return store.checks(url) if store.has_page(url) else []


def test_sigterm_lets_the_pages_in_hand_finish_and_starts_no_other(server: MockServer,
                                                                  cli: Cli) -> None:
    # two requests in the downloader at a time: two pages in hand, two waiting in the scheduler
    urls = [f"{server.url}/slow?seconds=2&n={n}" for n in range(4)]
    cli.write_config(SETTINGS.format(concurrency=2) + source_toml("slow", urls))
    run = RunProcess(cli)
    in_flight = wait_for(lambda: [p for p in server.paths_requested() if p.startswith("/slow")]
                         if len(server.paths_requested()) >= 2 else None, 30,
                         "two pages in flight")
    signalled = time.monotonic()
    run.proc.send_signal(signal.SIGTERM)
    code, out = run.finish(timeout=30)
    took = time.monotonic() - signalled
    assert code == 0, run.log
    assert took < 8, f"stopping took {took:.1f} s"
    assert "run interrupted" in out
    store = Store.open(cli.db)
    # the two pages in hand were fetched to the end and recorded; the other two never started
    assert sorted(server.paths_requested()) == sorted(in_flight)
    recorded = {u: _checks(store, u) for u in urls}
    done = [u for u, checks in recorded.items() if checks]
    assert sorted(server.url + p for p in in_flight) == sorted(done)
    assert all(c["outcome"] == "new" for u in done for c in recorded[u])
    assert [r.status for r in runs_of(store, "slow")] == ["interrupted"]
    store.close()


def test_a_second_signal_abandons_a_page_that_would_not_finish(server: MockServer,
                                                               cli: Cli) -> None:
    drip = f"{server.url}/drip?interval=0.5"
    cli.write_config(SETTINGS.format(concurrency=2) + source_toml("drip", [drip]))
    run = RunProcess(cli)
    wait_for(lambda: any(p.startswith("/drip") for p in server.paths_requested()), 30,
             "the page in flight")
    run.proc.send_signal(signal.SIGTERM)
    wait_for(lambda: "received SIGTERM" in run.log, 10,
             "the run to acknowledge the stop")
    signalled = time.monotonic()
    run.proc.send_signal(signal.SIGTERM)
    code, out = run.finish(timeout=30)
    assert code == 0, run.log
    assert time.monotonic() - signalled < 3
    assert "run interrupted" in out
    store = Store.open(cli.db)
    # an abandoned fetch is not a failed check: nothing recorded for it, no error streak started
    assert _checks(store, drip) == []
    assert store.pages("drip")[0].fail_count == 0
    assert [r.status for r in runs_of(store, "drip")] == ["interrupted"]
    store.close()


def test_sigkill_mid_cycle_leaves_a_consistent_store_and_the_next_run_completes(
        server: MockServer, cli: Cli) -> None:
    fast = [server.page(f"/k{n}", PAGE.format(n=n)) for n in range(16)]
    slow = [f"{server.url}/slow?seconds=1.5&n={n}" for n in range(2)]
    cli.write_config(SETTINGS.format(concurrency=16) + source_toml("killed", fast + slow))
    total = len(fast) + len(slow)
    run = RunProcess(cli)
    store = Store.open(cli.db)
    try:
        # kill as soon as the first pages are written, while others are being recorded
        wait_for(lambda: any(s.last and s.last.pages_ok for s in store.source_runs()), 30,
                 "the first recorded page")
        run.proc.kill()
        run.finish(timeout=10)
        versions = assert_store_consistent(store)
        assert 1 <= versions < total
        (killed,) = runs_of(store, "killed")
        assert killed.status == "running"      # as the killed process left it …
        (shown,) = source_statuses(load_config(cli.config), store)
        assert shown.last_run is not None
        assert shown.last_run.status == "crashed"   # … but not shown as running forever
        assert shown.last_run.pages_ok == versions

        again = cli("run")
        assert again.code == 0, again.stderr
        assert "marked crashed" in again.stderr
        assert assert_store_consistent(store) == total
        first, second = runs_of(store, "killed")
        assert (first.status, first.pages_ok) == ("crashed", versions)
        assert (second.status, second.pages_ok, second.pages_failed) == ("completed", total, 0)
        events = store.events(source="killed")
        assert len(events) == total and {e.kind for e in events} == {"new"}
    finally:
        store.close()
