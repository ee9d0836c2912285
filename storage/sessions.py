"""The store's sessions: one engine, read and write transactions whose database errors become
one-line store errors. :class:`storage.store.Store` builds on it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from profilewatch.errors import StoreError, StoreUnavailable
from storage.engine import redact_url


class ConcurrentWrite(StoreError):
    """A unique constraint refused a write: another process wrote the same rows first."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class StoreSessions:
    """An engine and its sessions (the base of :class:`storage.store.Store`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def url(self) -> str:
        return redact_url(str(self.engine.url))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """One write transaction; database errors become one-line store errors."""
        with self.session() as session:
            try:
                with session.begin():
                    yield session
            except OperationalError as error:
                raise StoreUnavailable(f"store {self.url}: {first_line(error)}") from None
            except IntegrityError as error:
                raise ConcurrentWrite(f"store {self.url}: {first_line(error)}") from None
            except SQLAlchemyError as error:
                raise StoreError(f"store {self.url}: {first_line(error)}") from None

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read-only session; database errors become one-line store errors."""
        with self.session() as session:
            try:
                yield session
            except OperationalError as error:
                raise StoreUnavailable(f"store {self.url}: {first_line(error)}") from None
            except SQLAlchemyError as error:
                raise StoreError(f"store {self.url}: {first_line(error)}") from None


def first_line(exc: BaseException) -> str:
    message = str(getattr(exc, "orig", None) or exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__
