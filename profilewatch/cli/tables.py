"""``tables``: a version's tables, or every cell of every version (the history of a figure)."""

from __future__ import annotations

import csv
import io
from typing import Any

import click

from pipeline.tables import Table
from profilewatch.cli.app import App, pass_app
from profilewatch.cli.output import print_json
from profilewatch.cli.query import _history, _version
from profilewatch.errors import UsageError
from profilewatch.timeutil import format_time
from storage.results import VersionInfo, iso

CELL_FIELDS = ("table", "row", "column", "value")
HISTORY_FIELDS = ("version", "fetched_at", *CELL_FIELDS)
# Widest column of the human table before its text is cut (the JSON and CSV have it whole).
MAX_COLUMN_WIDTH = 40


def _ignores(app: App, version: VersionInfo) -> tuple[str, ...]:
    """The source's ignore filters (a version recorded before tables were kept is read again)."""
    try:
        return next((s.ignore for s in app.config.sources if s.name == version.source), ())
    except Exception:  # a broken config must not hide the archive
        return ()


def _csv(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _cells(table: Table) -> list[dict[str, Any]]:
    return [{"table": table.name, "row": r, "column": c, "value": v} for r, c, v in table.cells()]


def _cut(text: str) -> str:
    return text if len(text) <= MAX_COLUMN_WIDTH else text[: MAX_COLUMN_WIDTH - 1] + "…"


def render_table(table: Table) -> list[str]:
    """A table for people: its name, then aligned columns (the row-header column first)."""
    grid = [["", *table.columns], *([r.header, *r.cells] for r in table.rows)]
    grid = [[_cut(c) for c in row] for row in grid]
    widths = [max(len(row[i]) for row in grid) for i in range(len(grid[0]))]
    lines = [f"## {table.name}"]
    for index, row in enumerate(grid):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


@click.command()
@click.argument("url")
@click.option("--at", metavar="TIME", help="The version live at TIME (latest captured at or before).")
@click.option("--version", "number", type=int, metavar="N", help="Version N.")
@click.option("--history", "every", is_flag=True,
              help="Every cell of every version: version, fetched_at, table, row, column, value.")
@click.option("--json", "as_json", is_flag=True, help="JSON on stdout.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV on stdout (one line per cell).")
@pass_app
def tables(app: App, url: str, at: str | None, number: int | None, every: bool, as_json: bool,
           as_csv: bool) -> None:
    """The data tables of a page's main text (default: its latest version)."""
    if as_json and as_csv:
        raise UsageError("give --json or --csv, not both")
    if every:
        if at is not None or number is not None:
            raise UsageError("--history prints every version: give it without --at or --version")
        _print_history(app, url, as_json, as_csv)
        return
    version = _version(app, url, number, at)
    found = app.store().tables(version, _ignores(app, version))
    if as_json:
        print_json([t.as_json() for t in found])
    elif as_csv:
        click.echo(_csv([c for t in found for c in _cells(t)], CELL_FIELDS), nl=False)
    else:
        click.echo(f"{version.url}: v{version.version} ({format_time(version.fetched_at)}), "
                   f"{len(found)} table{'s' if len(found) != 1 else ''}")
        for table in found:
            click.echo("")
            click.echo("\n".join(render_table(table)))


def _print_history(app: App, url: str, as_json: bool, as_csv: bool) -> None:
    versions = _history(app, url)
    rows: list[dict[str, Any]] = []
    store = app.store() if versions else None
    for version in versions:
        assert store is not None
        for table in store.tables(version, _ignores(app, version)):
            rows.extend({"version": version.version, "fetched_at": iso(version.fetched_at), **cell}
                        for cell in _cells(table))
    if as_json:
        print_json(rows)
    elif as_csv:
        click.echo(_csv(rows, HISTORY_FIELDS), nl=False)
    elif not rows:
        click.echo(f"{url}: no table in any version")
    else:
        for row in rows:
            click.echo(f"v{row['version']}  {row['fetched_at']}  {row['table']} · {row['row']} · "
                       f"{row['column']}: {row['value']}")


COMMANDS = [tables]
