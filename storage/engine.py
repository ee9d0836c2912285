"""Engines, connection settings and automatic migrations."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from profilewatch.errors import StoreUnavailable

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any fixed 64-bit number: the PostgreSQL advisory lock key that serialises migrations.
MIGRATION_LOCK_KEY = 0x7072_6F66_696C_6501
# A SQLite writer waits this long for another writer before giving up (run, daemon, serve share
# the file; one page transaction takes milliseconds). ``?timeout=SECONDS`` in the URL changes it.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3, the driver profilewatch ships with."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def redact_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid URL>"


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL + synchronous=NORMAL: a committed page survives a killed process; commits do not
        # fsync (a power cut may lose the last few pages, never corrupt the file).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    return on_connect


def make_engine(url: str) -> Engine:
    """An engine for ``url``; raises :class:`StoreUnavailable` with one readable line."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(f"invalid database URL {url!r}") from None
    kwargs: dict[str, Any] = {}
    busy_timeout_ms = SQLITE_BUSY_TIMEOUT_MS
    if parsed.get_backend_name() == "sqlite":
        if "timeout" in parsed.query:
            try:
                busy_timeout_ms = int(float(str(parsed.query["timeout"])) * 1000)
            except ValueError:
                raise StoreUnavailable(f"invalid timeout in database URL {url!r}") from None
        database = parsed.database
        if database and database != ":memory:":
            parent = Path(database).expanduser().resolve().parent
            if not parent.is_dir():
                raise StoreUnavailable(f"cannot open SQLite database {database}: "
                                       f"directory {parent} does not exist")
        # the discovery writer thread and the event loop's thread (which records page results)
        # share the pool, never a connection at once
        kwargs["connect_args"] = {"timeout": busy_timeout_ms / 1000, "check_same_thread": False}
    elif parsed.get_backend_name() == "postgresql":
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise StoreUnavailable(f"cannot use database {redact_url(url)}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_ms))
    return engine


def sqlite_path(engine: Engine) -> Path | None:
    """The database file of a file-backed SQLite engine, else None."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return Path(database).expanduser().resolve()


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrations between processes starting at the same moment."""
    path = sqlite_path(engine)
    if path is not None:
        from filelock import FileLock

        with FileLock(str(path) + ".migrate.lock", timeout=120):
            yield
        return
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                connection.commit()
        return
    yield


REVISION_RE = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
DOWN_REVISION_RE = re.compile(r"^down_revision\s*=\s*(.+)$", re.M)


def script_revisions() -> dict[str, tuple[str, ...]]:
    """Every revision of the migration scripts with its parents (read from the files, without
    importing Alembic: every command opens the store, and Alembic costs 0.3 s to import)."""
    revisions: dict[str, tuple[str, ...]] = {}
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = REVISION_RE.search(source)
        if not found:
            continue
        down = DOWN_REVISION_RE.search(source)
        parents = re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)) if down else []
        revisions[found.group(1)] = tuple(parents)
    return revisions


def script_heads() -> set[str]:
    """The newest revisions of the migration scripts."""
    revisions = script_revisions()
    parents = {parent for ups in revisions.values() for parent in ups}
    return set(revisions) - parents


def _current_heads(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return set()
        return {row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))}


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (creating it on first use)."""
    wanted = script_heads()
    try:
        current = _current_heads(engine)
        if current == wanted:
            return
        _refuse_newer(engine, current)
        with _migration_lock(engine):
            current = _current_heads(engine)
            _refuse_newer(engine, current)
            if current != wanted:
                from alembic import command

                logger.info("migrating %s to %s", redact_url(str(engine.url)), ", ".join(wanted))
                command.upgrade(_alembic_config(engine), "heads")
    except OperationalError as exc:
        raise StoreUnavailable(f"cannot open database {redact_url(str(engine.url))}: "
                               f"{_first_line(exc)}") from None
    except SQLAlchemyError as exc:
        raise StoreUnavailable(f"cannot migrate database {redact_url(str(engine.url))}: "
                               f"{_first_line(exc)}") from None


def _refuse_newer(engine: Engine, current: set[str]) -> None:
    """A store whose schema revision this code does not know was written by a newer
    profilewatch: opening it would run old code on a schema it does not understand."""
    unknown = sorted(current - set(script_revisions()))
    if unknown:
        raise StoreUnavailable(
            f"store {redact_url(str(engine.url))} was written by a newer profilewatch (schema "
            f"revision {', '.join(unknown)}, unknown to this one): upgrade profilewatch to "
            "open it; the store was not changed")


def _first_line(exc: BaseException) -> str:
    message = str(getattr(exc, "orig", None) or exc)
    return message.strip().splitlines()[0] if message.strip() else type(exc).__name__


def environment_db_url() -> str | None:
    return os.environ.get("PROFILEWATCH_DB")
