"""The HTML report: one self-contained page for e-mail clients and browsers.

E-mail safe: a table layout 640 px wide, inline CSS only (no ``<style>``, no classes), no
scripts, no images, system fonts. Everything from a page or the store is escaped; links are only
made of http(s) URLs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

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

FONT = "font-family:Arial,Helvetica,sans-serif"
MUTED = "color:#5f6368;font-size:12px"
KIND_COLOURS = {"content": "#1a73e8", "new": "#188038", "gone": "#b3261e", "metadata": "#5f6368",
                "failing": "#b3261e", "recovered": "#188038"}
DEL_STYLE = "background:#fddede;color:#8a1c1c;text-decoration:line-through"
INS_STYLE = "background:#d9f5dd;color:#0b5b1d;text-decoration:none"


def h(text: str | None) -> str:
    return escape(clean(text), quote=True)


def a(label: str, url: str | None) -> str:
    if not url or not re.match(r"^https?://", url, re.I):
        return h(label)
    return f'<a href="{h(url)}" style="color:#1a73e8">{h(label)}</a>'


def _badge(kind: str, label: str) -> str:
    colour = KIND_COLOURS.get(kind, "#5f6368")
    return (f'<span style="display:inline-block;padding:1px 6px;border-radius:3px;'
            f'background:{colour};color:#ffffff;font-size:11px;text-transform:uppercase">'
            f"{h(label)}</span>")


def _excerpt(words: tuple[tuple[str, str], ...]) -> str:
    paragraphs = []
    for line in excerpt_lines(words):
        parts = []
        for index, (op, text) in enumerate(line):
            if op == "+" and index and line[index - 1][0] == "-":
                parts.append(" ")         # a replacement reads "old new", not "oldnew"
            if op == "-":
                parts.append(f'<del style="{DEL_STYLE}">{h(text)}</del>')
            elif op == "+":
                parts.append(f'<ins style="{INS_STYLE}">{h(text)}</ins>')
            elif op == "…":
                parts.append(f'<span style="color:#80868b">{h(text)}</span>')
            else:
                parts.append(h(text))
        paragraphs.append(f'<p style="margin:0 0 6px 0">{"".join(parts).strip()}</p>')
    return ('<div style="background:#f8f9fa;border-left:3px solid #dadce0;padding:8px 10px;'
            f'margin:4px 0 12px 0">{"".join(paragraphs)}</div>')


def _row(label: str, value: str) -> str:
    return (f'<tr><td style="{MUTED};padding:2px 12px 2px 0;vertical-align:top;white-space:nowrap">'
            f'{h(label)}</td><td style="padding:2px 0">{value}</td></tr>')


def _archived(c: Change) -> str:
    links = []
    if c.archived_before and c.from_version:
        links.append(a(f"v{c.from_version}", c.archived_before))
    if c.archived_after and c.to_version:
        links.append(a(f"v{c.to_version}", c.archived_after))
    return " · ".join(links)


def change_html(c: Change) -> str:
    """One change as an HTML fragment (also the content of its Atom entry)."""
    rows = [_row("What", f"{_badge(c.kind, KIND_LABELS.get(c.kind, c.kind))} {h(c.versions)}"),
            _row("Detected", h(iso(c.detected_at)))]
    if c.declared:
        rows.append(_row("Last modified", h(c.declared)))
    if c.kind == "content":
        rows.append(_row("Changed", h(changed_counts(c.lines_added, c.lines_removed, c.sentences))))
    else:
        rows.append(_row("Summary", h(c.summary)))
    if _archived(c):
        rows.append(_row("Archived", _archived(c)))
    body = [f'<p style="{MUTED};margin:0;text-transform:uppercase">{h(c.who)}</p>',
            f'<h3 style="margin:2px 0 2px 0;font-size:16px">{a(c.title or c.url, c.url)}</h3>',
            f'<p style="{MUTED};margin:0 0 8px 0;word-break:break-all">{h(c.url)}</p>',
            f'<table role="presentation" cellpadding="0" cellspacing="0" '
            f'style="font-size:13px;margin-bottom:8px">{"".join(rows)}</table>']
    for passage in c.passages:
        body.append(f'<p style="margin:8px 0 2px 0;font-weight:bold">{h(passage.heading)}</p>')
        body.append(_excerpt(passage.words))
    if c.more_passages:
        body.append(f'<p style="{MUTED}">{more_sections(c.more_passages)}</p>')
    for table, cells in cells_by_table(c.cells):
        body.append(f'<p style="margin:8px 0 2px 0;font-weight:bold">Table: {h(table)}</p>')
        items = "".join(f'<li style="margin:0 0 2px 0">{h(cell_line(cell))}</li>' for cell in cells)
        body.append(f'<ul style="margin:4px 0 12px 0;padding-left:18px">{items}</ul>')
    if c.more_cells:
        body.append(f'<p style="{MUTED}">{more_cells(c.more_cells)}</p>')
    if c.citation:
        body.append(f'<p style="{MUTED};margin:8px 0 0 0"><strong>Cite:</strong> '
                    f"{h(c.citation)}</p>")
    return ('<div style="border-top:1px solid #e8eaed;padding:12px 0">' + "".join(body) + "</div>")


def _metadata(changes: Sequence[Change]) -> str:
    head = "".join(f'<th align="left" style="{MUTED};padding:4px 8px 4px 0;border-bottom:1px '
                   f'solid #e8eaed">{h(t)}</th>' for t in ("Organisation", "Page", "Last modified",
                                                           "Versions"))
    rows = []
    for c in changes:
        declared = h(c.declared) if c.last_modified_before != c.last_modified_after else ""
        if c.title_before is not None:
            declared += ("<br>" if declared else "") + f"title was “{h(c.title_before)}”"
        cells = (h(c.who), a(c.title or c.url, c.url), declared, _archived(c) or h(c.versions))
        rows.append("<tr>" + "".join(f'<td style="padding:4px 8px 4px 0;vertical-align:top;'
                                     f'border-bottom:1px solid #f1f3f4">{cell}</td>'
                                     for cell in cells) + "</tr>")
    return (f'<table role="presentation" cellpadding="0" cellspacing="0" width="100%" '
            f'style="font-size:13px"><tr>{head}</tr>{"".join(rows)}</table>')


def _problem(p: Problem) -> str:
    when = problem_when(p, h)    # ISO times need no escaping
    return (f'<li style="margin:0 0 8px 0">{_badge(p.state, problem_line(p.state, p.failed_checks))}'
            f" {h(p.who)} — {a(p.title or p.url, p.url)}<br>"
            f'<span style="{MUTED}">{when}</span></li>')


def _section(title: str) -> str:
    return (f'<h2 style="font-size:18px;margin:24px 0 4px 0;padding-bottom:4px;'
            f'border-bottom:2px solid #202124">{h(title)}</h2>')


class HtmlReport(ReportFormat):
    """HTML with inline CSS (e-mail, browsers): insertions and deletions marked."""

    name = "html"
    media_type = "text/html"

    def head(self, report: Report) -> list[str]:
        return ['<h1 style="font-size:22px;margin:0 0 4px 0">profilewatch change report</h1>',
                f'<p style="{MUTED};margin:0">{h(report.scope)} · generated '
                f"{h(iso(report.generated_at))}</p>",
                f'<p style="font-size:15px;margin:12px 0"><strong>{h(report.summary())}'
                "</strong></p>"]

    def section(self, kind: str, title: str, changes: Sequence[Change]) -> list[str]:
        if kind == "metadata":
            return [_section(title), _metadata(changes)]
        return [_section(title), *(change_html(c) for c in changes)]

    def problems(self, title: str, problems: Sequence[Problem]) -> list[str]:
        return [_section(title), '<ul style="padding-left:18px;margin:8px 0">'
                + "".join(_problem(p) for p in problems) + "</ul>"]

    def nothing(self, line: str) -> list[str]:
        return [f"<p>{line}</p>"]

    def join(self, report: Report, parts: list[str]) -> str:
        title = h(f"profilewatch: {report.summary()}")
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title></head>"
            f'<body style="margin:0;padding:0;background:#f1f3f4;{FONT}">'
            '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
            'style="background:#f1f3f4"><tr><td align="center" style="padding:16px 8px">'
            '<table role="presentation" width="640" cellpadding="0" cellspacing="0" '
            f'style="width:100%;max-width:640px;background:#ffffff;border:1px solid #dadce0;{FONT};'
            'font-size:14px;line-height:1.5;color:#202124"><tr><td style="padding:20px 24px">'
            + "".join(parts)
            + "</td></tr></table></td></tr></table></body></html>\n"
        )
