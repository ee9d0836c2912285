"""The tables of a page's main text, read from its HTML (after boilerplate pruning).

Stages, for one page:

1. (on the whole page, before boilerplate pruning, which drops menus and unwraps links) find every
   ``<table>`` in document order;
2. read each one's rows (``<thead>`` rows first, ``<tfoot>`` rows last) and expand ``colspan`` and
   ``rowspan`` into a grid;
3. tell layout tables from data tables (:func:`layout_reason`), the way a reader does;
4. (on the pruned main-content root) turn each data table still there into a
   :class:`~pipeline.tables.model.Table`, its cells' text read from the pruned tree: the last
   ``<thead>`` row (else the first row) labels the columns, the ``<th scope="row">`` column (else
   the first) labels the rows; its name is its ``<caption>``, else the ``<figcaption>`` of a figure
   holding only it, else the nearest heading before it, else ``table N`` (N counts the data tables
   from 1 in page order).

:func:`pipeline.layout.flatten_layout_tables` then turns the layout tables (as classified here)
into plain blocks, so that the main text reads their article as prose (not as rows of ``| … |``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from pipeline.tables.model import Table, collapse, table_from_grid, unique_names

logger = logging.getLogger(__name__)

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
CELL_TAGS = ("td", "th")
SECTION_TAGS = ("thead", "tbody", "tfoot")
# Elements whose start or end separates words in a cell (``a<br>b`` is "a b", not "ab").
BLOCK_TAGS = frozenset({"br", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3",
                        "h4", "h5", "h6", "blockquote", "pre", "section", "article", "hr", "tr",
                        "td", "th", "caption", "figure", "figcaption", "address"})
SKIPPED_TAGS = frozenset({"script", "style", "template", "noscript"})
FORM_TAGS = ("form", "input", "select", "textarea", "button")
BOLD_TAGS = ("b", "strong")

# --- the layout-versus-data rule (see docs/tables.md); how each value was chosen: ---
# A cell with more words than this holds a page region (an article, a column of news), not a
# value. Data cells of the watched profiles run 1-10 words; a "description" or "notes" column of
# a law or programme table runs 20-70 words; the article cell of a legacy layout page is hundreds.
REGION_WORDS = 100
# A cell of several paragraphs (``<p>`` or ``<br>``-separated lines) with more words than this is
# prose; a data cell may wrap two short lines ("Primary<br>(ISCED 1)"), never two paragraphs.
PROSE_BLOCKS = 2
PROSE_WORDS = 30
# A cell with this many links that are most of its words is a menu: real menus have 4-20 links
# with nothing else; a data cell links one source or one document.
NAV_LINKS = 3
NAV_LINK_SHARE = 0.7
# A table without header markup (no <thead>, no <th>, no bold first row) is data only if its
# cells are all short values: a reader takes a grid of short values as data whatever its markup,
# but sentences in unlabelled cells are a layout. 12 words holds a long label ("Schools connected
# to broadband internet, public and private") and no real sentence of prose plus its context.
UNMARKED_CELL_WORDS = 12
# ... and such a cell reads as a sentence when it ends like one (or holds a sentence break), or
# is longer than any label: indicator names run up to ~20 words ("Proportion of schools with
# access to the Internet for pedagogical purposes, lower secondary (%)") and end without a stop.
UNMARKED_PROSE_WORDS = 25
SENTENCE_RE = re.compile(r"[.!?…][\"”’)]?$|[.!?…] [A-Z]")
# A table with header markup (<thead>, <th>, a bold first row) is a layout when at least this share
# of its non-empty cells are page regions, prose, menus or forms; without header markup, one such
# cell suffices. A layout table has 2-6 cells, of which the menu and the article are a third to a
# half; a data table of 20-400 cells may hold one odd cell (a row of three download links, a long
# description of a law), never a quarter of them.
LAYOUT_CELL_SHARE = 0.25
# Hostile or absurd spans: the HTML standard's limits, and a bound on one table's expanded grid
# (a 500-row, 40-column statistical annex is 20,000 cells).
MAX_COLSPAN = 1000
MAX_ROWSPAN = 65534
MAX_CELLS = 20_000


@dataclass(slots=True)
class _Cell:
    element: HtmlElement
    text: str
    words: int
    header: bool                 # a <th>
    bold: bool                   # the whole text is bold
    scope: str


@dataclass(slots=True)
class FoundTable:
    """One ``<table>`` of the page: its grid and whether (and why) it is a layout table."""

    element: HtmlElement
    heading: str                          # the caption, figcaption or nearest heading before it
    grid: list[list[_Cell | None]] = field(default_factory=list)
    header_rows: int = 1
    header_column: int = 0
    layout: str | None = None             # the reason it is a layout table; None: data


def _text(element: HtmlElement) -> str:
    """Text of an element with blocks and ``<br>`` separating words, scripts left out."""
    parts: list[str] = []

    def walk(node: HtmlElement) -> None:
        parts.append(node.text or "")
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag and tag not in SKIPPED_TAGS:
                block = tag in BLOCK_TAGS
                if block:
                    parts.append(" ")
                walk(child)
                if block:
                    parts.append(" ")
            parts.append(child.tail or "")

    walk(element)
    return collapse("".join(parts))


def _blocks(element: HtmlElement) -> int:
    """Paragraph-like blocks with text in a cell: ``<p>``/``<div>``/``<li>`` or ``<br>``-lines."""
    count = sum(1 for e in element.iter("p", "div", "li") if collapse(e.text_content()))
    lines = 1 + sum(1 for _ in element.iter("br"))
    return max(count, lines if lines > 1 else 0)


def _bold(element: HtmlElement, text: str) -> bool:
    if not text:
        return False
    bold = " ".join(collapse(e.text_content()) for e in element.iter(*BOLD_TAGS)
                    if not any(a.tag in BOLD_TAGS for a in e.iterancestors(*BOLD_TAGS)))
    style = (element.get("style") or "").replace(" ", "").lower()
    return collapse(bold) == text or "font-weight:bold" in style or "font-weight:700" in style


def _direct_rows(table: HtmlElement) -> tuple[list[HtmlElement], list[HtmlElement]]:
    """(``<thead>`` rows, the other rows with ``<tfoot>`` last) of this table, not nested ones."""
    head: list[HtmlElement] = []
    body: list[HtmlElement] = []
    foot: list[HtmlElement] = []
    for child in table:
        if child.tag == "tr":
            body.append(child)
        elif child.tag in SECTION_TAGS:
            rows = [r for r in child if r.tag == "tr"]
            {"thead": head, "tbody": body, "tfoot": foot}[str(child.tag)].extend(rows)
    return head, body + foot


def _span(value: str | None, limit: int) -> int:
    try:
        number = int((value or "1").strip())
    except ValueError:
        return 1
    return max(0, min(number, limit))


def _expand(rows: list[HtmlElement]) -> list[list[_Cell | None]] | None:
    """The grid of ``rows`` with spans expanded (a spanned slot holds the same cell); None when
    the grid would exceed :data:`MAX_CELLS`."""
    grid: list[list[_Cell | None]] = [[] for _ in rows]
    cells = 0
    for r, row in enumerate(rows):
        c = 0
        for element in row:
            if element.tag not in CELL_TAGS:
                continue
            while c < len(grid[r]) and grid[r][c] is not None:
                c += 1
            text = _text(element)
            cell = _Cell(element, text, len(text.split()), element.tag == "th",
                         _bold(element, text), (element.get("scope") or "").lower())
            colspan = _span(element.get("colspan"), MAX_COLSPAN) or 1
            rowspan = _span(element.get("rowspan"), MAX_ROWSPAN) or len(rows) - r
            for dr in range(min(rowspan, len(rows) - r)):
                line = grid[r + dr]
                cells += colspan
                if cells > MAX_CELLS:
                    return None
                if len(line) < c + colspan:
                    line.extend([None] * (c + colspan - len(line)))
                for dc in range(colspan):
                    if line[c + dc] is None:
                        line[c + dc] = cell
            c += colspan
    return grid


def _is_navigation(cell: _Cell) -> bool:
    links = [collapse(a.text_content()) for a in cell.element.iter("a")]
    linked = sum(len(t.split()) for t in links)
    return len(links) >= NAV_LINKS and cell.words > 0 and linked / cell.words >= NAV_LINK_SHARE


def _cell_role(cell: _Cell) -> str | None:
    """What a cell holds when it is not a value: a page region, prose, a menu, a form."""
    if cell.words > REGION_WORDS or any(True for _ in cell.element.iter(*HEADING_TAGS)):
        return "page region in a cell"
    if cell.words > PROSE_WORDS and _blocks(cell.element) >= PROSE_BLOCKS:
        return "paragraphs in a cell"
    if _is_navigation(cell):
        return "navigation in a cell"
    if any(True for _ in cell.element.iter(*FORM_TAGS)):
        return "form in a cell"
    return None


def layout_reason(found: FoundTable) -> str | None:
    """Why this table lays a page out rather than holding data; None for a data table."""
    element = found.element
    if (element.get("role") or "").lower() in ("presentation", "none"):
        return "role=presentation"
    if next(element.iterdescendants("table"), None) is not None:
        return "nested table"
    grid = found.grid
    if len(grid) < 2 or len(grid) <= found.header_rows:
        return "one row"
    if max((len(r) for r in grid), default=0) < 2:
        return "one column"
    cells = [c for c in {id(c): c for row in grid for c in row if c is not None}.values() if c.text]
    roles = [role for role in map(_cell_role, cells) if role]
    marked = (any(child.tag == "thead" for child in element) or found.header_rows != 1
              or any(c.header for c in cells)
              or all(c.bold for c in grid[0] if c is not None and c.text))
    if roles and (not marked or len(roles) >= LAYOUT_CELL_SHARE * len(cells)):
        return roles[0]
    prose = sum(1 for c in cells if _is_prose(c))
    if not marked and prose and prose >= LAYOUT_CELL_SHARE * len(cells):
        return "no header, cells of prose"
    return None


def _is_prose(cell: _Cell) -> bool:
    """A sentence rather than a label: long, and ending (or broken) like a sentence."""
    if cell.words > UNMARKED_PROSE_WORDS:
        return True
    return cell.words > UNMARKED_CELL_WORDS and SENTENCE_RE.search(cell.text) is not None


def _header_rows(head: int, grid: list[list[_Cell | None]]) -> int:
    """How many rows label the columns: the ``<thead>`` rows; else the leading rows made only of
    ``<th>`` cells when there are several (a two-level header written without ``<thead>``: it
    reads as one), else the first row, except in a key-value table (every row opens with a
    ``<th>``, the first row's other cells are values). The last of them labels the columns."""
    if head or not grid:
        return head or 1
    leading = 0
    for row in grid[:-1]:                       # at least one data row stays
        if not row or any(c is None or not c.header for c in row):
            break
        leading += 1
    if leading >= 2:
        return leading
    first = [c for c in grid[0] if c is not None and c.text]
    if all(c.header or c.bold for c in first):
        return 1
    if len(grid) >= 2 and all(row and row[0] is not None and (row[0].header or row[0].bold)
                              for row in grid):
        return 0
    return 1


def _header_column(grid: list[list[_Cell | None]], header_rows: int) -> int:
    """The column of ``<th scope="row">`` cells, else the first."""
    for row in grid[header_rows:]:
        for index, cell in enumerate(row):
            if cell is not None and cell.header and cell.scope in ("row", "rowgroup"):
                return index
    return 0


def _names(root: HtmlElement) -> dict[HtmlElement, str]:
    """Each table's caption, lone figure's figcaption, or nearest heading before it."""
    names: dict[HtmlElement, str] = {}
    heading = ""
    for element in root.iter():
        tag = element.tag
        if tag in HEADING_TAGS:
            heading = _text(element) or heading
        elif tag == "table":
            caption = next((c for c in element if c.tag == "caption"), None)
            name = _text(caption) if caption is not None else ""
            figure = element.getparent()
            if not name and figure is not None and figure.tag == "figure" \
                    and len(list(figure.iter("table"))) == 1:
                name = next((_text(f) for f in figure.iter("figcaption")), "")
            names[element] = name or heading
    return names


def _classified(element: HtmlElement, name: str) -> FoundTable:
    head, rest = _direct_rows(element)
    grid = _expand(head + rest)
    if grid is None:
        return FoundTable(element, name, layout=f"over {MAX_CELLS:,} cells")
    table = FoundTable(element, name, grid, header_rows=_header_rows(len(head), grid))
    table.header_column = _header_column(grid, table.header_rows)
    table.layout = layout_reason(table)
    return table


def table_layout_reason(element: HtmlElement) -> str | None:
    """Why one ``<table>`` element is a layout table (None: data) — the one rule, also what
    :mod:`pipeline.layout` asks."""
    return _classified(element, "").layout


def find_tables(root: HtmlElement) -> list[FoundTable]:
    """Every table under ``root`` in document order, classified (stages 1-3)."""
    if next(root.iter("table"), None) is None:      # most pages: no walk of the whole tree
        return []
    return [_classified(element, name) for element, name in _names(root).items()]


def attached(element: HtmlElement, root: HtmlElement) -> bool:
    """Whether ``element`` is still in the tree under ``root`` (pruning drops or moves parts)."""
    return element is root or any(a is root for a in element.iterancestors())


def data_tables(found: Iterable[FoundTable], root: HtmlElement,
                clean: Callable[[str], str] = lambda text: text) -> list[Table]:
    """The data tables of ``found`` still under the pruned ``root``, as named :class:`Table`
    values (stage 4). The grid is the one found before pruning (so a cell pruning removed leaves
    an empty cell, not a shifted row); each cell's text is read from the pruned tree and edited by
    ``clean`` (the source's ``regex:`` ignores …)."""
    chosen = [f for f in found if f.layout is None and attached(f.element, root)]
    if not chosen:
        return []
    headings = _names(root)
    names = unique_names([headings.get(f.element, f.heading) for f in chosen])
    tables: list[Table] = []
    for name, f in zip(names, chosen, strict=True):
        table = table_from_grid(name, _read_grid(f, clean), header_rows=f.header_rows,
                                header_column=f.header_column)
        if table is not None:
            tables.append(table)
    return tables


def _read_grid(found: FoundTable, clean: Callable[[str], str]) -> list[list[str]]:
    """The texts of a table's grid as the pruned tree has them (a removed cell is empty)."""
    texts: dict[int, str] = {}
    grid: list[list[str]] = []
    for row in found.grid:
        line: list[str] = []
        for cell in row:
            if cell is None:
                line.append("")
                continue
            if id(cell) not in texts:
                kept = attached(cell.element, found.element)
                texts[id(cell)] = collapse(clean(_text(cell.element))) if kept else ""
            line.append(texts[id(cell)])
        grid.append(line)
    return grid
