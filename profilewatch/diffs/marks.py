"""Word-level marks in HTML: ``<del>``/``<ins>`` around the words a change removed and added.

The one place diffs become marked-up words for the web UI and the ``diff --format html`` page
(report e-mails mark their shortened excerpts in :mod:`profilewatch.reports.render_html`).
Everything is escaped here; callers insert the result as is.
"""

from __future__ import annotations

from html import escape

from pipeline.diff import word_diff

# Inline styles for pages without a stylesheet (the standalone diff page, the words view).
DEL_STYLE = "background:#fdd;text-decoration:line-through"
INS_STYLE = "background:#dfd;text-decoration:none"


def _mark(tag: str, text: str, style: str | None) -> str:
    attribute = f' style="{style}"' if style else ""
    return f"<{tag}{attribute}>{escape(text)}</{tag}>"


def words_html(old: str, new: str) -> str:
    """Word-level diff as one HTML run with inline-styled ``<del>``/``<ins>``."""
    parts = []
    for op, text in word_diff(old, new):
        if op == "=":
            parts.append(escape(text))
        elif op == "-":
            parts.append(_mark("del", text, DEL_STYLE))
        else:
            parts.append(_mark("ins", text, INS_STYLE))
    return "".join(parts)


def words_html_sides(old: str, new: str) -> tuple[str, str]:
    """The old side with its removed words in ``<del>``, the new side with its added words in
    ``<ins>`` (no inline style: the page's stylesheet styles them)."""
    left: list[str] = []
    right: list[str] = []
    for op, text in word_diff(old, new):
        if op == "=":
            left.append(escape(text))
            right.append(escape(text))
        elif op == "-":
            left.append(_mark("del", text, None))
        else:
            right.append(_mark("ins", text, None))
    return "".join(left), "".join(right)


def line_html(tag: str, text: str) -> str:
    """A whole removed (``del``) or added (``ins``) line."""
    return _mark(tag, text, None)
