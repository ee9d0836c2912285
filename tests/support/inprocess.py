"""``run_cli(db, *args)``: :func:`tests.support.cli.invoke` with the plain exit code, stdout and
stderr (and unexpected exceptions raised, not swallowed), for the store tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.cli import invoke


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def run_cli(root_logging: None) -> Callable[..., Ran]:
    """No config file (the built-in watchlist); the root logger is put back afterwards."""

    def run(db: str, *args: str) -> Ran:
        result = invoke(db, None, *args)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)

    return run
