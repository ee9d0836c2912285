"""The daemon's check cycles: each one a fresh ``profilewatch run --source NAME`` child process.

A fresh process per cycle because the Twisted reactor cannot be restarted in one process, and so
that the daemon and cron go through the very same code path (run locks included). Children run in
their own session: a Ctrl-C on the daemon's terminal reaches the daemon only, which forwards one
SIGTERM to each child (a second signal would make Scrapy abandon its pages at once).

A child's log lines (stderr) are relayed to the daemon's stderr as they come, tagged with the
source in JSON mode; its result (one JSON line on a pipe, :mod:`scheduler.protocol`) is logged
when it exits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TextIO

from scheduler.protocol import ChildExit, ResultPipe, RunResult, run_argv

logger = logging.getLogger(__name__)

# How often the stop loop looks at its children (a wait, not a busy loop).
STOP_POLL_SECONDS = 0.2


class ChildRuns:
    """Starts, relays and stops the ``profilewatch run`` children of one daemon."""

    def __init__(self, global_args: Sequence[str], env: dict[str, str], *,
                 json_logs: bool = False, stream: TextIO | None = None) -> None:
        self.global_args = list(global_args)   # options before ``run`` (config, log format …)
        self.env = env
        self.json_logs = json_logs
        self._stream: TextIO = stream or sys.stderr
        self._lock = threading.RLock()
        self._write_lock = threading.Lock()
        self._procs: dict[str, subprocess.Popen[str]] = {}
        self._stopping = False

    def command(self, source: str, result_fd: int | None = None) -> list[str]:
        return run_argv(self.global_args, source, trigger="schedule", result_fd=result_fd)

    @property
    def active(self) -> list[str]:
        with self._lock:
            return sorted(self._procs)

    def run(self, source: str) -> ChildExit | None:
        """Run one cycle of ``source`` and wait for it; None when the daemon is stopping."""
        started = time.monotonic()
        with self._lock:
            if self._stopping:
                return None
            pipe = ResultPipe()
            try:
                proc = subprocess.Popen(
                    self.command(source, pipe.child_fd), stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env, text=True,
                    encoding="utf-8", errors="replace", start_new_session=True,
                    pass_fds=(pipe.child_fd,))
            except BaseException:
                pipe.close()
                raise
            pipe.started()
            self._procs[source] = proc
        logger.info("run of %s started (pid %d)", source, proc.pid)
        out: list[str] = []
        results: list[RunResult | None] = []
        assert proc.stdout is not None and proc.stderr is not None
        stdout = proc.stdout
        readers = [threading.Thread(target=lambda: out.append(stdout.read()),
                                    name=f"stdout-{source}", daemon=True),
                   threading.Thread(target=lambda: results.append(pipe.read()),
                                    name=f"result-{source}", daemon=True)]
        for reader in readers:
            reader.start()
        try:
            for line in proc.stderr:
                self._relay(source, line)
            proc.wait()
            for reader in readers:
                reader.join()
        finally:
            with self._lock:
                self._procs.pop(source, None)
            stdout.close()
            proc.stderr.close()
        return ChildExit(source, proc.returncode, time.monotonic() - started, "".join(out),
                           results[0] if results else None)

    def _relay(self, source: str, line: str) -> None:
        if self.json_logs:
            try:
                record = json.loads(line)
            except ValueError:
                record = {"level": "info", "logger": "profilewatch.child", "message": line.rstrip()}
            if isinstance(record, dict):
                record.setdefault("source", source)
                line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._write_lock:
            self._stream.write(line)
            self._stream.flush()

    def stop(self, timeout: float, force: Callable[[], bool] = lambda: False) -> None:
        """Refuse new runs, send each child one SIGTERM, SIGKILL those still running at ``timeout``.

        ``force`` is polled while waiting: when it turns true (a second stop signal) the children
        are killed at once.
        """
        with self._lock:
            self._stopping = True
            procs = list(self._procs.items())
        if not procs:
            return
        logger.info("stopping %d run%s (%s): each finishes the pages in hand, at most %.0f s",
                    len(procs), "" if len(procs) == 1 else "s", ", ".join(n for n, _ in procs),
                    timeout)
        for _, proc in procs:
            _signal(proc, signal.SIGTERM, group=False)
        deadline = time.monotonic() + timeout
        while any(p.poll() is None for _, p in procs):
            if force() or time.monotonic() >= deadline:
                for name, proc in procs:
                    if proc.poll() is None:
                        logger.warning("killing the run of %s (pid %d)", name, proc.pid)
                        _signal(proc, signal.SIGKILL, group=True)
                break
            _wait_any(procs, STOP_POLL_SECONDS)
        for _, proc in procs:
            proc.wait()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no child is registered (their relay threads are done); False at timeout."""
        deadline = time.monotonic() + timeout
        while self.active:
            if time.monotonic() >= deadline:
                return False
            _wait_any([], STOP_POLL_SECONDS)
        return True


def _wait_any(procs: list[tuple[str, subprocess.Popen[str]]], seconds: float) -> None:
    """Wait up to ``seconds`` for the first still-running process (or just that long)."""
    for _, proc in procs:
        if proc.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=seconds)
            return
    threading.Event().wait(seconds)


def _signal(proc: subprocess.Popen[str], signum: int, *, group: bool) -> None:
    try:
        if group:
            os.killpg(proc.pid, signum)   # the run's extraction workers too
        else:
            proc.send_signal(signum)
    except (ProcessLookupError, PermissionError):
        pass
