"""Printing: JSON for scripts (nothing else on stdout), plain lines or rich tables for people."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

# Array elements encoded and written at a time: a listing of any length is written in bounded
# memory (100,000 events are 43 MB of JSON; encoded whole they took 470 MB).
ELEMENTS_PER_WRITE = 1000
INDENTED = json.JSONEncoder(ensure_ascii=False, indent=2, default=str)


def print_json(data: Any) -> None:
    """``data`` as indented JSON on stdout; an array a thousand elements at a time, the same
    bytes as ``json.dumps(data, indent=2)``."""
    if not isinstance(data, list) or not data:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        return
    for start in range(0, len(data), ELEMENTS_PER_WRITE):
        chunk = ",\n".join(_element(item) for item in data[start:start + ELEMENTS_PER_WRITE])
        last = start + ELEMENTS_PER_WRITE >= len(data)
        click.echo(("[\n" if start == 0 else "") + chunk + ("\n]" if last else ","))


def _element(item: Any) -> str:
    """One array element as ``json.dumps`` indents it inside the array (one level deeper)."""
    return "  " + INDENTED.encode(item).replace("\n", "\n  ")


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
