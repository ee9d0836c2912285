"""Diffs (``pipeline.diff``): by section, word by word, and applied back (a Hypothesis property)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.diff import apply_diff, diff_texts, summarize_diff, word_diff


def test_diff_locates_changes_by_section() -> None:
    old = "1. Terminology\nA sentence.\n2. Laws\n2.1. Framework\nOld rule text.\nMore."
    new = "1. Terminology\nA sentence.\n2. Laws\n2.1. Framework\nNew rule text.\nMore.\nAdded."
    diff = diff_texts(old, new, frozenset({"1. Terminology", "2. Laws", "2.1. Framework"}))
    assert (diff.lines_added, diff.lines_removed) == (2, 1)
    assert [s for s, _ in diff.sections()] == ["2.1. Framework"]
    assert summarize_diff(diff).startswith("+2 −1 lines; 2.1. Framework: ")


def test_word_diff_marks_only_changed_words() -> None:
    ops = word_diff("the state guarantees free education", "the state guarantees universal education")
    assert ("-", "free") in ops and ("+", "universal") in ops
    assert "".join(t for op, t in ops if op != "+") == "the state guarantees free education"


lines = st.lists(st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=30), max_size=25)


@given(lines, lines)
def test_diff_applied_to_the_old_text_gives_the_new_one(old: list[str], new: list[str]) -> None:
    old_text, new_text = "\n".join(old), "\n".join(new)
    diff = diff_texts(old_text, new_text)
    assert apply_diff(old_text, diff) == new_text
    assert diff.changed == (old_text.split("\n") != new_text.split("\n"))
