"""Extraction worker processes fed from the event loop over non-blocking pipes.

``concurrent.futures.ProcessPoolExecutor`` moves every task and result through two helper threads
and keeps only ``workers + 1`` tasks queued; in a process whose main thread is busy running Scrapy,
those threads wait for the GIL and the workers sit idle (measured: workers ~30 % busy on 1,000
100 KB pages). Here the reactor thread itself writes each pickled task to a worker's pipe and reads
results when the pipe is readable: no helper threads, no lock hand-offs, and each worker has
:data:`DEPTH` tasks queued so it never waits for the main process.

A worker that dies fails the tasks it held (their pages become failed checks: nothing is lost,
the next run retries them) and is replaced.

The workers start when the first task comes, in a thread, and take tasks as they come up: a start
waits for the fork server, which early in a run may still be importing the preloaded modules, and
the event loop must not wait with it (it sent no request for 0.3-0.5 s at a run's first page on a
loaded 2-core machine, and every paced host's next turn came that much late).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import importlib
import logging
import multiprocessing
import os
import pickle
import struct
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from typing import Any

logger = logging.getLogger(__name__)

# Tasks written ahead to each worker: one being computed, one waiting in the pipe.
DEPTH = 2
HEADER = struct.Struct("!i")      # multiprocessing.Connection's frame header (payloads < 2 GiB)
PIPE_SET_SIZE = getattr(fcntl, "F_SETPIPE_SZ", 1031)   # Linux's fcntl command
PIPE_BYTES = 1 << 20


# Below this many pages a run extracts in the main process: starting worker processes (~0.5 s
# each, importing trafilatura) costs more than it saves on a handful of pages.
AUTO_POOL_MIN_PAGES = 40
# What the extraction workers import, once, in the fork server (the citation reader's extruct
# brings ~230 modules: 0.2 s a worker when each imported it on its first page).
WORKER_MODULES = ["crawler.extraction", "pipeline.analyse", "pipeline.citemeta"]


def prestart(preload: list[str]) -> None:
    """Start the fork server now, importing ``preload`` (the workers' modules: ~0.45 s of
    trafilatura, extruct …) on another core while the caller sets its run up; the workers it forks
    later are ready at once. Started on a pool's first task instead, it held the event loop for the
    whole import. A second call (same modules) finds it running; a server never used exits with
    the process."""
    if preload:
        forkserver.set_forkserver_preload(preload)
    forkserver.ensure_running()


class WorkerDied(RuntimeError):
    """The extraction worker holding a task exited before answering."""


# A function a worker runs: the function itself (pickled by reference: the sending process imports
# its module), or ``(module, name)``, imported by the worker only (the crawling process need not
# load the extraction stack it sends pages to).
Task = Callable[..., Any] | tuple[str, str]


def _function(task: Task) -> Callable[..., Any]:
    if isinstance(task, tuple):
        module, name = task
        function: Callable[..., Any] = getattr(importlib.import_module(module), name)
        return function
    return task


def _serve(tasks: Connection, results: Connection, initializer: Task | None) -> None:
    """Worker main loop: read a pickled ``(id, fn, args)``, answer ``(id, ok, value)``."""
    if initializer is not None:
        _function(initializer)()
    while True:
        try:
            task_id, fn, args = pickle.loads(tasks.recv_bytes())
        except EOFError:
            return
        try:
            reply = (task_id, True, _function(fn)(*args))
        except Exception as exc:  # returned to the caller, which decides what a failure means
            reply = (task_id, False, exc)
        try:
            results.send_bytes(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
        except (BrokenPipeError, OSError):
            return


def _widen(fd: int) -> None:
    """Let a pipe hold a whole task or result (Linux: 64 KB by default, 1 MB allowed to anyone):
    a 110 KB page then goes through in one write and one read, not two or three, each waking the
    other process."""
    with contextlib.suppress(OSError, ValueError):   # not Linux, or a lower limit: as it is
        fcntl.fcntl(fd, PIPE_SET_SIZE, PIPE_BYTES)


@dataclass
class _Worker:
    process: Any
    tasks: Connection            # parent's writing end
    results: Connection          # parent's reading end
    outbox: bytearray = field(default_factory=bytearray)
    inbox: bytearray = field(default_factory=bytearray)
    pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    writing: bool = False


class ExtractionPool:
    """``await pool.run(fn, *args)`` runs ``fn(*args)`` in one of ``size`` worker processes."""

    def __init__(self, size: int, initializer: Task | None = None,
                 preload: list[str] | None = None) -> None:
        self._context = multiprocessing.get_context("forkserver")
        prestart(preload or [])
        self._initializer = initializer
        self._size = size
        self._workers: list[_Worker] = []
        self._queue: deque[tuple[int, bytes, asyncio.Future[Any]]] = deque()
        self._next_id = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._starter: threading.Thread | None = None
        self._started: list[_Worker] = []       # started by the starter, not yet taken on
        self._started_lock = threading.Lock()
        self._start_error: Exception | None = None     # why no worker could start

    # --- public -----------------------------------------------------------------------------

    async def run(self, fn: Task, *args: Any) -> Any:
        if self._closed:
            raise RuntimeError("the extraction pool is closed")
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._starter = threading.Thread(target=self._start_workers, args=(self._loop,),
                                             name="profilewatch-extract-start", daemon=True)
            self._starter.start()
        if self._start_error is not None and not self._workers:
            raise self._start_error
        self._next_id += 1
        future: asyncio.Future[Any] = self._loop.create_future()
        payload = pickle.dumps((self._next_id, fn, args), protocol=pickle.HIGHEST_PROTOCOL)
        self._queue.append((self._next_id, payload, future))
        self._dispatch()
        return await future

    def close(self) -> None:
        """Stop the workers (outstanding tasks are abandoned)."""
        self._closed = True
        if self._starter is not None:
            self._starter.join()
        with self._started_lock:
            workers, self._started = self._workers + self._started, []
        for worker in workers:
            self._detach(worker)
            worker.tasks.close()
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
            worker.results.close()
        self._workers = []

    # --- plumbing ---------------------------------------------------------------------------

    def _start_workers(self, loop: asyncio.AbstractEventLoop) -> None:
        """The starter thread: start the workers one by one, handing each to the event loop."""
        for _ in range(self._size):
            if self._closed:
                return
            try:
                worker = self._start_process()
            except Exception as exc:   # e.g. out of file descriptors: the tasks fail, not hang
                self._start_error = exc
                worker = None
            if worker is not None:
                with self._started_lock:
                    self._started.append(worker)
            try:
                loop.call_soon_threadsafe(self._take_started)
            except RuntimeError:      # the loop is closed: close() stops the worker
                return
            if worker is None:
                return

    def _take_started(self) -> None:
        """On the event loop: take on the workers started so far, and give them tasks."""
        if self._closed:
            return
        with self._started_lock:
            started, self._started = self._started, []
        for worker in started:
            self._attach(worker)
            self._workers.append(worker)
        if self._start_error is not None and not self._workers:
            while self._queue:
                _, _, future = self._queue.popleft()
                if not future.done():
                    future.set_exception(self._start_error)
        self._dispatch()

    def _spawn(self) -> _Worker:
        worker = self._start_process()
        self._attach(worker)
        return worker

    def _start_process(self) -> _Worker:
        task_read, task_write = self._context.Pipe(duplex=False)
        result_read, result_write = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_serve, name="profilewatch-extract", daemon=True,
                                        args=(task_read, result_write, self._initializer))
        process.start()
        task_read.close()
        result_write.close()
        os.set_blocking(task_write.fileno(), False)
        os.set_blocking(result_read.fileno(), False)
        for end in (task_write, result_read):
            _widen(end.fileno())
        return _Worker(process, task_write, result_read)

    def _attach(self, worker: _Worker) -> None:
        assert self._loop is not None
        self._loop.add_reader(worker.results.fileno(), self._on_readable, worker)

    def _dispatch(self) -> None:
        while self._queue and self._workers:
            worker = min(self._workers, key=lambda w: len(w.pending))
            if len(worker.pending) >= DEPTH:
                return
            task_id, payload, future = self._queue.popleft()
            worker.pending[task_id] = future
            worker.outbox += HEADER.pack(len(payload)) + payload
            self._flush(worker)

    def _flush(self, worker: _Worker) -> None:
        assert self._loop is not None
        while worker.outbox:
            try:
                written = os.write(worker.tasks.fileno(), worker.outbox)
            except BlockingIOError:
                break
            except OSError:
                self._failed(worker)
                return
            del worker.outbox[:written]
        fd = worker.tasks.fileno()
        if worker.outbox and not worker.writing:
            self._loop.add_writer(fd, self._flush, worker)
            worker.writing = True
        elif not worker.outbox and worker.writing:
            self._loop.remove_writer(fd)
            worker.writing = False

    def _on_readable(self, worker: _Worker) -> None:
        try:
            chunk = os.read(worker.results.fileno(), 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._failed(worker)
            return
        worker.inbox += chunk
        while len(worker.inbox) >= HEADER.size:
            (size,) = HEADER.unpack_from(worker.inbox)
            if len(worker.inbox) < HEADER.size + size:
                break
            task_id, ok, value = pickle.loads(bytes(worker.inbox[HEADER.size:HEADER.size + size]))
            del worker.inbox[:HEADER.size + size]
            future = worker.pending.pop(task_id, None)
            if future is not None and not future.done():
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
        self._dispatch()

    def _detach(self, worker: _Worker) -> None:
        if self._loop is None:
            return
        self._loop.remove_reader(worker.results.fileno())
        if worker.writing:
            self._loop.remove_writer(worker.tasks.fileno())
            worker.writing = False

    def _failed(self, worker: _Worker) -> None:
        """The worker died: fail what it held, replace it, carry on."""
        self._detach(worker)
        worker.process.join(timeout=1)      # reap it, so its exit code is known
        code = worker.process.exitcode
        logger.error("extraction worker %s exited (code %s); replacing it", worker.process.pid, code)
        for future in worker.pending.values():
            if not future.done():
                future.set_exception(WorkerDied(f"extraction worker exited (code {code})"))
        worker.pending.clear()
        for connection in (worker.tasks, worker.results):
            connection.close()
        if self._closed:
            return
        self._workers[self._workers.index(worker)] = self._spawn()
        self._dispatch()
