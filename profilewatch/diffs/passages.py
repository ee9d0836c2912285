"""Changed passages of a content change, for people: located by section heading, counted in
sentences ("2.2. Technology infrastructure: 1 sentence changed"), and shown as a short word-level
diff with a little context on each side. Pure functions over two texts. Changed table cells read
as "row · column: before → after" under their table's name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.diff import TextDiff, diff_texts, word_diff
from pipeline.tables import CellChange

# Words of unchanged text kept on each side of a change: about one clause, enough to recognise
# where the change sits without quoting the paragraph (profile paragraphs run 100-300 words).
CONTEXT_WORDS = 12
# Words of one inserted or deleted run shown before the rest is elided: a long new paragraph is
# summarised, not pasted (the archived versions and `profilewatch diff` have all of it).
MAX_RUN_WORDS = 80
# Passages listed per change before "and N more sections": keeps a report of a rewritten page short.
MAX_PASSAGES = 8
ELLIPSIS = "…"
SENTENCE_END_RE = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"”’)\]]))\s+(?=[\"“‘(\[]*[A-Z0-9À-Ý])")
SECTION_NUMBER_RE = re.compile(r"^\d+(?:\.\d+)*\.?\s+")


@dataclass(frozen=True, slots=True)
class Passage:
    """The changes under one section heading of one page."""

    section: str | None
    added: int                    # sentences
    removed: int
    changed: int
    words: tuple[tuple[str, str], ...]   # ("=" | "-" | "+" | "…", text) word-diff excerpt

    @property
    def label(self) -> str:
        """``1 sentence changed``, ``2 sentences added, 1 removed``."""
        parts: list[str] = []
        for count, verb in ((self.changed, "changed"), (self.added, "added"),
                            (self.removed, "removed")):
            if count:
                noun = "" if parts else (" sentence" if count == 1 else " sentences")
                parts.append(f"{count}{noun} {verb}")
        return ", ".join(parts) or "whitespace changed"

    @property
    def heading(self) -> str:
        """``2.2. Technology infrastructure: 1 sentence changed``."""
        return f"{self.section or 'Untitled passage'}: {self.label}"


def split_sentences(text: str) -> list[str]:
    """Sentences of a normalised text (each line is a paragraph, heading or list item)."""
    sentences: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        number = SECTION_NUMBER_RE.match(line)
        prefix = number.group(0) if number else ""
        parts = [s for s in SENTENCE_END_RE.split(line[len(prefix):]) if s]
        if parts:
            parts[0] = prefix + parts[0]
        sentences.extend(parts)
    return sentences


def count_sentences(old: str, new: str) -> tuple[int, int, int]:
    """(added, removed, changed) sentences between two passages."""
    a, b = split_sentences(old), split_sentences(new)
    added = removed = changed = 0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace":
            pairs = min(i2 - i1, j2 - j1)
            changed += pairs
            removed += (i2 - i1) - pairs
            added += (j2 - j1) - pairs
        elif tag == "delete":
            removed += i2 - i1
        elif tag == "insert":
            added += j2 - j1
    return added, removed, changed


def _words(text: str) -> list[str]:
    return re.findall(r"\s+|\S+", text)


def _word_count(tokens: list[str]) -> int:
    return sum(1 for t in tokens if not t.isspace())


def _head(text: str, n: int) -> str:
    """The first ``n`` words of ``text`` (with the whitespace between them)."""
    tokens = _words(text)
    out, seen = [], 0
    for token in tokens:
        if not token.isspace():
            if seen == n:
                break
            seen += 1
        out.append(token)
    return "".join(out).rstrip()


def _tail(text: str, n: int) -> str:
    tokens = _words(text)
    out, seen = [], 0
    for token in reversed(tokens):
        if not token.isspace():
            if seen == n:
                break
            seen += 1
        out.append(token)
    return "".join(reversed(out)).lstrip()


def excerpt(old: str, new: str, context: int = CONTEXT_WORDS,
            max_run: int = MAX_RUN_WORDS) -> tuple[tuple[str, str], ...]:
    """Word-level diff of a passage, unchanged stretches cut to ``context`` words around changes
    and long insertions/deletions cut to ``max_run`` words (an ``…`` op marks each cut)."""
    ops = word_diff(old, new)
    out: list[tuple[str, str]] = []
    for index, (op, text) in enumerate(ops):
        if op == "=":
            first, last = index == 0, index == len(ops) - 1
            count = _word_count(_words(text))
            if first and count > context:
                out += [("…", ELLIPSIS), ("=", " " + _tail(text, context))]
            elif last and count > context:
                out += [("=", _head(text, context) + " "), ("…", ELLIPSIS)]
            elif not first and not last and count > 2 * context:
                out += [("=", _head(text, context) + " "), ("…", ELLIPSIS),
                        ("=", " " + _tail(text, context))]
            else:
                out.append((op, text))
        elif _word_count(_words(text)) > max_run:
            hidden = _word_count(_words(text)) - max_run
            out += [(op, _head(text, max_run)), ("…", f"{ELLIPSIS} ({hidden} more words)")]
        else:
            out.append((op, text))
    return tuple(out)


def passages(old: str, new: str, headings: tuple[str, ...] | frozenset[str] = (),
             diff: TextDiff | None = None) -> list[Passage]:
    """The changed passages of a page, one per section heading, in document order."""
    diff = diff or diff_texts(old, new, headings)
    grouped: dict[str | None, tuple[list[str], list[str]]] = {}
    for hunk in diff.hunks:
        olds, news = grouped.setdefault(hunk.section, ([], []))
        olds.extend(hunk.old)
        news.extend(hunk.new)
    out = []
    for section, (olds, news) in grouped.items():
        old_text, new_text = "\n".join(olds), "\n".join(news)
        added, removed, changed = count_sentences(old_text, new_text)
        out.append(Passage(section, added, removed, changed, excerpt(old_text, new_text)))
    return out


# --- changed table cells (issue 16) ----------------------------------------------------------------

# Changed cells listed per change before "and N more changed cells": a rewritten table is
# summarised (`changes --json` and `profilewatch tables` have every cell).
MAX_CELLS = 12


def _shown(value: str) -> str:
    return value if value else "(empty)"


def cell_line(cell: CellChange) -> str:
    """``Schools connected to broadband internet · 2022: 6,712 → 6,950`` (row · column)."""
    where = f"{cell.row} · {cell.column}" if cell.column else cell.row
    if cell.before is None:
        return f"{where}: {_shown(cell.after or '')} (added)"
    if cell.after is None:
        return f"{where}: {_shown(cell.before)} (removed)"
    return f"{where}: {_shown(cell.before)} → {_shown(cell.after)}"


def cells_by_table(cells: Sequence[CellChange]) -> list[tuple[str, list[CellChange]]]:
    """Changed cells grouped by table, tables in the order of their first changed cell."""
    grouped: dict[str, list[CellChange]] = {}
    for cell in cells:
        grouped.setdefault(cell.table, []).append(cell)
    return list(grouped.items())
