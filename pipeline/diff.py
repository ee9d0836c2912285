"""Line- and word-level diffs of normalised main texts, located by section heading."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

WORD_RE = re.compile(r"\s+|[^\s]+")
# How many changed sections a one-line summary names before saying "and N more".
SUMMARY_SECTIONS = 3
# How many characters of a changed line a summary quotes when no heading locates it.
SUMMARY_QUOTE_CHARS = 80


@dataclass(frozen=True, slots=True)
class Hunk:
    """One changed run of lines: ``old`` lines replaced by ``new`` lines."""

    old_start: int          # 0-based line index in the old text
    old: tuple[str, ...]
    new_start: int
    new: tuple[str, ...]
    section: str | None     # the heading the change sits under

    @property
    def op(self) -> str:
        if not self.old:
            return "add"
        if not self.new:
            return "remove"
        return "replace"


@dataclass(frozen=True, slots=True)
class TextDiff:
    hunks: tuple[Hunk, ...]
    lines_added: int
    lines_removed: int

    @property
    def changed(self) -> bool:
        return bool(self.hunks)

    def sections(self) -> list[tuple[str | None, int]]:
        """Changed sections in document order with the number of lines changed in each."""
        counts: dict[str | None, int] = {}
        for hunk in self.hunks:
            counts[hunk.section] = counts.get(hunk.section, 0) + max(len(hunk.old), len(hunk.new))
        return list(counts.items())


def _section_of(lines: list[str], index: int, headings: frozenset[str]) -> str | None:
    for i in range(min(index, len(lines) - 1), -1, -1):
        if lines[i] in headings:
            return lines[i]
    return None


def diff_texts(old: str, new: str, headings: tuple[str, ...] | frozenset[str] = ()) -> TextDiff:
    """Line diff of two normalised texts; each hunk names the heading it falls under."""
    old_lines = old.split("\n") if old else []
    new_lines = new.split("\n") if new else []
    heading_set = frozenset(headings)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    hunks: list[Hunk] = []
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        section = (_section_of(new_lines, j1 if j2 > j1 else j1 - 1, heading_set)
                   if new_lines else None) or _section_of(old_lines, i1, heading_set)
        hunks.append(Hunk(i1, tuple(old_lines[i1:i2]), j1, tuple(new_lines[j1:j2]), section))
        removed += i2 - i1
        added += j2 - j1
    return TextDiff(tuple(hunks), added, removed)


def apply_diff(old: str, diff: TextDiff) -> str:
    """Rebuild the new text from the old one and a diff (used to check diffs are complete)."""
    old_lines = old.split("\n") if old else []
    out: list[str] = []
    cursor = 0
    for hunk in diff.hunks:
        out.extend(old_lines[cursor:hunk.old_start])
        out.extend(hunk.new)
        cursor = hunk.old_start + len(hunk.old)
    out.extend(old_lines[cursor:])
    return "\n".join(out)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level diff: ``(op, text)`` pairs with op in ``=``, ``-``, ``+``."""
    old_words = WORD_RE.findall(old)
    new_words = WORD_RE.findall(new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    out: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(("=", "".join(old_words[i1:i2])))
            continue
        if i2 > i1:
            out.append(("-", "".join(old_words[i1:i2])))
        if j2 > j1:
            out.append(("+", "".join(new_words[j1:j2])))
    return out


def unified_diff(old: str, new: str, from_label: str, to_label: str, context: int = 2) -> str:
    lines = difflib.unified_diff(old.split("\n") if old else [], new.split("\n") if new else [],
                                 fromfile=from_label, tofile=to_label, n=context, lineterm="")
    return "\n".join(lines)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summarize_diff(diff: TextDiff) -> str:
    """One line: which sections changed and how much ("2.2 Technology …: 1 line changed")."""
    if not diff.changed:
        return "no text change"
    parts: list[str] = []
    sections = diff.sections()
    for section, count in sections[:SUMMARY_SECTIONS]:
        if section is None:
            hunk = next(h for h in diff.hunks if h.section is None)
            quote = (hunk.new or hunk.old)[0]
            if len(quote) > SUMMARY_QUOTE_CHARS:
                quote = quote[:SUMMARY_QUOTE_CHARS - 1] + "…"
            parts.append(f"{_plural(count, 'line')} changed near “{quote}”")
        else:
            parts.append(f"{section}: {_plural(count, 'line')} changed")
    more = len(sections) - SUMMARY_SECTIONS
    if more > 0:
        parts.append(f"and {_plural(more, 'more section')}")
    return f"+{diff.lines_added} −{diff.lines_removed} lines; " + "; ".join(parts)
