"""Printing: JSON for scripts (nothing else on stdout), plain lines or rich tables for people."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

# One array element per line: the C encoder (an indented dump is pure Python, ~10x slower:
# 4 s for 100,000 events); a line per record still suits grep, head and jq alike.
ELEMENT = json.JSONEncoder(ensure_ascii=False, default=str)
# Elements written to stdout at a time (bounded memory for a listing of any length).
ELEMENTS_PER_WRITE = 1000


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout: an array one element per line, anything else indented."""
    if not isinstance(data, list):
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    if not data:
        click.echo("[]")
        return
    for start in range(0, len(data), ELEMENTS_PER_WRITE):
        chunk = ",\n".join(ELEMENT.encode(item) for item in data[start:start + ELEMENTS_PER_WRITE])
        last = start + ELEMENTS_PER_WRITE >= len(data)
        click.echo(("[\n" if start == 0 else "") + chunk + ("\n]" if last else ","))


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
