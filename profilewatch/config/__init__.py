"""Configuration: built-in defaults → TOML file → environment, validated into frozen dataclasses."""

from profilewatch.config.load import *  # noqa: F403 - the split follows in the next commit
