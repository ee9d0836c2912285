"""Fixtures of the end-to-end suites: the daemons and workers a test started, killed at its end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import pytest

from tests.support.inprocess import run_cli
from tests.support.processes import CommandProcess, DaemonProcess, WorkerProcess

__all__ = ["daemons", "run_cli", "workers"]

P = TypeVar("P", bound=CommandProcess)


def _killed_at_end(started: list[P]) -> Iterator[list[P]]:
    yield started
    for process in started:
        process.kill()


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    """Daemons a test started; any still running at the end are killed."""
    yield from _killed_at_end([])


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    """Workers a test started; any still running at the end are killed."""
    yield from _killed_at_end([])
