"""Copying a whole store into an empty one: ``profilewatch copy --to URL``.

1. The target must hold no page (a store with the schema and nothing else counts as empty); it is
   checked *before* its schema is created or migrated, so a refused target is never written.
2. Both stores are brought to the newest schema by the project's Alembic migrations.
3. Every table of the schema is copied in foreign-key order — the tables of :mod:`storage.models`
   and any other table the migrations created (found by reflection), so a table added later is
   copied without new code. Rows keep their ids (event ids are part of the contract); blobs keep
   their codec and compressed bytes, so every digest, delta and hash chain is the same.
4. The source is read inside one read transaction: on SQLite a WAL snapshot (a run writing at the
   same time is not blocked and its later commits are not half-copied), on PostgreSQL a
   ``REPEATABLE READ`` read-only transaction. Rows are streamed (server-side cursors on
   PostgreSQL) and inserted in batches of at most :data:`BATCH_ROWS` rows or :data:`BATCH_BYTES`
   bytes, so a store larger than memory copies in bounded memory.
5. The target is written in one transaction: a failed copy leaves it as it was. On PostgreSQL every
   sequence is then set past the copied ids.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    Table,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from profilewatch.errors import StoreError, UsageError
from storage.engine import make_engine, migrate, redact_url, sqlite_path
from storage.models import Base, UtcDateTime
from storage.sessions import first_line

logger = logging.getLogger(__name__)

# Rows per INSERT batch: large enough that statement overhead vanishes (500 rows of checks insert
# in ~10 ms), small enough to hold in memory.
BATCH_ROWS = 500
# A batch is also cut when its binary columns reach this many bytes (blobs are up to a few MB).
BATCH_BYTES = 8 * 1024 * 1024
# Rows of a table with binary columns are fetched this many at a time (the read buffer).
BINARY_FETCH_ROWS = 16
# Tables that are not the archive: Alembic's bookkeeping and the cluster's job queue
# (procrastinate's tables, in the same PostgreSQL database when the cluster shares it).
SKIPPED_PREFIXES = ("alembic_version", "procrastinate_")


class TargetNotEmpty(UsageError):
    """The copy target already holds pages (exit 2; nothing is written)."""


class CopyProgress(Protocol):
    def table(self, name: str, rows: int) -> None: ...

    def advance(self, rows: int) -> None: ...


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    seconds: float = 0.0


def copy_store(source_url: str, target_url: str, *, progress: CopyProgress | None = None,
               batch_rows: int = BATCH_ROWS, batch_bytes: int = BATCH_BYTES) -> CopyReport:
    """Copy the store at ``source_url`` into the empty store at ``target_url`` (module docstring)."""
    _refuse_same(source_url, target_url)
    source = make_engine(source_url)
    target = make_engine(target_url)
    try:
        migrate(source)
        _refuse_non_empty(target)
        migrate(target)
        started = time.monotonic()
        try:
            report = _copy(source, target, progress, batch_rows, batch_bytes)
        except SQLAlchemyError as exc:
            raise StoreError(f"copy to {redact_url(str(target.url))} failed, nothing was "
                             f"written: {first_line(exc)}") from None
        report.seconds = time.monotonic() - started
        return report
    finally:
        source.dispose()
        target.dispose()


def _refuse_same(source_url: str, target_url: str) -> None:
    source, target = make_engine(source_url), make_engine(target_url)
    try:
        same_file = sqlite_path(source) is not None and sqlite_path(source) == sqlite_path(target)
        if same_file or (source.dialect.name != "sqlite" and str(source.url) == str(target.url)):
            raise UsageError("copy --to names the store --db names: give another store")
    finally:
        source.dispose()
        target.dispose()


def _refuse_non_empty(target: Engine) -> None:
    with target.connect() as connection:
        if not inspect(connection).has_table("pages"):
            return
        pages = connection.execute(text("SELECT count(*) FROM pages")).scalar_one()
    if pages:
        raise TargetNotEmpty(f"target store {redact_url(str(target.url))} is not empty ({pages} "
                             "pages): copy writes only into an empty store; nothing was written")


def copy_tables(target: Connection) -> list[Table]:
    """The tables to copy, parents before children: the models' tables (with their types) and any
    other table of the schema (reflected, its times read and written as UTC)."""
    reflected = MetaData()
    reflected.reflect(bind=target)
    ordered = [t for t in reflected.sorted_tables if not t.name.startswith(SKIPPED_PREFIXES)]
    modelled = Base.metadata.tables
    return [modelled[t.name] if t.name in modelled else utc_table(t) for t in ordered]


def utc_table(table: Table) -> Table:
    """``table`` with its datetime columns read and written as aware UTC (:class:`UtcDateTime`)."""
    columns = [Column(c.name, UtcDateTime() if isinstance(c.type, DateTime) else c.type,
                      primary_key=c.primary_key) for c in table.columns]
    return Table(table.name, MetaData(), *columns)


@contextmanager
def read_snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction over the whole source (module docstring, point 4)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            # pysqlite opens no transaction for SELECTs: begin one, and read once to pin the
            # WAL snapshot now rather than at the first table
            connection.exec_driver_sql("BEGIN")
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").all()
        elif engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        try:
            yield connection
        finally:
            connection.rollback()


def _copy(source: Engine, target: Engine, progress: CopyProgress | None, batch_rows: int,
          batch_bytes: int) -> CopyReport:
    report = CopyReport()
    with read_snapshot(source) as reader, target.begin() as writer:
        _refuse_non_empty_in(writer, target)
        source_tables = set(inspect(reader).get_table_names())
        tables = [t for t in copy_tables(writer) if t.name in source_tables]
        for table in reversed(tables):        # rows without pages (a source, a run): replaced
            writer.execute(table.delete())
        for table in tables:
            total = reader.execute(select(func.count()).select_from(table)).scalar_one()
            if progress is not None:
                progress.table(table.name, total)
            report.rows[table.name], copied_bytes = _copy_table(
                reader, writer, table, progress, batch_rows, batch_bytes)
            report.bytes += copied_bytes
        if target.dialect.name == "postgresql":
            reset_sequences(writer, tables)
    logger.info("copied %s rows (%s bytes of binary data)", sum(report.rows.values()), report.bytes)
    return report


def _refuse_non_empty_in(writer: Connection, target: Engine) -> None:
    """Point 1 again inside the writing transaction (a run may have started meanwhile)."""
    pages = writer.execute(text("SELECT count(*) FROM pages")).scalar_one()
    if pages:
        raise TargetNotEmpty(f"target store {redact_url(str(target.url))} is not empty ({pages} "
                             "pages): copy writes only into an empty store; nothing was written")


def _copy_table(reader: Connection, writer: Connection, table: Table,
                progress: CopyProgress | None, batch_rows: int,
                batch_bytes: int) -> tuple[int, int]:
    query = select(table).order_by(*table.primary_key.columns)
    binary = any(isinstance(c.type, LargeBinary) for c in table.columns)
    fetch = min(batch_rows, BINARY_FETCH_ROWS) if binary else batch_rows
    result = reader.execution_options(stream_results=True, yield_per=fetch).execute(query)
    batch: list[dict[str, Any]] = []
    size = rows = copied = 0
    for row in result:
        values = dict(row._mapping)
        batch.append(values)
        size += _binary_size(values.values())
        if len(batch) >= batch_rows or size >= batch_bytes:
            writer.execute(table.insert(), batch)
            rows, copied = rows + len(batch), copied + size
            if progress is not None:
                progress.advance(len(batch))
            batch, size = [], 0
    if batch:
        writer.execute(table.insert(), batch)
        rows, copied = rows + len(batch), copied + size
        if progress is not None:
            progress.advance(len(batch))
    return rows, copied


def _binary_size(values: Any) -> int:
    return sum(len(v) for v in values if isinstance(v, bytes | bytearray | memoryview))


def reset_sequences(connection: Connection, tables: Sequence[Table]) -> None:
    """Set each table's id sequence past its largest id (ids were inserted explicitly)."""
    for table in tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or keys[0].type.python_type is not int:
            continue
        name = keys[0].name
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                      {"t": table.name, "c": name}).scalar()
        if sequence is None:
            continue
        connection.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{name}") FROM '
                                f'"{table.name}"), 1), (SELECT MAX("{name}") FROM '
                                f'"{table.name}") IS NOT NULL)'), {"s": sequence})
