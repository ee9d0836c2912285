"""``profilewatch`` in subprocesses: its argument list and environment (``pw_command``,
``pw_env``: every test that starts one uses them), long-running commands (daemon, worker) with
their log lines collected as they come, and polling with deadlines (never bare sleeps)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parents[2]

T = TypeVar("T")


def pw_env(**extra: str) -> dict[str, str]:
    """The environment of a profilewatch subprocess: this checkout first on the path, no
    PROFILEWATCH_DB from outside."""
    env = {**os.environ, "PYTHONPATH": str(REPO), **extra}
    env.pop("PROFILEWATCH_DB", None)
    return env


def pw_command(db: str, config: Path | None, *args: str, fake_dns: dict[str, str] | None = None
               ) -> list[str]:
    """``profilewatch --db DB [--config CONFIG] ARGS`` (through the fake resolver when names are
    mapped, see ``tests/support/fakedns.py``)."""
    options = ["--db", db, *(["--config", str(config)] if config else []), *args]
    if fake_dns:
        mapping = [f"{name}={address}" for name, address in fake_dns.items()]
        return [sys.executable, "-m", "tests.support.fakedns", *mapping, "--", *options]
    return [sys.executable, "-m", "profilewatch", *options]


def wait_for(predicate: Callable[[], T], timeout: float = 30.0, what: str = "the condition",
             interval: float = 0.05) -> T:
    """Poll ``predicate`` until it returns something truthy; fail the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def alive(pid: int) -> bool:
    """Whether a process with this pid exists (a zombie counts until it is reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


class CommandProcess:
    """``profilewatch [global options] COMMAND ARGS`` in a subprocess; stderr kept line by line."""

    command = ""
    stdout: int = subprocess.DEVNULL     # subprocess.PIPE: keep it for the caller to read at the end

    def __init__(self, workdir: Path, db: str, config: Path, *args: str,
                 global_args: tuple[str, ...] = ()) -> None:
        argv = pw_command(db, config, *global_args, self.command, *args)
        self.proc = subprocess.Popen(argv, cwd=workdir, env=pw_env(), stdout=self.stdout,
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

    def terminate(self, timeout: float = 40) -> tuple[int, float]:
        """SIGTERM; returns the exit code and how long the process took to exit."""
        started = time.monotonic()
        if self.proc.poll() is None:
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


class DaemonProcess(CommandProcess):
    """``profilewatch daemon`` in a subprocess."""

    command = "daemon"

    def stop(self, timeout: float = 40) -> tuple[int, float]:
        """SIGTERM; returns the exit code and how long the daemon took to exit."""
        return self.terminate(timeout)


class WorkerProcess(CommandProcess):
    """``profilewatch worker`` in a subprocess."""

    command = "worker"

    def started_jobs(self) -> list[int]:
        return [int(n) for n in re.findall(r"job (\d+): checking", self.log)]

    def child_pids(self) -> list[int]:
        return [int(n) for n in re.findall(r"job \d+: checking .*\(pid (\d+)\)", self.log)]

    def stop(self, timeout: float = 40) -> int:
        return self.terminate(timeout)[0]
