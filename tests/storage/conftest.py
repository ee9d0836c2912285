"""Fixtures of the store tests: more PostgreSQL schemas; the CLI run in this process."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import PG_ADMIN_URL
from tests.support.inprocess import Ran, run_cli
from tests.support.realistic_store import archive_from_template, template_archive

__all__ = ["Ran", "archived", "new_pg_url", "run_cli", "template"]


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


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, object]]:
    """The realistic archive, recorded once per session (SQLite): its URL and state."""
    return template_archive(tmp_path_factory.mktemp("template"))


@pytest.fixture
def archived(template: tuple[str, dict[str, object]],
             db_url: str) -> tuple[str, dict[str, object]]:
    """A copy of the template archive at ``db_url`` and the template's state."""
    archive_from_template(template[0], db_url)
    return db_url, template[1]
