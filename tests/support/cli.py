"""``profilewatch`` commands run in the test process (click's ``CliRunner``): milliseconds instead
of a subprocess's second, for tests where the process is not what is tested (a crawl needs a
fresh Twisted reactor: ``tests.conftest.Cli`` runs those in subprocesses). A command sets up the
CLI's logging; the ``root_logging`` fixture puts the root logger back afterwards."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from profilewatch.cli import cli


def invoke(db: str, config: Path | None, *args: str) -> Result:
    """``profilewatch --db DB [--config CONFIG] ARGS`` in this process."""
    return CliRunner().invoke(cli, ["--db", db, *(["--config", str(config)] if config else []),
                                    *args])


@pytest.fixture
def root_logging() -> Iterator[None]:
    """In-process commands set up the CLI's logging; put the root logger back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
