"""Fixtures of the store tests: more PostgreSQL schemas, and the CLI run in this process."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner

from profilewatch.cli import cli as root_command
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def new_pg_url() -> Iterator[Callable[[], str]]:
    """Makes PostgreSQL URLs, each on a fresh schema (all dropped afterwards)."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL)
    schemas: list[str] = []

    def make() -> str:
        schema = "pw_" + uuid.uuid4().hex[:12]
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        schemas.append(schema)
        sep = "&" if "?" in PG_ADMIN_URL else "?"
        return f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"

    yield make
    with admin.begin() as connection:
        for schema in schemas:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def run_cli() -> Iterator[Callable[..., Ran]]:
    """``run_cli(db, *args)``: the CLI in this process (no config file needed: the built-in
    watchlist); the logging set-up each command makes is undone afterwards."""
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
