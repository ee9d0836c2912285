"""Layout tables are not tables: a legacy page laid out with ``<table>`` is read as its text.

Old NGO and government pages put the banner, the menu and the article in the cells of one or more
nested tables. Read as a data table, the article becomes one cell of a ``| … | … |`` row, and
adding a spacer cell or nesting the article one table deeper changes the extracted text without
any visible change. :func:`flatten_layout_tables` turns such tables into plain blocks (``div``),
innermost first, leaving data tables (short cells: figures, names, dates) alone.

A table is a layout table when one of its own cells (not a nested table's) holds a nested table,
a block of running text (``p``, a heading, a list, a ``div``), or LAYOUT_CELL_LETTERS letters or
more. The watched sites' data tables (PEER's indicator tables, UNICEF's figures) have cells of
under 120 letters; an article cell has thousands.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

LAYOUT_CELL_LETTERS = 300
# The least running text (letters, in the cell's own blocks) that makes a layout cell the article.
ARTICLE_MIN_LETTERS = 200
BLOCK_TAGS = frozenset({"table", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "div",
                        "blockquote", "form"})
TABLE_PARTS = frozenset({"table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption"})


def _own_cells(table: HtmlElement) -> list[HtmlElement]:
    cells: list[HtmlElement] = []
    for row in table.iter("tr"):
        if next(row.iterancestors("table")) is not table:
            continue
        cells.extend(c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th"))
    return cells


def is_layout_table(table: HtmlElement) -> bool:
    for cell in _own_cells(table):
        if any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in cell.iterdescendants()):
            return True
        if sum(1 for c in cell.text_content() if c.isalnum()) >= LAYOUT_CELL_LETTERS:
            return True
    return False


def _flatten(table: HtmlElement) -> None:
    for element in [table, *table.iterdescendants()]:
        if not isinstance(element.tag, str) or element.tag not in TABLE_PARTS:
            continue
        if element is not table and (element.tag == "table" or _tables_between(element, table)):
            continue        # a nested table and its parts: judged on its own
        if element.tag in ("td", "th"):
            etree.strip_tags(element, "font")
            for block in reversed([element, *element.iter("div", "center", "blockquote")]):
                if block is element or not _tables_between(block, table):
                    _paragraphs(block)
        element.tag = "div"
        for attribute in ("width", "height", "valign", "align", "colspan", "rowspan", "bgcolor"):
            element.attrib.pop(attribute, None)


def _paragraphs(cell: HtmlElement) -> None:
    """A layout cell's running text, split at its ``<br>``s into paragraphs (what a reader sees
    as lines and paragraphs; trafilatura reads ``<p>``, not text between ``<br>``s in a block).
    (``<font>`` wrappers are gone first: they are presentation, and they wrap block content.)"""
    if not any(isinstance(c.tag, str) and c.tag == "br" for c in cell) and not (
            (cell.text or "").strip() or any((c.tail or "").strip() for c in cell)):
        return
    nodes: list[str | HtmlElement] = [cell.text] if cell.text else []
    for child in list(cell):
        nodes.append(child)
        if child.tail:
            nodes.append(child.tail)
            child.tail = None
        cell.remove(child)
    cell.text = None
    current: HtmlElement | None = None
    for node in nodes:
        if isinstance(node, str):
            if current is None:
                if not node.strip():
                    continue
                current = etree.SubElement(cell, "p")
            last = current[-1] if len(current) else None
            if last is None:
                current.text = (current.text or "") + node
            else:
                last.tail = (last.tail or "") + node
        elif not isinstance(node.tag, str):
            continue                       # comments, processing instructions
        elif node.tag == "br":
            current = None
        elif node.tag in BLOCK_TAGS or node.tag in ("dl", "hr", "img", "center", "address"):
            cell.append(node)
            current = None
        else:
            if current is None:
                current = etree.SubElement(cell, "p")
            current.append(node)


def _tables_between(element: HtmlElement, table: HtmlElement) -> list[HtmlElement]:
    found = []
    for ancestor in element.iterancestors():
        if ancestor is table:
            break
        if ancestor.tag == "table":
            found.append(ancestor)
    return found


def flatten_layout_tables(root: HtmlElement) -> None:
    """Turn every layout table under ``root`` into plain blocks (innermost first); on a page
    with no ``<main>``/``<article>``, the former cell holding the most running text becomes the
    ``<article>`` (trafilatura reads lists and short lines only inside an article)."""
    cells: list[HtmlElement] = []
    for table in reversed(list(root.iter("table"))):
        if is_layout_table(table):
            cells.extend(_own_cells(table))
            _flatten(table)
    if not cells or root.xpath("//main|//article|//*[@role='main']"):
        return
    best, best_letters = None, ARTICLE_MIN_LETTERS - 1
    members = set(cells)
    for cell in cells:
        inner = [d for d in cell.iterdescendants() if d in members
                 and not any(a in members for a in _ancestors_below(d, cell))]
        letters = _letters(cell.text_content()) - sum(_letters(d.text_content()) for d in inner)
        if letters > best_letters:
            best, best_letters = cell, letters
    if best is not None:
        best.tag = "article"


def _ancestors_below(element: HtmlElement, top: HtmlElement) -> list[HtmlElement]:
    out = []
    for ancestor in element.iterancestors():
        if ancestor is top:
            break
        out.append(ancestor)
    return out


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalnum())
