"""The plain-text report: for terminals, text e-mail and chat services without markup."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from profilewatch.diffs.passages import cell_line, cells_by_table
from profilewatch.reports.formats import (
    KIND_LABELS,
    ReportFormat,
    changed_counts,
    clean,
    excerpt_lines,
    more_cells,
    more_sections,
    problem_line,
    problem_when,
)
from profilewatch.reports.model import Change, Problem, Report
from storage.results import iso

WIDTH = 100


def _heading(title: str) -> list[str]:
    return ["", title.upper(), "=" * len(title), ""]


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent,
                         break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]


def _excerpt(words: tuple[tuple[str, str], ...]) -> list[str]:
    out = []
    for line in excerpt_lines(words):
        text = "".join(f"[-{t}-]" if op == "-" else f"{{+{t}+}}" if op == "+" else t
                       for op, t in line)
        out += _wrap(text.strip(), "      ")
    return out


def _change(c: Change, full: bool) -> list[str]:
    lines = [f"{clean(c.who)} — {clean(c.title) or c.url}", f"  {c.url}"]
    facts = [KIND_LABELS.get(c.kind, c.kind), c.versions, f"detected {iso(c.detected_at)}"]
    lines.append("  " + " · ".join(f for f in facts if f))
    if c.declared:
        lines.append(f"  Last modified: {clean(c.declared)}")
    if c.title_before is not None:
        lines.append(f"  Title: {clean(c.title_before)} → {clean(c.title)}")
    if c.kind == "content":
        lines.append(f"  Changed: {changed_counts(c.lines_added, c.lines_removed, c.sentences)}")
    if c.kind in ("new", "gone") or c.summary.startswith("Linked document"):   # issue 15
        lines += _wrap(clean(c.summary), "  ")
    if full:
        for passage in c.passages:
            lines += ["", f"  § {clean(passage.heading)}", *_excerpt(passage.words)]
        if c.more_passages:
            lines += ["", f"  {more_sections(c.more_passages)} (see `profilewatch diff`)"]
        for table, cells in cells_by_table(c.cells):
            lines += ["", f"  Table: {clean(table)}"]
            lines += [line for cell in cells for line in _wrap(clean(cell_line(cell)), "      ")]
        if c.more_cells:
            lines += ["", f"  {more_cells(c.more_cells)} (see `profilewatch changes --json`)"]
    archived = _archived(c)
    if archived:
        lines += ["", f"  Archived: {archived}"] if full else [f"  Archived: {archived}"]
    if c.citation and full:
        lines += ["", *_wrap("Cite: " + clean(c.citation), "  ")]
    return lines


def _compact(c: Change) -> list[str]:
    """A metadata-only change in three or four lines."""
    lines = [f"- {clean(c.who)} — {clean(c.title) or c.url} · {c.versions}", f"  {c.url}"]
    if c.last_modified_before != c.last_modified_after:
        lines.append(f"  Last modified: {clean(c.declared)}")
    if c.title_before is not None:
        lines.append(f"  Title was: {clean(c.title_before)}")
    archived = _archived(c)
    if archived:
        lines.append(f"  Archived: {archived}")
    return lines


def _archived(c: Change) -> str:
    links = []
    if c.archived_before and c.from_version:
        links.append(f"v{c.from_version} {c.archived_before}")
    if c.archived_after and c.to_version:
        links.append(f"v{c.to_version} {c.archived_after}")
    return " · ".join(links)


def _problem(p: Problem) -> list[str]:
    lines = [f"{problem_line(p.state, p.failed_checks)}: {clean(p.who)} — {clean(p.title) or p.url}",
             f"  {p.url}"]
    lines.append(f"  {problem_when(p)}")
    return lines


class TextReport(ReportFormat):
    """Plain text (terminals, text e-mail, chat)."""

    name = "text"
    media_type = "text/plain"

    def head(self, report: Report) -> list[str]:
        return [f"profilewatch change report — {clean(report.scope)}",
                f"Generated {iso(report.generated_at)} · {report.summary()}"]

    def section(self, kind: str, title: str, changes: Sequence[Change]) -> list[str]:
        lines = _heading(title)
        for index, change in enumerate(changes):
            if kind == "metadata":
                lines += _compact(change)
                continue
            if index:
                lines.append("")
            lines += _change(change, full=kind != "gone")
        return lines

    def problems(self, title: str, problems: Sequence[Problem]) -> list[str]:
        lines = _heading(title)
        for index, problem in enumerate(problems):
            if index:
                lines.append("")
            lines += _problem(problem)
        return lines

    def nothing(self, line: str) -> list[str]:
        return ["", line]

    def join(self, report: Report, parts: list[str]) -> str:
        return "\n".join(parts) + "\n"
