"""Printing: JSON for scripts (nothing else on stdout), plain lines or rich tables for people."""

from __future__ import annotations

import json
import sys
from typing import Any

import click


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def notice(message: str) -> None:
    """One line for the user on stderr (never mixed into JSON on stdout)."""
    click.echo(f"profilewatch: {message}", err=True)


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()


def shorten(text: str | None, width: int) -> str:
    if not text:
        return ""
    return text if len(text) <= width else text[: width - 1] + "…"
