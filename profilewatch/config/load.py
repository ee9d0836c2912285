"""Configuration: built-in defaults → TOML file → environment, validated into frozen dataclasses.

Nothing past this package sees a raw dict. An unknown section or key, a bad value or a duplicate
source name raises :class:`ConfigError` naming the file, the source and the key.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from profilewatch.config.convert import (
    CLUSTER_KEYS,
    PLAIN_KEY_RE,
    REPORT_KEYS,
    RETENTION_KEYS,
    SERVE_KEYS,
    SETTINGS_KEYS,
    SOURCE_KEYS,
    TOKEN_ENV,
    Converter,
    _env_token,
    _Where,
)
from profilewatch.config.types import (
    DEFAULT_CONFIG_NAME,
    DEFAULT_DB_URL,
    ClusterSettings,
    Config,
    ReportSettings,
    RetentionSettings,
    ServeSettings,
    Settings,
    SourceConfig,
)
from profilewatch.config.watchlist import BUILTIN_SOURCES
from profilewatch.errors import ConfigError


def _convert_table(table: Any, keys: Mapping[str, Converter], where: _Where,
                   section: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise where.error(section, "must be a table")
    out: dict[str, Any] = {}
    for key, value in table.items():
        converter = keys.get(key)
        shown = key if PLAIN_KEY_RE.match(key) else "(a key not shown)"
        label = f"{section}.{shown}" if section != "source" else shown
        if converter is None:
            raise where.error(label, f"unknown key (known: {', '.join(sorted(keys))})")
        out[key] = converter(value, label, where)
    return out


def _source_from_table(table: Any, index: int, path: str | None) -> SourceConfig:
    name = table.get("name") if isinstance(table, dict) else None
    where = _Where(path, name if isinstance(name, str) else f"#{index + 1}")
    values = _convert_table(table, SOURCE_KEYS, where, "source")
    if "name" not in values:
        raise where.error("name", "is required")
    where.source = values["name"]
    if not values.get("urls"):
        raise where.error("urls", "is required (at least one start URL)")
    return SourceConfig(**values)


def config_from_mapping(data: Mapping[str, Any], path: str | None) -> Config:
    """Validate a parsed TOML document."""
    where = _Where(path)
    known = {"settings", "source", "reports", "serve", "cluster", "retention"}
    for key in data:
        if key not in known:
            shown = key if PLAIN_KEY_RE.match(key) else "(a key not shown)"
            raise where.error(shown, f"unknown section (known: {', '.join(sorted(known))})")
    settings = Settings(**_convert_table(data.get("settings", {}), SETTINGS_KEYS, where, "settings"))
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list):
        raise where.error("source", "must be an array of tables: [[source]]")
    sources = tuple(_source_from_table(t, i, path) for i, t in enumerate(raw_sources))
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise ConfigError("duplicate source name", path=path, source=source.name, key="name")
        seen.add(source.name)
    if not sources:
        raise where.error("source", "no [[source]] defined")
    reports = ReportSettings(**_convert_table(data.get("reports", {}), REPORT_KEYS, where, "reports"))
    serve_values = _convert_table(data.get("serve", {}), SERVE_KEYS, where, "serve")
    if "token" not in serve_values and os.environ.get(TOKEN_ENV, "").strip():
        serve_values["token"] = _env_token()
    serve = ServeSettings(**serve_values)
    cluster = ClusterSettings(**_convert_table(data.get("cluster", {}), CLUSTER_KEYS, where, "cluster"))
    retention = RetentionSettings(**_convert_table(data.get("retention", {}), RETENTION_KEYS,
                                                   where, "retention"))
    return Config(path=path, settings=settings, sources=sources, reports=reports, serve=serve,
                  cluster=cluster, retention=retention)


def builtin_config() -> Config:
    """The watchlist the project was started for (no config file)."""
    return config_from_mapping({"source": [dict(s) for s in BUILTIN_SOURCES]}, None)


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Load ``path``; with ``None``, ``./profilewatch.toml`` if it exists, else the built-in list."""
    if path is None:
        env_path = os.environ.get("PROFILEWATCH_CONFIG")
        if env_path:
            path = env_path
        elif Path(DEFAULT_CONFIG_NAME).is_file():
            path = DEFAULT_CONFIG_NAME
        else:
            return builtin_config()
    path_text = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", path=path_text) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=path_text) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path=path_text) from None
    except tomllib.TOMLDecodeError as exc:
        # the decoder's message names line and column, never the value itself
        raise ConfigError(f"invalid TOML: {exc}", path=path_text) from None
    return config_from_mapping(data, path_text)


def resolve_db_url(option: str | None) -> str:
    """``--db`` beats ``PROFILEWATCH_DB`` beats the SQLite file in the working directory."""
    return option or os.environ.get("PROFILEWATCH_DB") or DEFAULT_DB_URL
