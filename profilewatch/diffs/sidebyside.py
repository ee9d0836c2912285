"""A side-by-side rendering of a text diff: rows of (old line, new line) with word-level marks.

Built from the hunks of :func:`pipeline.diff.diff_texts` (no second diff): unchanged stretches
between hunks become ``CONTEXT`` lines around each change and a ``gap`` row for the rest; a
replaced line is paired with its counterpart and both sides get ``<del>``/``<ins>`` on the words
that differ. Everything is escaped here; templates insert the HTML as is.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from pipeline.diff import TextDiff
from profilewatch.diffs.marks import line_html, words_html_sides

# Unchanged lines shown above and below each change (the rest collapse into a "gap" row).
CONTEXT = 2
# Fewer hidden lines than this are shown rather than collapsed (a gap row would save nothing).
MIN_GAP = 2


@dataclass(frozen=True, slots=True)
class Row:
    kind: str                 # same | change | removed | added | gap
    old_no: int | None
    old: Markup
    new_no: int | None
    new: Markup
    skipped: int = 0          # for gap rows: how many unchanged lines are hidden


def _marked(old: str, new: str) -> tuple[Markup, Markup]:
    left, right = words_html_sides(old, new)
    return Markup(left), Markup(right)


def _same_rows(old_lines: list[str], old_at: int, new_at: int, count: int, *, leading: bool,
               trailing: bool) -> list[Row]:
    """Unchanged lines: CONTEXT after the previous change and before the next, a gap between."""
    def row(i: int) -> Row:
        text = Markup(escape(old_lines[old_at + i]))
        return Row("same", old_at + i + 1, text, new_at + i + 1, text)

    head = 0 if leading else min(CONTEXT, count)
    tail = 0 if trailing else min(CONTEXT, count - head)
    if count - head - tail <= MIN_GAP:
        head, tail = count, 0
    rows = [row(i) for i in range(head)]
    if count - head - tail > 0:
        rows.append(Row("gap", None, Markup(""), None, Markup(""), skipped=count - head - tail))
    rows += [row(i) for i in range(count - tail, count)]
    return rows


def side_by_side(old_text: str, new_text: str, diff: TextDiff) -> list[Row]:
    old_lines = old_text.split("\n") if old_text else []
    rows: list[Row] = []
    old_at = new_at = 0
    for index, hunk in enumerate(diff.hunks):
        rows += _same_rows(old_lines, old_at, new_at, hunk.old_start - old_at,
                           leading=index == 0, trailing=False)
        paired = min(len(hunk.old), len(hunk.new))
        for i in range(paired):
            left, right = _marked(hunk.old[i], hunk.new[i])
            rows.append(Row("change", hunk.old_start + i + 1, left, hunk.new_start + i + 1, right))
        for i in range(paired, len(hunk.old)):
            rows.append(Row("removed", hunk.old_start + i + 1,
                            Markup(line_html("del", hunk.old[i])), None, Markup("")))
        for i in range(paired, len(hunk.new)):
            rows.append(Row("added", None, Markup(""), hunk.new_start + i + 1,
                            Markup(line_html("ins", hunk.new[i]))))
        old_at = hunk.old_start + len(hunk.old)
        new_at = hunk.new_start + len(hunk.new)
    if diff.hunks:
        rows += _same_rows(old_lines, old_at, new_at, len(old_lines) - old_at, leading=False,
                           trailing=True)
    return rows
