"""Stable extraction: the main text depends on what a reader sees, not on which words are links.

trafilatura decides by link density: a list made only of links is dropped, the same list with one
item unlinked is kept; a paragraph that is mostly a link may go; a legacy page's menu cell beside
the article (a ``<table>`` layout) is read as text. Each such decision flips when a link is added
or removed without any visible text changing — a false ``content`` event.

:func:`settle_links` makes those decisions once, on the pruned tree with its layout tables
flattened, by blocks a reader sees:

1. a list (``ul``/``ol``/``dl``/``menu``) that sits in the article's running text (its parent
   holds LIST_CONTEXT_LETTERS letters of prose outside lists and links: "Documents of the
   training:" and the paragraphs around) is the article's, whatever its links; any other list
   whose items are mostly links (at least LINK_ITEMS_SHARE of them) is a list of links — a menu,
   a "related" or "latest news" list — and goes, whichever of its items are links;
2. a ``div`` that holds at least two links and whose letters are mostly (LINK_LETTERS_SHARE) link
   text is a menu block: it goes (a link bar, or a layout table's menu cell: layout tables are
   flattened to divs first);
3. every other link is unwrapped (its text stays, the ``<a>`` goes), so trafilatura sees the rest
   as plain text and keeps or drops it by what it says, never by its links.

Blocks are judged innermost first, so a nested layout table's menu cell goes and the cell that
holds the article stays. How the shares were chosen: a list or menu of N links stays one after
any single link is removed or added as long as N ≥ 2 (1/2 ≥ LINK_ITEMS_SHARE); the four samples'
article containers have under 10 % of their letters in links, their menus, "related" lists and
link bars over 85 %.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import HtmlElement

LISTS = ("ul", "ol", "dl", "menu")
# (only divs: a layout table's cells are divs by now, :mod:`pipeline.layout`; a table cell left is a
# data table's, whose links are part of its value)
BLOCKS = ("div",)
# An item is a link item when at least this share of its letters are link text.
LINK_ITEM_LETTERS = 0.5
# A list whose items are at least this share link items is a list of links.
LINK_ITEMS_SHARE = 0.5
# A cell or div whose letters are at least this share link text (with two links or more) is a
# menu block.
LINK_LETTERS_SHARE = 0.5
ITEM_TAGS = frozenset({"li", "dt", "dd"})
# Letters of prose (outside lists and links) around a list that make it part of the article's
# running text: a paragraph or two. The samples' menus and related lists sit beside a heading of
# under 40 letters; their article lists among paragraphs of 300+.
LIST_CONTEXT_LETTERS = 150


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalnum())


def _link_letters(element: HtmlElement) -> tuple[int, int]:
    """(letters in links, letters in all) of ``element``'s text."""
    linked = sum(_letters(a.text_content()) for a in element.iter("a")
                 if not any(True for _ in a.iterancestors("a")))
    return linked, _letters(element.text_content())


def _is_link_list(element: HtmlElement) -> bool:
    items = [child for child in element if isinstance(child.tag, str) and child.tag in ITEM_TAGS]
    if not items:
        return False
    link_items = 0
    for item in items:
        linked, letters = _link_letters(item)
        if letters and linked >= LINK_ITEM_LETTERS * letters:
            link_items += 1
    return link_items >= LINK_ITEMS_SHARE * len(items)


def _prose_around(element: HtmlElement) -> int:
    """Letters of the parent's text outside lists and links (``element`` is a list)."""
    parent = element.getparent()
    if parent is None:
        return 0

    def walk(node: HtmlElement) -> int:
        count = _letters(node.text or "")
        for child in node:
            if isinstance(child.tag, str) and child.tag not in SKIPPED:
                count += walk(child)
            count += _letters(child.tail or "")
        return count

    return walk(parent)


SKIPPED = frozenset({*LISTS, "a", "script", "style"})


def _is_menu_block(element: HtmlElement) -> bool:
    links = sum(1 for _ in element.iter("a"))
    if links < 2:
        return False
    linked, letters = _link_letters(element)
    return letters > 0 and linked >= LINK_LETTERS_SHARE * letters


def settle_links(root: HtmlElement) -> None:
    """Apply rules 1-3 of the module docstring to ``root`` (edited in place)."""
    candidates = [e for e in root.iter(*LISTS, *BLOCKS) if isinstance(e, HtmlElement)]
    for element in reversed(candidates):          # innermost first
        if element.getparent() is None or not any(True for _ in element.iter("a")):
            continue
        if element.tag in LISTS:
            drop = _prose_around(element) < LIST_CONTEXT_LETTERS and _is_link_list(element)
        else:
            drop = _is_menu_block(element)
        if drop:
            element.drop_tree()
    etree.strip_tags(root, "a")
