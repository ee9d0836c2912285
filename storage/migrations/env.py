"""Alembic environment: the engine comes from :mod:`storage.engine` (no alembic.ini)."""

from __future__ import annotations

import logging

from alembic import context

from storage.models import Base

logger = logging.getLogger(__name__)
config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite's batch mode rebuilds a table (copy, drop, rename): with foreign keys
            # enforced, dropping a table other rows reference fails, so every store holding
            # checks could not be upgraded past 0001. Off for the migration (a pragma only
            # outside a transaction), checked and back on afterwards.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=target_metadata,
                              render_as_batch=sqlite)
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    logger.error("after migrating, %d rows reference rows that do not exist "
                                 "(first: %s)", len(broken), broken[0])
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")


run_migrations_online()
