"""A spreadsheet's sheets as tables (issue 16, point 5): each ``[sheet NAME]`` section of a
workbook's text becomes a :class:`~pipeline.tables.Table` named after the sheet, so a ``content``
event of a spreadsheet lists its changed cells exactly as an HTML page's does.

The grid is the sheet's rows as the version's text holds them (values as :mod:`.xlsx` renders
them, each cell normalised by :func:`~pipeline.documents.analyse.document_text`, empty rows and
trailing empty cells dropped): the first
non-empty row labels the columns, the first cell of each row labels the row. Columns that are empty
in every row before the first filled one (a sheet laid out from column B) are dropped, so the row
labels are the first *written* column. A sheet with no data row or fewer than two columns is no
table (a list, a title alone).

The tables are read from the version's text (:func:`sheet_tables_of_text`), both when a
spreadsheet is analysed and for a version recorded before sheets were kept as tables: one path,
so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pipeline.tables.model import Table, table_from_grid, unique_names

SHEET_PREFIX = "sheet "
# A workbook with more cells than this is versioned by its text only, without tables: its cells as
# JSON would cost ~25 bytes each per version (a 10 MB, 1.8-million-cell workbook gave a 50 MB tables
# column) and building and diffing them ~7 s on the recording process. 200,000 cells is ~5 MB of
# JSON and under a second; the statistics sheets of the watched sites have a few thousand.
MAX_SHEET_CELLS = 200_000


def sheet_table(name: str, lines: Sequence[str]) -> Table | None:
    """One sheet's table from its tab-separated rows (None: not a table, see the module)."""
    grid = [row for row in (line.split("\t") for line in lines) if any(c.strip() for c in row)]
    lead = min((next(i for i, cell in enumerate(row) if cell.strip()) for row in grid), default=0)
    return table_from_grid(name, [row[lead:] for row in grid])


def sheet_tables(sheets: Iterable[tuple[str, Sequence[str]]]) -> tuple[Table, ...]:
    """The tables of a workbook's sheets, ``(sheet name, rows)`` in workbook order; names are made
    unique (``Data``, ``Data (2)``) as a page's table names are."""
    found = [t for t in (sheet_table(name, lines) for name, lines in sheets) if t is not None]
    names = unique_names([t.name for t in found])
    return tuple(Table(n, t.columns, t.rows) for n, t in zip(names, found, strict=True))


def sheet_tables_of_text(text: str) -> tuple[Table, ...] | None:
    """The tables of a workbook version's stored text (``[sheet NAME]`` headings, rows below);
    None for a workbook past :data:`MAX_SHEET_CELLS` (its events then carry no ``tables``)."""
    if text.count("\t") + text.count("\n") > MAX_SHEET_CELLS:
        return None
    sheets: list[tuple[str, list[str]]] = []
    for line in text.split("\n"):
        if line.startswith(f"[{SHEET_PREFIX}") and line.endswith("]") and "\t" not in line:
            sheets.append((line[len(SHEET_PREFIX) + 1:-1], []))
        elif sheets:
            sheets[-1][1].append(line)
    return sheet_tables(sheets)
