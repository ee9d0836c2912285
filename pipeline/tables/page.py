"""Entry points: the tables of a page being analysed, and of an archived capture read again.

:func:`prune_reading_tables` prunes a page for its main text and reads its tables around that (then
it has the layout tables read as prose); :func:`in_main_text` then keeps the tables
whose cells the main text holds: a table the main-text extractor left out as boilerplate (a
sidebar or footer not marked up as one) is not compared either, so it never makes a cell change.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from lxml.html import HtmlElement

from pipeline.decode import UndecodableBody, decode_body
from pipeline.documents.detect import MEDIA_TYPES, media_type
from pipeline.documents.sheets import sheet_tables_of_text
from pipeline.extract import ExtractionError, parse_html, prune_boilerplate, read_as_prose
from pipeline.ignore import IgnoreFilter, compile_ignores
from pipeline.normalize import strip_volatile
from pipeline.tables.html import attached, data_tables, find_tables
from pipeline.tables.model import Table, collapse

logger = logging.getLogger(__name__)

# Share of a table's rows that must appear in the main text for the table to count as part of it.
# Tables the extractor keeps appear whole (1.0 on every test page); a table it dropped as
# boilerplate shares at most a stray word or number with the text, never a whole row (0.0), or
# one row label with a main-text table (a two-row sidebar table then scores 0.5: under 0.6).
IN_TEXT_SHARE = 0.6
# Characters the extractor puts between a row's cells ("| "), and slack for a row split on lines.
ROW_SEPARATOR = 4
ROW_SLACK = 20
# Rows probed per table (evenly spaced): each probe scans the text, and a hostile page may hold a
# table of 10,000 rows; 50 rows decide as well as all of them.
MAX_PROBED_ROWS = 50


def prune_reading_tables(tree: HtmlElement, ignores: Sequence[IgnoreFilter] = ()
                         ) -> tuple[HtmlElement, list[Table]]:
    """:func:`~pipeline.extract.prune_boilerplate` with the tables read around it: the source's
    ``css:``/``xpath:`` ignores are applied, tables are found and classified on the whole page
    (before pruning drops menus, and before links are unwrapped: a layout's menu cell is told by
    them), boilerplate is pruned, the data tables left in the pruned root are read (links and
    all), and only then is the root made prose (:func:`~pipeline.extract.read_as_prose`: the
    layout tables found here flattened, link blocks settled). Returns the pruned root and its
    data tables.

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
    layout = [f.element for f in found if f.layout is not None and attached(f.element, root)]
    unwrapped = read_as_prose(root, layout)
    if unwrapped:
        logger.debug("%d layout table(s) read as prose", unwrapped)
    return root, tables


def in_main_text(tables: Sequence[Table], text: str) -> tuple[Table, ...]:
    """The tables the main text holds: at least :data:`IN_TEXT_SHARE` of their rows appear in it
    (:func:`_row_in_text`)."""
    if not tables:
        return ()
    flat = collapse(text)
    kept: list[Table] = []
    for table in tables:
        step = max(1, len(table.rows) // MAX_PROBED_ROWS)
        probed = table.rows[::step][:MAX_PROBED_ROWS]
        verdicts = [v for v in (_row_in_text(flat, row.header, row.cells) for row in probed)
                    if v is not None]
        if verdicts and sum(verdicts) >= IN_TEXT_SHARE * len(verdicts):
            kept.append(table)
    return _renumbered(kept, tables)


def _row_in_text(flat: str, header: str, cells: Sequence[str]) -> bool | None:
    """Whether the main text holds a row (None: an empty row, no evidence).

    The extractor writes a row as a line ``| header | a | b |`` (some cells may come out empty: it
    drops lists in cells), or, for a table inside a layout, its cells on consecutive lines. So a
    row is there when ``| header |`` is, or when at least two of its texts are found within a row's
    length of each other: a sidebar's "Azerbaijan | 1,204" does not match a profile that names
    Azerbaijan in one sentence and counts 1,204 schools in another."""
    if header and f"| {header} |" in flat:
        return True
    texts = [c for c in cells if c] + ([header] if header else [])
    if not texts:
        return None
    found = [t for t in texts if t in flat]
    if len(found) < min(2, len(texts)):
        return False
    anchor = max(found, key=len)
    window = sum(len(t) + ROW_SEPARATOR for t in found) + ROW_SLACK
    start = flat.find(anchor)
    while start != -1:
        segment = flat[max(0, start - window):start + len(anchor) + window]
        if all(t in segment for t in found):
            return True
        start = flat.find(anchor, start + 1)
    return False


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
    recorded before tables were stored); None when the capture is not a readable HTML page.
    A spreadsheet's tables are its sheets, read from the stored text (:mod:`pipeline.documents.sheets`)."""
    if media_type(content_type) == MEDIA_TYPES["xlsx"]:
        return sheet_tables_of_text(text)
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
