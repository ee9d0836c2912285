"""Fixtures of the end-to-end suites."""

from __future__ import annotations

from tests.support.inprocess import run_cli

__all__ = ["run_cli"]
