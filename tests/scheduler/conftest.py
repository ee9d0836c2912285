"""Helpers for the scheduler tests: seeded run history, a daemon subprocess, polling with deadlines."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from storage.models import RunRow
from storage.store import Store
from tests.conftest import REPO

T = TypeVar("T")


def wait_for(predicate: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Poll ``predicate`` until it returns something truthy; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        threading.Event().wait(interval)


def seed_run(store: Store, source: str, *, started: datetime, finished: datetime | None = None,
             status: str = "completed", trigger: str = "schedule", pages_ok: int = 0,
             pages_failed: int = 0, pid: int | None = None, host: str | None = None) -> int:
    """A run row as an earlier process would have left it (times in the past)."""
    run_id = store.start_run(source, trigger)
    with store.session() as s, s.begin():
        row = s.get(RunRow, run_id)
        assert row is not None
        row.started_at = started
        row.finished_at = finished
        row.status = status
        row.pages_ok = pages_ok
        row.pages_failed = pages_failed
        if pid is not None:
            row.pid = pid
        if host is not None:
            row.host = host
    return run_id


def runs_of(store: Store, source: str) -> list[Any]:
    return sorted(store.runs(source), key=lambda r: r.id)


class DaemonProcess:
    """``profilewatch daemon`` in a subprocess; its stderr is collected line by line."""

    def __init__(self, workdir: Path, db: str, config: Path, *args: str,
                 global_args: tuple[str, ...] = ()) -> None:
        command = [sys.executable, "-m", "profilewatch", "--db", db, "--config", str(config),
                   *global_args, "daemon", *args]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("PROFILEWATCH_DB", None)
        self.proc = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def wait_for_log(self, pattern: str, timeout: float) -> re.Match[str]:
        regex = re.compile(pattern)
        return wait_for(lambda: regex.search(self.log), timeout, f"log line /{pattern}/\n{self.log}")

    def stop(self, timeout: float = 40) -> tuple[int, float]:
        """SIGTERM; returns the exit code and how long the daemon took to exit."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        took = time.monotonic() - started
        self._close()
        return code, took

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close()

    def _close(self) -> None:
        self._reader.join(timeout=5)
        if self.proc.stderr is not None and not self.proc.stderr.closed:
            self.proc.stderr.close()


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    """Daemons a test started; any still running at the end are killed."""
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        daemon.kill()


def assert_store_consistent(store: Store) -> int:
    """Everything a killed process could have half-written is whole; returns the version count.

    Per page: versions numbered 1..n, each with both blobs present and matching their digests,
    and a hash chain that recomputes; every check and event points at versions that exist.
    """
    import hashlib

    from sqlalchemy import select

    from storage.integrity import chain_fields, chain_hash
    from storage.models import CheckRow, EventRow, PageRow, VersionRow
    from storage.recording import read_blob

    total = 0
    with store.session() as s:
        for page in s.scalars(select(PageRow)):
            versions = list(s.scalars(select(VersionRow).where(VersionRow.page_id == page.id)
                                      .order_by(VersionRow.number)))
            assert [v.number for v in versions] == list(range(1, len(versions) + 1)), page.url
            previous = None
            for v in versions:
                for digest in (v.body_sha256, v.content_sha256):
                    assert hashlib.sha256(read_blob(s, digest)).hexdigest() == digest, page.url
                fields = chain_fields(url=page.url, number=v.number, fetched_at=v.fetched_at,
                                      body_sha256=v.body_sha256, content_sha256=v.content_sha256,
                                      title=v.title, declared_text=v.declared_text,
                                      declared_value=v.declared_value)
                assert chain_hash(previous, fields) == v.chain_sha256, (page.url, v.number)
                previous = v.chain_sha256
            total += len(versions)
            numbers = {v.number for v in versions}
            for event in s.scalars(select(EventRow).where(EventRow.page_id == page.id)):
                assert event.to_version is None or event.to_version in numbers, page.url
            ids = {v.id for v in versions}
            for check in s.scalars(select(CheckRow).where(CheckRow.page_id == page.id)):
                assert check.version_id is None or check.version_id in ids, page.url
                assert (check.outcome in ("new", "content", "metadata")) == (
                    check.version_id is not None), (page.url, check.outcome)
    return total
