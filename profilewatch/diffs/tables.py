"""Changed tables for the diff page: each table with a changed cell, drawn whole, its changed,
added and removed cells marked (pure: two versions' tables in, views out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.tables import Table, diff_tables


@dataclass(frozen=True, slots=True)
class CellView:
    before: str | None
    after: str | None
    state: str          # same | changed | added | removed | blank

    @property
    def value(self) -> str:
        return (self.after if self.after is not None else self.before) or ""


@dataclass(frozen=True, slots=True)
class RowView:
    header: str
    state: str          # same | added | removed
    cells: tuple[CellView, ...]


@dataclass(frozen=True, slots=True)
class TableView:
    name: str
    state: str          # changed | added | removed
    columns: tuple[tuple[str, str], ...]      # (label, same | added | removed)
    rows: tuple[RowView, ...]
    changed: int        # changed cells


def _state(before: str | None, after: str | None) -> str:
    if before is None and after is None:
        return "blank"           # an added row in a removed column, or the other way round
    if before is None:
        return "added"
    if after is None:
        return "removed"
    return "same" if before == after else "changed"


def _grid(table: Table | None) -> dict[str, dict[str, str]]:
    if table is None:
        return {}
    return {r.header: dict(zip(table.columns, r.cells, strict=True)) for r in table.rows}


def _view(before: Table | None, after: Table | None, changed: int) -> TableView:
    either = after if after is not None else before
    assert either is not None
    old = _grid(before)
    new = _grid(after)
    new_columns = list(after.columns if after else ())
    old_columns = list(before.columns if before else ())
    columns = [(c, "same" if c in old_columns else "added") for c in new_columns]
    columns += [(c, "removed") for c in old_columns if c not in new_columns]
    headers = list(new) + [h for h in old if h not in new]
    rows = []
    for header in headers:
        was, now = old.get(header), new.get(header)
        values = [(was.get(c) if was is not None else None, now.get(c) if now is not None else None)
                  for c, _ in columns]
        cells = tuple(CellView(b, a, _state(b, a)) for b, a in values)
        state = "added" if was is None else "removed" if now is None else "same"
        rows.append(RowView(header, state, cells))
    table_state = "added" if before is None else "removed" if after is None else "changed"
    if table_state != "changed":
        columns = [(c, table_state) for c, _ in columns]
    return TableView(either.name, table_state, tuple(columns), tuple(rows), changed)


def changed_tables(before: Sequence[Table], after: Sequence[Table]) -> list[TableView]:
    """The tables with at least one changed cell, in the new version's order (removed last)."""
    counts: dict[str, int] = {}
    for change in diff_tables(before, after):
        counts[change.table] = counts.get(change.table, 0) + 1
    old = {t.name: t for t in before}
    new = {t.name: t for t in after}
    names = [n for n in new if n in counts] + [n for n in old if n in counts and n not in new]
    return [_view(old.get(n), new.get(n), counts[n]) for n in names]
