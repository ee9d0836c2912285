"""The ``profilewatch`` command run in this process (milliseconds instead of a second a run):
the ``run_cli`` fixture, for commands that need no fresh Twisted reactor (not ``run``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner

from profilewatch.cli import cli as root_command


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def run_cli() -> Iterator[Callable[..., Ran]]:
    """``run_cli(db, *args)``: no config file (the built-in watchlist) unless ``--config`` is
    among ``args``; the logging set-up each command makes is undone afterwards."""
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    runner = CliRunner()

    def run(db: str, *args: str) -> Ran:
        result = runner.invoke(root_command, ["--db", db, *args])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)

    yield run
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
