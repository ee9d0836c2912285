"""Tables as data: extraction from a page's HTML, cell-level changes, JSON and CSV shapes.

- :mod:`pipeline.tables.model` — :class:`Table` (also what a spreadsheet's sheet becomes, through
  :func:`table_from_grid`);
- :mod:`pipeline.tables.html` — the data tables of a pruned page, the layout-versus-data rule;
- :mod:`pipeline.tables.diff` — :func:`diff_tables`, cells paired by labels;
- :mod:`pipeline.tables.page` — the pipeline's entry points (a parsed page, an archived capture).
"""

from __future__ import annotations

from pipeline.tables.diff import CellChange, diff_tables
from pipeline.tables.model import Row, Table, table_from_grid

__all__ = ["CellChange", "Row", "Table", "diff_tables", "table_from_grid"]
