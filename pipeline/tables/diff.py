"""Cell-level changes between two versions' tables, paired by labels, never by position.

Tables are paired by name, rows by header, columns by header: a row or a column that only moved
changes no cell. A row (or column, or table) on one side only gives one entry per data cell with
``None`` on the missing side. A table whose name changed is a new table: its old cells are
removed and its new cells added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.tables.model import Table


@dataclass(frozen=True, slots=True)
class CellChange:
    """One changed cell: ``before`` is None for an added cell, ``after`` None for a removed one."""

    table: str
    row: str
    column: str
    before: str | None
    after: str | None

    def as_json(self) -> dict[str, Any]:
        return {"table": self.table, "row": self.row, "column": self.column,
                "before": self.before, "after": self.after}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CellChange:
        def value(key: str) -> str | None:
            found = data.get(key)
            return None if found is None else str(found)
        return cls(str(data.get("table", "")), str(data.get("row", "")),
                   str(data.get("column", "")), value("before"), value("after"))


def _grid(table: Table) -> dict[str, dict[str, str]]:
    return {row.header: dict(zip(table.columns, row.cells, strict=True)) for row in table.rows}


def diff_table(before: Table | None, after: Table | None) -> list[CellChange]:
    """The changed cells of one table (either side may be absent), in the page order of ``after``
    (cells of removed rows and columns after those of ``after``'s rows)."""
    either = after if after is not None else before
    name = either.name if either is not None else ""
    old = _grid(before) if before is not None else {}
    new = _grid(after) if after is not None else {}
    old_columns = before.columns if before is not None else ()
    new_columns = after.columns if after is not None else ()
    gone_columns = [c for c in old_columns if c not in set(new_columns)]
    changes: list[CellChange] = []
    for header, cells in new.items():
        previous = old.get(header)
        for column in new_columns:
            was = previous.get(column) if previous is not None else None
            if was != cells[column]:
                changes.append(CellChange(name, header, column, was, cells[column]))
        if previous is not None:
            changes.extend(CellChange(name, header, column, previous[column], None)
                           for column in gone_columns)
    for header, cells in old.items():
        if header not in new:
            changes.extend(CellChange(name, header, column, value, None)
                           for column, value in cells.items())
    return changes


def diff_tables(before: Sequence[Table], after: Sequence[Table]) -> list[CellChange]:
    """Every changed cell between two versions' tables (see the module docstring)."""
    old = {t.name: t for t in before}
    new = {t.name: t for t in after}
    changes: list[CellChange] = []
    for name, table in new.items():
        changes.extend(diff_table(old.get(name), table))
    for name, table in old.items():
        if name not in new:
            changes.extend(diff_table(table, None))
    return changes
