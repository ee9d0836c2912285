"""The Markdown report (CommonMark + GFM tables and strikethrough): for files, Slack, Matrix, Teams.

Everything taken from a page is escaped, so a title such as ``*[click](javascript:…)*`` shows as
typed; links are only made of http(s) URLs.
"""

from __future__ import annotations

import re
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

# Brackets are escaped, so no link can form and parentheses need no escape; "&" only before an
# entity name; "+", "-", "1." only matter at the start of a line (see ``_excerpt``).
MARKDOWN_SPECIAL_RE = re.compile(r"([\\`*_{}\[\]<>#|~]|&(?=#?\w+;))")


def md(text: str | None) -> str:
    """Escape Markdown (and inline HTML) in untrusted text; newlines become spaces."""
    return MARKDOWN_SPECIAL_RE.sub(r"\\\1", clean(text).replace("\n", " "))


def link(label: str, url: str | None) -> str:
    """``[label](url)`` for an http(s) URL (parentheses, spaces, brackets percent-encoded)."""
    if not url or not re.match(r"^https?://", url, re.I):
        return md(label)
    target = (url.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
              .replace("<", "%3C").replace(">", "%3E"))
    return f"[{md(label)}]({target})"


def _excerpt(words: tuple[tuple[str, str], ...]) -> list[str]:
    out = []
    for line in excerpt_lines(words):
        parts = []
        for index, (op, text) in enumerate(line):
            if op == "+" and index and line[index - 1][0] == "-":
                parts.append(" ")
            if op == "-":
                parts.append(f"~~{md(text)}~~")
            elif op == "+":
                parts.append(f"**{md(text)}**")
            else:
                parts.append(md(text))
        text = "".join(parts).strip()
        # a quoted line must not turn into a list item or a setext underline
        text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
        text = re.sub(r"^([-=])", r"\\\1", text)
        out.append("> " + text)
        out.append(">")
    return out[:-1]


def _archived(c: Change) -> str:
    links = []
    if c.archived_before and c.from_version:
        links.append(link(f"v{c.from_version}", c.archived_before))
    if c.archived_after and c.to_version:
        links.append(link(f"v{c.to_version}", c.archived_after))
    return " · ".join(links)


def _change(c: Change) -> list[str]:
    lines = [f"### {md(c.who)} — {link(c.title or c.url, c.url)}", "", f"<{c.url}>"
             if re.match(r"^https?://[^\s<>]+$", c.url) else md(c.url), ""]
    facts = [KIND_LABELS.get(c.kind, c.kind), c.versions, f"detected {iso(c.detected_at)}"]
    lines.append("- **What:** " + " · ".join(f for f in facts if f))
    if c.declared:
        lines.append(f"- **Last modified:** {md(c.declared)}")
    if c.kind == "content":
        lines.append("- **Changed:** "
                     + md(changed_counts(c.lines_added, c.lines_removed, c.sentences)))
    else:
        lines.append(f"- **Summary:** {md(c.summary)}")
    archived = _archived(c)
    if archived:
        lines.append(f"- **Archived:** {archived}")
    for passage in c.passages:
        lines += ["", f"**{md(passage.heading)}**", "", *_excerpt(passage.words)]
    if c.more_passages:
        lines += ["", f"*{more_sections(c.more_passages)}*"]
    for table, cells in cells_by_table(c.cells):
        lines += ["", f"**Table: {md(table)}**", "", *(f"- {md(cell_line(cell))}" for cell in cells)]
    if c.more_cells:
        lines += ["", f"*{more_cells(c.more_cells)}*"]
    if c.citation:
        lines += ["", f"*Cite:* {md(c.citation)}"]
    return [*lines, ""]


def _metadata_table(changes: Sequence[Change]) -> list[str]:
    lines = ["| Organisation | Page | Last modified | Versions |", "|---|---|---|---|"]
    for c in changes:
        declared = md(c.declared) if c.last_modified_before != c.last_modified_after else ""
        if c.title_before is not None:
            declared = (declared + "; " if declared else "") + f"title was “{md(c.title_before)}”"
        versions = _archived(c) or c.versions
        lines.append(f"| {md(c.who)} | {link(c.title or c.url, c.url)} | {declared} | {versions} |")
    return [*lines, ""]


def _problem(p: Problem) -> str:
    return (f"- **{problem_line(p.state, p.failed_checks)}:** {md(p.who)} — "
            f"{link(p.title or p.url, p.url)} — {problem_when(p, md)}")


class MarkdownReport(ReportFormat):
    """Markdown (files, Slack, Matrix, Teams)."""

    name = "markdown"
    media_type = "text/markdown"

    def head(self, report: Report) -> list[str]:
        return [f"# profilewatch change report — {md(report.scope)}", "",
                f"Generated {iso(report.generated_at)} · **{md(report.summary())}**", ""]

    def section(self, kind: str, title: str, changes: Sequence[Change]) -> list[str]:
        lines = [f"## {title}", ""]
        if kind == "metadata":
            return lines + _metadata_table(changes)
        for change in changes:
            lines += _change(change)
        return lines

    def problems(self, title: str, problems: Sequence[Problem]) -> list[str]:
        return [f"## {title}", "", *(_problem(p) for p in problems), ""]

    def nothing(self, line: str) -> list[str]:
        return [line, ""]

    def join(self, report: Report, parts: list[str]) -> str:
        return "\n".join(parts)
