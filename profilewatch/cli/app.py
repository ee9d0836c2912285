"""Shared state of one CLI invocation: global options, lazily loaded config and store."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from profilewatch.config import Config, load_config, resolve_db_url

if TYPE_CHECKING:
    from storage.store import Store


@dataclass
class App:
    config_path: str | None
    db_option: str | None
    log_format: str = "text"
    verbosity: int = 0
    _config: Config | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def db_url(self) -> str:
        from storage.engine import normalise_url  # local: SQLAlchemy loads for store commands

        return normalise_url(resolve_db_url(self.db_option))

    def store_exists(self) -> bool:
        """False for a SQLite file not created yet (read-only commands then create nothing)."""
        url = self.db_url
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            # the path ends before any ``?timeout=`` option
            return Path(url[len("sqlite:///"):].split("?", 1)[0]).expanduser().exists()
        return True

    def note_missing_store(self) -> None:
        """One line on stderr for a read command that finds no store (a mistyped ``--db`` or
        another working directory would otherwise look like "nothing changed")."""
        from storage.engine import redact_url

        click.echo(f"profilewatch: no store at {redact_url(self.db_url)} yet: nothing has been "
                   "checked there (`profilewatch run` creates it)", err=True)

    def store(self) -> Store:
        if self._store is None:
            from storage.store import Store

            self._store = Store.open(self.db_url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def is_configured_url(self, url: str) -> bool:
        return any(url in s.urls for s in self.config.sources)


pass_app = click.make_pass_decorator(App)
