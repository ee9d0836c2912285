"""Configuration: built-in defaults → TOML file → environment, validated into frozen dataclasses.

The shared vocabulary of every layer (it imports nothing of the project but :mod:`pipeline` and
:mod:`profilewatch.errors`):

- :mod:`~profilewatch.config.types`: the frozen dataclasses and the kind lists (event and spider kinds);
- :mod:`~profilewatch.config.convert`: one converter per key, every spelling to one normalised form;
- :mod:`~profilewatch.config.load`: the TOML file, the environment, the built-in watchlist;
- :mod:`~profilewatch.config.watchlist`: the built-in watchlist (plain data, validated like a file).
"""

from __future__ import annotations

from pipeline.types import EVENT_KINDS, SPIDER_KINDS
from profilewatch.config.convert import expand_env, parse_schedule, shown_url
from profilewatch.config.load import builtin_config, config_from_mapping, load_config, resolve_db_url
from profilewatch.config.types import (
    DEFAULT_CONFIG_NAME,
    DEFAULT_DB_URL,
    DEFAULT_USER_AGENT,
    ClusterSettings,
    Config,
    ReportSettings,
    RetentionSettings,
    Schedule,
    ServeSettings,
    Settings,
    SourceConfig,
)

__all__ = [
    "DEFAULT_CONFIG_NAME", "DEFAULT_DB_URL", "DEFAULT_USER_AGENT", "EVENT_KINDS", "SPIDER_KINDS",
    "ClusterSettings", "Config", "ReportSettings", "RetentionSettings", "Schedule",
    "ServeSettings", "Settings", "SourceConfig", "builtin_config", "config_from_mapping",
    "expand_env", "load_config", "parse_schedule", "resolve_db_url", "shown_url",
]
