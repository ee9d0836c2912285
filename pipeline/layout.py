"""Layout tables are not tables: a legacy page laid out with ``<table>`` is read as its text.

Old NGO and government pages put the banner, the menu and the article in the cells of one or more
nested tables. Read as a data table, the article becomes one cell of a ``| … |`` row, and
adding a spacer cell or nesting the article one table deeper changes the extracted text without
any visible change. :func:`flatten_layout_tables` turns such tables into plain blocks (``div``),
innermost first, leaving data tables alone; the menu cells, now blocks of links, then go with
the other link blocks (:mod:`pipeline.linkblocks`).

Which tables lay a page out is decided by one rule, the tables' layout-versus-data rule
(:func:`pipeline.tables.html.layout_reason`, with its reasons and measured thresholds): the
pipeline classifies every table once, on the whole page, and passes the layout ones here.
"""

from __future__ import annotations

from collections.abc import Collection

from lxml import etree
from lxml.html import HtmlElement

from pipeline.tables.html import table_layout_reason

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
    """Whether one ``<table>`` lays the page out (the tables' rule, on this table alone)."""
    return table_layout_reason(table) is not None


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


def flatten_layout_tables(root: HtmlElement, layout_tables: Collection[HtmlElement]) -> int:
    """Turn the ``layout_tables`` still under ``root`` into plain blocks (innermost first); on a
    page with no ``<main>``/``<article>``, the former cell holding the most running text becomes
    the ``<article>`` (trafilatura reads lists and short lines only inside an article). Returns
    how many tables were flattened."""
    cells: list[HtmlElement] = []
    chosen = set(layout_tables)
    flattened = 0
    for table in reversed(list(root.iter("table"))):
        if table in chosen:
            cells.extend(_own_cells(table))
            _flatten(table)
            flattened += 1
    if not cells or root.xpath("//main|//article|//*[@role='main']"):
        return flattened
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
    return flattened


def _ancestors_below(element: HtmlElement, top: HtmlElement) -> list[HtmlElement]:
    out = []
    for ancestor in element.iterancestors():
        if ancestor is top:
            break
        out.append(ancestor)
    return out


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalnum())
