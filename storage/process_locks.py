"""Cross-process locks held for the length of a run: a file lock beside a SQLite database, a
session-level advisory lock on PostgreSQL. Both vanish with the process that held them, so a killed
run never leaves a stale lock behind."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Protocol

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from profilewatch.errors import StoreUnavailable
from storage.engine import sqlite_path


class HeldLock(Protocol):
    def release(self) -> None: ...


class _FileHeld:
    def __init__(self, lock: FileLock) -> None:
        self._lock = lock

    def release(self) -> None:
        self._lock.release()


class _AdvisoryHeld:
    def __init__(self, connection: Connection, key: int, shared: bool = False) -> None:
        self._connection = connection
        self._key = key
        self._unlock = "pg_advisory_unlock_shared" if shared else "pg_advisory_unlock"

    def release(self) -> None:
        try:
            self._connection.execute(text(f"SELECT {self._unlock}(:k)"), {"k": self._key})
            self._connection.commit()
        except SQLAlchemyError as exc:
            # a session-level lock dies with its connection: a lost connection released it
            message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            raise StoreUnavailable("the lock's connection was lost, and the lock with it ("
                                   f"{message[0] if message else type(exc).__name__})") from None
        finally:
            self._connection.close()


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for an advisory lock name."""
    digest = hashlib.sha256(f"profilewatch:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def scoped_key(connection: Connection, name: str) -> int:
    """The advisory lock key of ``name`` in this database and schema: two installations sharing a
    server (or one database in two schemas) must not block each other's same-named sources."""
    where = connection.execute(text("SELECT current_database() || '.' || current_schema()")).scalar()
    return lock_key(f"{where}:{name}")


def _lock_path(engine: Engine, name: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    path = sqlite_path(engine)
    if path is not None:
        return path.with_name(f"{path.name}.{safe}.lock")
    digest = hashlib.sha256(str(engine.url).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"profilewatch-{digest}.{safe}.lock"


def try_lock(engine: Engine, name: str, *, shared: bool = False) -> HeldLock | None:
    """Take the lock ``name`` without waiting; None when another process holds it.

    ``shared``: on PostgreSQL many processes may hold the lock shared at once, none while one
    holds it exclusively (a file lock beside SQLite is always exclusive).
    """
    if engine.dialect.name == "postgresql":
        connection = engine.connect()
        key = scoped_key(connection, name)
        take = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
        got = connection.execute(text(f"SELECT {take}(:k)"), {"k": key}).scalar()
        connection.commit()
        if got:
            return _AdvisoryHeld(connection, key, shared)
        connection.close()
        return None
    lock = FileLock(str(_lock_path(engine, name)), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return None
    return _FileHeld(lock)
