"""Entry points: the tables of a page being analysed, and of an archived capture read again.

:func:`prune_reading_tables` prunes a page for its main text and reads its tables around that (it
also unwraps the layout tables, so the text reads them as prose); :func:`in_main_text` then keeps the tables
whose cells the main text holds: a table the main-text extractor left out as boilerplate (a
sidebar or footer not marked up as one) is not compared either, so it never makes a cell change.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from lxml.html import HtmlElement

from pipeline.decode import UndecodableBody, decode_body
from pipeline.extract import ExtractionError, parse_html, prune_boilerplate
from pipeline.ignore import IgnoreFilter, compile_ignores
from pipeline.normalize import strip_volatile
from pipeline.tables.html import data_tables, find_tables, unwrap_layout_tables
from pipeline.tables.model import Table, collapse

logger = logging.getLogger(__name__)

# Share of a table's labels and non-empty values that must appear in the main text for the table
# to count as part of it. Tables the extractor keeps appear whole (1.0, measured on the test
# pages); a dropped sidebar table shares only a stray number or word with the text (under 0.2).
IN_TEXT_SHARE = 0.5


def prune_reading_tables(tree: HtmlElement, ignores: Sequence[IgnoreFilter] = ()
                         ) -> tuple[HtmlElement, list[Table]]:
    """:func:`~pipeline.extract.prune_boilerplate` with the tables read around it: the source's
    ``css:``/``xpath:`` ignores are applied, tables are found and classified on the whole page
    (before pruning drops menus and unwraps links, which a layout's menu cell is told by), then
    the data tables left in the pruned root are read, and its layout tables unwrapped so the main
    text reads them as prose. Returns the pruned root and its data tables.

    Cells are cleaned as the main text is: the ``regex:`` ignores, then counters and relative times
    removed (a cell that differs only where the text is not compared never makes a cell change).
    """
    for ignore in ignores:
        ignore.apply_to_tree(tree)
    found = find_tables(tree)
    root = prune_boilerplate(tree, tuple(ignores))

    def clean(text: str) -> str:
        for ignore in ignores:
            text = ignore.apply_to_text(text)
        return strip_volatile(text)

    tables = data_tables(found, root, clean)
    unwrapped = unwrap_layout_tables(found, root)
    if unwrapped:
        logger.debug("%d layout table(s) read as prose", unwrapped)
    return root, tables


def in_main_text(tables: Sequence[Table], text: str) -> tuple[Table, ...]:
    """The tables whose labels and values the main text holds (see :data:`IN_TEXT_SHARE`)."""
    flat = collapse(text)
    kept: list[Table] = []
    for table in tables:
        probes = [*table.columns, *(r.header for r in table.rows),
                  *(v for r in table.rows for v in r.cells)]
        probes = [p for p in probes if p]
        if not probes:
            continue
        found = sum(1 for p in probes if p in flat)
        if found / len(probes) >= IN_TEXT_SHARE:
            kept.append(table)
    return _renumbered(kept, tables)


def _renumbered(kept: list[Table], tables: Sequence[Table]) -> tuple[Table, ...]:
    """``table N`` names count the kept tables only (N is the position in the main text)."""
    if len(kept) == len(tables):
        return tuple(kept)
    out: list[Table] = []
    for index, table in enumerate(kept, start=1):
        position = tables.index(table) + 1
        renamed = table.name == f"table {position}" and position != index
        out.append(Table(f"table {index}", table.columns, table.rows) if renamed else table)
    return tuple(out)


def tables_from_capture(body: bytes, content_type: str | None, text: str,
                        ignores: Sequence[str] = ()) -> tuple[Table, ...] | None:
    """The tables of an archived capture whose stored main text is ``text`` (for versions
    recorded before tables were stored); None when the capture is not a readable HTML page."""
    if content_type and "html" not in content_type.lower():
        return None
    try:
        decoded = decode_body(body, content_type)
        tree = parse_html(decoded.text)
    except (UndecodableBody, ExtractionError, ValueError) as exc:
        logger.info("capture not readable for tables: %s", exc)
        return None
    _, tables = prune_reading_tables(tree, compile_ignores(tuple(ignores)))
    return in_main_text(tables, text)
