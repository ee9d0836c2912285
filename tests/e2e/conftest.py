"""Fixtures of the end-to-end suites: the daemons and workers a test started, killed at its end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.processes import DaemonProcess, WorkerProcess


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    """Daemons a test started; any still running at the end are killed."""
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        daemon.kill()


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    """Workers a test started; any still running at the end are stopped."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.kill()
