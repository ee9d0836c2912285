"""One cluster job's crawl: a fresh ``profilewatch run --source S --url ... --trigger cluster`` child.

A fresh process per job for the same reasons as the daemon's cycles (:mod:`scheduler.children`):
the Twisted reactor cannot be restarted, and cron, daemon and workers then share one code path
(run locks, recording, reports). The child runs in its own session, so a Ctrl-C on the worker's
terminal reaches the worker only; the worker forwards one SIGTERM when it stops. The kernel sends
the child SIGTERM when its worker dies, even by SIGKILL (``PR_SET_PDEATHSIG``): it records the
pages in hand and exits, and the job, retried elsewhere, checks only the pages left.

Argv, exit statuses and the result line: :mod:`scheduler.protocol`. ``EXIT_OK``: the batch was
checked; ``EXIT_RETRY_LATER`` (75): its domain was busy or the run was interrupted, retry later;
``EXIT_USAGE`` (2): a config or usage error, retrying cannot help; anything else: a failure worth
retrying (store unreachable …).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from profilewatch.errors import EXIT_OK, EXIT_RETRY_LATER, EXIT_USAGE
from scheduler.protocol import ChildExit, ResultPipe, run_argv

logger = logging.getLogger(__name__)
# A stopping child finishes its pages in hand within crawler.shutdown's grace; past this it is
# killed (with its extraction processes). Same bound as the daemon's.
STOP_TIMEOUT_SECONDS = 30.0
PR_SET_PDEATHSIG = 1


class BatchError(Exception):
    """A job whose batch was not (fully) checked."""


class BatchDeferred(BatchError):
    """The domain was busy or the run was interrupted: retried later."""


class BatchFailed(BatchError):
    """The child failed (store unreachable, crash): retried with a growing delay."""


class BatchRejected(BatchError):
    """The child refused the batch (unknown source, bad config): never retried."""


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the worker that started it dies (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


@dataclass
class BatchLauncher:
    """Starts the children of one worker and relays their log lines to its stderr."""

    global_args: list[str]          # options before ``run`` (config, log format, verbosity)
    env: dict[str, str]             # PROFILEWATCH_DB travels here, not in argv
    json_logs: bool = False
    stream: TextIO = field(default_factory=lambda: sys.stderr)
    running: set[asyncio.subprocess.Process] = field(default_factory=set)

    def command(self, source: str, urls: Sequence[str], since: str, discover: bool,
                result_fd: int | None = None) -> list[str]:
        return run_argv(self.global_args, source, trigger="cluster", urls=urls, since=since,
                        discover=discover, result_fd=result_fd)

    async def run(self, job_id: int | None, source: str, urls: Sequence[str], since: str,
                  discover: bool) -> ChildExit:
        """Run one batch and wait for it; raises :class:`BatchError` unless it was checked."""
        started = time.monotonic()
        pipe = ResultPipe()
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.command(source, urls, since, discover, pipe.child_fd),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=self.env, start_new_session=True,
                preexec_fn=_die_with_parent, pass_fds=(pipe.child_fd,))
        except BaseException:
            pipe.close()
            raise
        pipe.started()
        outcome = asyncio.ensure_future(asyncio.to_thread(pipe.read))
        logger.info("job %s: checking %d page%s of %s (pid %d)", job_id, len(urls),
                    "" if len(urls) == 1 else "s", source, proc.pid)
        assert proc.stdout is not None and proc.stderr is not None
        stdout = asyncio.ensure_future(proc.stdout.read())
        relay = asyncio.ensure_future(self._relay(proc.stderr, source, job_id))
        self.running.add(proc)
        try:
            await proc.wait()
        except asyncio.CancelledError:   # the worker is stopping: let the child finish its pages
            await asyncio.shield(self._stop(proc))
            await asyncio.shield(asyncio.gather(relay, stdout, outcome, return_exceptions=True))
            raise BatchDeferred(f"worker stopped; the run of {source} was interrupted") from None
        finally:
            self.running.discard(proc)
        await relay
        summary = (await stdout).decode("utf-8", "replace")
        result = ChildExit(source, proc.returncode or 0, time.monotonic() - started, summary,
                             await outcome)
        code = result.returncode
        if code == EXIT_OK:
            return result
        if code == EXIT_RETRY_LATER:
            raise BatchDeferred(f"{source}: domain busy or run interrupted; retrying later")
        if code == EXIT_USAGE:
            raise BatchRejected(f"{source}: the run refused the batch (exit 2); see its log")
        raise BatchFailed(f"{source}: the run exited with status {code}")

    async def _relay(self, stream: asyncio.StreamReader, source: str, job_id: int | None) -> None:
        while raw := await stream.readline():
            line = raw.decode("utf-8", "replace")
            if self.json_logs:
                try:
                    record = json.loads(line)
                except ValueError:
                    record = {"level": "info", "logger": "profilewatch.child",
                              "message": line.rstrip()}
                if isinstance(record, dict):
                    record.setdefault("source", source)
                    record.setdefault("job", job_id)
                    line = json.dumps(record, ensure_ascii=False) + "\n"
            self.stream.write(line)
            self.stream.flush()

    def kill_all(self) -> None:
        """SIGKILL every running child and its extraction processes (the store stays whole)."""
        for proc in list(self.running):
            logger.warning("killing the run (pid %d)", proc.pid)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)

    async def _stop(self, proc: asyncio.subprocess.Process) -> None:
        """One SIGTERM (pages in hand are recorded), SIGKILL to its group after the timeout."""
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), STOP_TIMEOUT_SECONDS)
        except TimeoutError:
            logger.warning("killing the run (pid %d): still running %.0f s after SIGTERM",
                           proc.pid, STOP_TIMEOUT_SECONDS)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
