"""Shared fixtures: the mock server, stores on SQLite and PostgreSQL, and a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.mockserver import MockServer
from tests.support.processes import pw_command, pw_env

# fixtures shared across folders (unit tests and tests/e2e/): one definition each in tests/support/
pytest_plugins = [
    "tests.support.browser", "tests.support.cli", "tests.support.sinks", "tests.support.spiders",
    "tests.support.web"]

PG_ADMIN_URL = os.environ.get("PROFILEWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def mockserver_session() -> Iterator[MockServer]:
    server = MockServer().start()
    yield server
    server.stop()


@pytest.fixture
def server(mockserver_session: MockServer) -> Iterator[MockServer]:
    """The session's mock server, emptied for this test."""
    mockserver_session.reset()
    yield mockserver_session
    mockserver_session.reset()


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_ADMIN_URL else "?"
    return f"{PG_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    from sqlalchemy import create_engine, text

    schema = "pw_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    yield _pg_schema_url(schema)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Any]:
    from storage.store import Store

    opened = Store.open(db_url)
    yield opened
    opened.close()


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class Cli:
    """Runs ``profilewatch`` in a subprocess (each run needs a fresh Twisted reactor)."""

    def __init__(self, workdir: Path, db: str) -> None:
        self.workdir = workdir
        self.db = db
        self.config: Path | None = None

    def write_config(self, text: str) -> Path:
        self.config = self.workdir / "profilewatch.toml"
        self.config.write_text(text, encoding="utf-8")
        return self.config

    def __call__(self, *args: str, env: dict[str, str] | None = None, timeout: float = 120,
                 config: bool = True) -> Result:
        command = pw_command(self.db, self.config if config else None, *args)
        done = subprocess.run(command, cwd=self.workdir, capture_output=True, text=True,
                              timeout=timeout, env=pw_env(**(env or {})), check=False)
        return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")


def source_toml(name: str, urls: list[str], **extra: Any) -> str:
    lines = ["[[source]]", f'name = "{name}"', f"urls = {json.dumps(urls)}"]
    for key, value in extra.items():
        lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


FAST_SETTINGS = ("[settings]\ndelay = 0\nretries = 0\ntimeout = 5\nconcurrency = 16\n"
                 "per_domain_concurrency = 8\n")


def now() -> datetime:
    return datetime.now(UTC)
