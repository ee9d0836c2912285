"""Tables as data: a named grid of labelled cells, built from any 2-D grid of strings.

A :class:`Table` is what both an HTML ``<table>`` (:mod:`pipeline.tables.html`) and, later, a
spreadsheet's sheet become: a name, the data columns' labels, and rows each with a header (its
label) and one value per data column. :func:`table_from_grid` is the one constructor from a grid:
the header row gives the column labels, the header column the row labels, and labels are made
unique (``Total``, ``Total (2)``) so that two versions' cells can be paired by label.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# Unicode whitespace (no-break and thin spaces included) and zero-width characters: cells are
# compared with whitespace collapsed, as the main text is.
WHITESPACE_RE = re.compile(r"\s+")
ZERO_WIDTH_RE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")


def collapse(text: str | None) -> str:
    """A cell's text in NFC with whitespace collapsed to single spaces and trimmed."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return WHITESPACE_RE.sub(" ", ZERO_WIDTH_RE.sub("", text)).strip()


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its label and its values, aligned with the table's ``columns``."""

    header: str
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A data table of a page (or, later, a sheet of a spreadsheet)."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    def as_json(self) -> dict[str, Any]:
        """The contract's shape: ``{table, columns, rows: [{header, cells: {column: value}}]}``."""
        return {"table": self.name, "columns": list(self.columns),
                "rows": [{"header": r.header, "cells": dict(zip(self.columns, r.cells, strict=True))}
                         for r in self.rows]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        columns = tuple(str(c) for c in data.get("columns", []))
        rows = tuple(Row(str(r.get("header", "")),
                         tuple(str((r.get("cells") or {}).get(c, "")) for c in columns))
                     for r in data.get("rows", []))
        return cls(str(data.get("table", "")), columns, rows)

    def cells(self) -> Iterable[tuple[str, str, str]]:
        """Every data cell as ``(row, column, value)``, in page order."""
        for row in self.rows:
            for column, value in zip(self.columns, row.cells, strict=True):
                yield row.header, column, value


def unique_labels(labels: Sequence[str], blank: str, *, one_blank_stays: bool = True) -> list[str]:
    """Labels made unique in order: a repeated ``Total`` becomes ``Total (2)``. An empty label
    stays ``""`` when it is the only one (a key-value table's value column has no header), else
    (or without ``one_blank_stays``) becomes ``blank`` with its 1-based position (``column 3``)."""
    blanks = sum(1 for label in labels if not label)
    used: set[str] = set()
    out: list[str] = []
    for index, written in enumerate(labels, start=1):
        label = written or ("" if one_blank_stays and blanks == 1 else f"{blank} {index}")
        candidate, count = label, 1
        while candidate in used:
            count += 1
            candidate = f"{label} ({count})"
        used.add(candidate)
        out.append(candidate)
    return out


def table_from_grid(name: str, grid: Sequence[Sequence[str]], *, header_rows: int = 1,
                    header_column: int = 0) -> Table | None:
    """A table from a rectangular-or-ragged grid of cell texts (already span-expanded).

    The last of the first ``header_rows`` rows labels the columns (the rows above it are dropped:
    they group columns, as a ``<thead>``'s upper rows do; with 0, no row does and the columns
    have empty labels); column ``header_column`` labels the rows and is not a data column. Short
    rows are padded with empty cells. None when the grid has no data row or no data column.
    """
    width = max((len(r) for r in grid), default=0)
    if not 0 <= header_rows < len(grid) or width < 2 or not 0 <= header_column < width:
        return None
    padded = [[collapse(c) for c in r] + [""] * (width - len(r)) for r in grid]
    head = padded[header_rows - 1] if header_rows else [""] * width
    body = padded[header_rows:]
    if not body:
        return None
    data_columns = [i for i in range(width) if i != header_column]
    labels = unique_labels([head[i] if i != header_column else "-" for i in range(width)],
                           "column")
    columns = tuple(labels[i] for i in data_columns)
    row_labels = unique_labels([r[header_column] for r in body], "row")
    rows = tuple(Row(row_labels[n], tuple(r[i] for i in data_columns)) for n, r in enumerate(body))
    return Table(name, columns, rows)


def unique_names(names: Sequence[str]) -> list[str]:
    """Table names made unique in page order (``Enrolment``, ``Enrolment (2)``)."""
    return unique_labels(names, "table", one_blank_stays=False)
