"""A process and its descendants, read from /proc: peak memory, CPU time, who is whose child."""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may contain spaces
    return text[text.rindex(")") + 2:].split()


def parent_of(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` so far (0 when it is gone)."""
    fields = _stat_fields(pid)
    if not fields:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(root: int) -> list[int]:
    """Every live process below ``root`` (children, grandchildren …)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def peak_rss_kb(pid: int) -> int:
    """The peak resident set (VmHWM) of ``pid`` so far, in KiB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid: int) -> int:
    """The proportional set size of ``pid`` in KiB: pages shared with other processes (a forked
    worker and its forkserver) count in proportion, so a tree's sum counts each page once."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples a process tree while it runs.

    :attr:`peak_mb` is the largest sum of the tree's PSS seen in one sample (every 20 ms: the same
    measure as ``benchmarks/cycle.py``); :attr:`root_peak_mb` is the root process's own exact peak
    (its VmHWM, and the kernel's figure at exit).
    """

    def __init__(self, root: int, interval: float = 0.02) -> None:
        self.root = root
        self.interval = interval
        self.peak_kb = 0
        self.root_peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            tree = [self.root, *descendants(self.root)]
            self.peak_kb = max(self.peak_kb, sum(pss_kb(pid) for pid in tree))
            self.root_peak_kb = max(self.root_peak_kb, peak_rss_kb(self.root))
            time.sleep(self.interval)

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024

    @property
    def root_peak_mb(self) -> float:
        return self.root_peak_kb / 1024


@dataclass
class Measured:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float           # the process tree's peak memory (sampled sum of PSS), MiB
    root_peak_mb: float      # the process's own exact peak resident set, MiB


def run_measured(command: list[str], *, env: dict[str, str], cwd: Path,
                 timeout: float = 120) -> Measured:
    """Run ``command`` to its end, sampling its process tree's memory from /proc."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        with TreeMemory(process.pid) as memory:
            deadline = started + timeout
            while True:
                pid, status, usage = os.wait4(process.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    process.kill()
                    pid, status, usage = os.wait4(process.pid, 0)
                    break
                time.sleep(0.02)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        # the kernel's figure at exit: the root's peak, or a reaped child's if larger
        memory.root_peak_kb = max(memory.root_peak_kb, usage.ru_maxrss)
        out.seek(0)
        err.seek(0)
        return Measured(process.returncode, out.read().decode(), err.read().decode(), seconds,
                        memory.peak_mb, memory.root_peak_mb)
