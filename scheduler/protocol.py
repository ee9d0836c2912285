"""The protocol between a parent and its ``profilewatch run`` child: one module for both sides.

The daemon (:mod:`scheduler.children`) and the cluster workers (:mod:`scheduler.cluster_child`)
run each check cycle in a fresh ``profilewatch run`` process. Between them:

1. **argv**, built by :func:`run_argv`: ``python -m profilewatch <global options> run --source S
   --trigger schedule|cluster [--unchecked-since T --discover|--no-discover --url U ...]
   [--result-fd N]``;
2. **the result**: with the hidden option ``--result-fd N`` the child writes one JSON line
   (:meth:`RunResult.to_json`) on file descriptor N, the write end of a pipe the parent passed with
   ``pass_fds`` (:class:`ResultPipe`), then closes it. The human summary stays on stdout,
   unchanged, for people; parents read only this line::

       {"protocol": 1, "outcome": "ran", "seconds": 1.4, "skipped": [],
        "sources": [{"source": "unesco-peer", "run_id": 12, "status": "completed",
                     "counts": {"new": 1, "unchanged": 3}, "failing": 0}]}

   ``outcome``: ``ran`` (``sources`` says how each went), ``busy`` (another process holds the
   source's or the domain's lock: nothing checked), ``nothing-due`` (a retried batch whose pages
   were all checked already). A child that fails before it can check (bad config, store
   unreachable, killed) writes nothing: the parent has its exit status only;
3. **exit statuses**, from :mod:`profilewatch.errors`: ``EXIT_OK`` (0) the cycle ran, or another
   process runs the source; ``EXIT_RETRY_LATER`` (75) a cluster batch's domain was busy or its run
   interrupted; ``EXIT_USAGE`` (2) a config or usage error, retrying cannot help; any other
   status a failure worth retrying.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from pipeline.types import CHECK_KINDS
from storage.runs import RunReport

logger = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
RESULT_FD_OPTION = "--result-fd"
OUTCOMES = ("ran", "busy", "nothing-due")
# A result line longer than this is not one the child wrote (a source's counts are a few kinds).
MAX_RESULT_BYTES = 1024 * 1024


def run_argv(global_args: Sequence[str], source: str, *, trigger: str,
             urls: Sequence[str] = (), since: str | None = None, discover: bool = True,
             result_fd: int | None = None) -> list[str]:
    """The command line of one ``profilewatch run`` child (``urls``: a cluster batch)."""
    args = [sys.executable, "-m", "profilewatch", *global_args, "run", "--source", source,
            "--trigger", trigger]
    if urls:
        if since is not None:
            args += ["--unchecked-since", since]
        args.append("--discover" if discover else "--no-discover")
        for url in urls:
            args += ["--url", url]
    if result_fd is not None:
        args += [RESULT_FD_OPTION, str(result_fd)]
    return args


@dataclass(frozen=True)
class SourceOutcome:
    """How one source's run went, as the child tells its parent."""

    source: str
    run_id: int
    status: str                       # completed, interrupted, crashed …
    counts: Mapping[str, int] = field(default_factory=dict)
    failing: int = 0                  # pages whose check failed in this run


@dataclass(frozen=True)
class RunResult:
    """The machine-readable result of one ``profilewatch run`` child."""

    outcome: str
    sources: tuple[SourceOutcome, ...] = ()
    skipped: tuple[str, ...] = ()     # sources another process was running
    seconds: float = 0.0

    @property
    def checked(self) -> int:
        return sum(sum(s.counts.values()) for s in self.sources)

    @property
    def complete(self) -> bool:
        """Every source's run completed (nothing interrupted)."""
        return self.outcome == "ran" and all(s.status == "completed" for s in self.sources)

    @property
    def headline(self) -> str:
        """One line for the parent's log."""
        if self.outcome == "busy":
            return "nothing checked: another process was checking these pages"
        if self.outcome == "nothing-due":
            return "nothing checked: every page given was checked already"
        total: dict[str, int] = {}
        for source in self.sources:
            for kind, n in source.counts.items():
                total[kind] = total.get(kind, 0) + n
        checked = self.checked
        counts = " · ".join(f"{kind} {total.get(kind, 0)}" for kind in CHECK_KINDS)
        line = f"{checked} page{'' if checked == 1 else 's'} checked in {self.seconds:.1f} s / {counts}"
        unfinished = [f"{s.source} {s.status}" for s in self.sources if s.status != "completed"]
        if unfinished:
            line += " / " + ", ".join(unfinished)
        if self.skipped:
            line += " / skipped (already running): " + ", ".join(self.skipped)
        return line

    def to_json(self) -> str:
        return json.dumps({
            "protocol": PROTOCOL_VERSION, "outcome": self.outcome, "seconds": round(self.seconds, 3),
            "skipped": list(self.skipped),
            "sources": [{"source": s.source, "run_id": s.run_id, "status": s.status,
                         "counts": dict(s.counts), "failing": s.failing} for s in self.sources]},
            ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunResult | None:
        """The result a child wrote; None for no line or one that is not the protocol's."""
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("protocol") != PROTOCOL_VERSION:
                return None
            outcome = data["outcome"]
            if outcome not in OUTCOMES:
                return None
            sources = tuple(_source_outcome(s) for s in data["sources"])
            return cls(outcome, sources, tuple(str(n) for n in data["skipped"]),
                       float(data["seconds"]))
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class ChildExit:
    """What a parent knows of a finished child: exit status, time taken, stdout, result line."""

    source: str
    returncode: int
    seconds: float
    summary: str                      # the child's stdout: the human summary, for people
    result: RunResult | None = None   # what the child wrote on its result pipe

    @property
    def headline(self) -> str:
        """The run's result on one line, for the parent's log."""
        return self.result.headline if self.result else "nothing checked (see its log lines)"


def _source_outcome(data: Any) -> SourceOutcome:
    counts = {str(k): int(v) for k, v in dict(data["counts"]).items()}
    return SourceOutcome(str(data["source"]), int(data["run_id"]), str(data["status"]), counts,
                         int(data.get("failing", 0)))


def result_of(report: RunReport) -> RunResult:
    """The result of a run that checked pages (what ``run`` writes after its summary)."""
    end = report.finished_at or report.started_at
    return RunResult(
        "ran",
        tuple(SourceOutcome(s.source, s.run_id, s.status, {k: v for k, v in s.counts.items() if v},
                            len(s.failing)) for s in report.sources),
        tuple(report.skipped), (end - report.started_at).total_seconds())


def claim_result_fd(fd: int | None) -> int | None:
    """The child's side, at start: keep ``fd`` from the processes the run starts in turn (so the
    parent sees end-of-file when this process ends, whatever its extraction workers do)."""
    if fd is not None:
        with contextlib.suppress(OSError):
            os.set_inheritable(fd, False)
    return fd


def write_result(fd: int | None, result: RunResult) -> None:
    """The child's side: write ``result`` on ``fd`` and close it (no-op without ``--result-fd``)."""
    if fd is None:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(result.to_json() + "\n")
    except OSError as exc:   # the parent is gone or passed no such descriptor: the summary remains
        logger.warning("could not write the run's result on descriptor %d: %s", fd, exc.strerror)


class ResultPipe:
    """The parent's side: a pipe whose write end the child inherits (``pass_fds``).

    Create it, start the child with ``pass_fds=(pipe.child_fd,)`` and ``run_argv(...,
    result_fd=pipe.child_fd)``, call :meth:`started` (closes the parent's copy of the write end, so
    the read sees end-of-file when the child is done), then :meth:`read` (blocking: in a thread).
    """

    def __init__(self) -> None:
        self._read, self.child_fd = os.pipe()
        self._reader: IO[bytes] = os.fdopen(self._read, "rb")

    def started(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.child_fd)

    def read(self) -> RunResult | None:
        """Everything the child wrote, parsed; None when it wrote nothing usable."""
        with self._reader:
            data = self._reader.read(MAX_RESULT_BYTES + 1)
        if not data.strip() or len(data) > MAX_RESULT_BYTES:
            return None
        return RunResult.from_json(data.decode("utf-8", "replace").strip().splitlines()[-1])

    def close(self) -> None:
        """Both ends, when the child could not be started."""
        self.started()
        self._reader.close()
