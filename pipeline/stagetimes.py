"""Optional per-stage CPU timers for the benchmarks: where each millisecond of a page goes.

Off unless the environment variable :data:`ENV` names a file (``benchmarks.cycle`` sets it). Off,
:func:`laps` returns :data:`OFF`, whose ``lap`` does nothing: a dozen empty calls a page. On, each
``lap(name)`` charges the CPU time of the calling thread since the previous lap to ``name``
(thread CPU time, not wall time: the benchmark machine is shared, and a worker's wall clock also
counts the time it waits for a core).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

ENV = "PROFILEWATCH_STAGE_TIMES"
ENABLED = bool(os.environ.get(ENV))


class Laps:
    """Stage timings of one page: ``lap(name)`` ends stage ``name``."""

    __slots__ = ("_last", "laps")

    def __init__(self) -> None:
        self.laps: list[tuple[str, float]] = []
        self._last = time.thread_time()

    def lap(self, name: str) -> None:
        now = time.thread_time()
        self.laps.append((name, now - self._last))
        self._last = now

    def skip(self) -> None:
        """Start the next stage now (what ran since the last lap is somebody else's)."""
        self._last = time.thread_time()


class _Off(Laps):
    __slots__ = ()

    def __init__(self) -> None:
        self.laps = []

    def lap(self, name: str) -> None:
        pass

    def skip(self) -> None:
        pass


OFF = _Off()


def laps() -> Laps:
    """A fresh timer when timing is on, else the shared no-op one."""
    return Laps() if ENABLED else OFF


class Totals:
    """Stage totals of a process: seconds and counts per stage name."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def add(self, entries: Iterable[tuple[str, float]]) -> None:
        for name, seconds in entries:
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds
            self.counts[name] = self.counts.get(name, 0) + 1

    def as_json(self) -> dict[str, dict[str, float]]:
        return {name: {"seconds": round(self.seconds[name], 6), "count": self.counts[name]}
                for name in self.seconds}


TOTALS = Totals()
