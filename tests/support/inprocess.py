"""``run_cli(db, *args)``: :func:`tests.support.cli.invoke` with the plain exit code, stdout and
stderr (and unexpected exceptions raised, not swallowed), for the store tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import Result
from tests.support.cli import invoke

# the exit code, stdout and stderr of a command (the same record as a subprocess's)
Ran = Result


@pytest.fixture
def run_cli(root_logging: None) -> Callable[..., Ran]:
    """No config file (the built-in watchlist); the root logger is put back afterwards."""

    def run(db: str, *args: str) -> Ran:
        result = invoke(db, None, *args)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran(result.exit_code, result.stdout, result.stderr)

    return run
