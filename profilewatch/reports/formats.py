"""Report formats: a registry of renderers keyed by ``--format`` value (the docstring is the help).

Each renderer is a module of its own (``render_text.py`` …) holding one :class:`ReportFormat`
subclass; :func:`render` loads them on first use. Helpers shared by the renderers live here.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from typing import ClassVar

from profilewatch.reports.model import KIND_ORDER, Change, Problem, Report
from storage.results import iso

RENDERER_MODULES = ("render_text", "render_markdown", "render_html", "render_json")
# Control characters a hostile page could put in a title or text (terminal escapes, NUL …);
# tabs and newlines are kept.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")

KIND_LABELS = {"content": "content change", "new": "new page", "gone": "page gone",
               "metadata": "metadata only"}
SECTION_TITLES = {"content": "Content changes", "new": "New pages", "gone": "Pages gone",
                  "metadata": "Metadata-only changes (main text unchanged)"}
PROBLEMS_TITLE = "Failing and recovered pages"
EMPTY_REPORT = "Nothing changed and no page started failing or recovered."


class ReportFormat:
    """Base class; ``name`` is the ``--format`` value, ``media_type`` the MIME type."""

    name: ClassVar[str] = ""
    media_type: ClassVar[str] = "text/plain"
    registry: ClassVar[dict[str, type[ReportFormat]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            ReportFormat.registry[cls.name] = cls

    def render(self, report: Report) -> str:
        """The head, the change sections in :data:`KIND_ORDER`, the failing and recovered pages,
        and the empty-report line, each from one hook of the subclass (JSON overrides this)."""
        parts = self.head(report)
        for kind in KIND_ORDER:
            changes = report.of_kind(kind)
            if changes:
                parts += self.section(kind, SECTION_TITLES[kind], changes)
        if report.problems:
            parts += self.problems(PROBLEMS_TITLE, report.problems)
        if report.empty:
            parts += self.nothing(EMPTY_REPORT)
        return self.join(report, parts)

    def head(self, report: Report) -> list[str]:
        raise NotImplementedError

    def section(self, kind: str, title: str, changes: Sequence[Change]) -> list[str]:
        raise NotImplementedError

    def problems(self, title: str, problems: Sequence[Problem]) -> list[str]:
        raise NotImplementedError

    def nothing(self, line: str) -> list[str]:
        raise NotImplementedError

    def join(self, report: Report, parts: list[str]) -> str:
        raise NotImplementedError


def _load() -> None:
    for module in RENDERER_MODULES:
        importlib.import_module(f"profilewatch.reports.{module}")


def formats() -> dict[str, type[ReportFormat]]:
    """Every registered format, by name."""
    _load()
    return dict(ReportFormat.registry)


def render(report: Report, fmt: str) -> str:
    try:
        renderer = formats()[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r} (formats: {', '.join(formats())})") from None
    return renderer().render(report)


def clean(text: str | None) -> str:
    """Text from a web page, safe to print: no control or bidi-override characters."""
    return CONTROL_RE.sub("", text or "")


def excerpt_lines(words: tuple[tuple[str, str], ...]) -> list[list[tuple[str, str]]]:
    """A word-diff excerpt as lines (paragraph breaks split it), each a list of ``(op, text)``
    whose texts hold no newline; ``-``/``+`` runs keep their edge whitespace outside (so markup
    such as ``~~…~~`` stays valid)."""
    lines: list[list[tuple[str, str]]] = [[]]
    for op, text in words:
        for index, piece in enumerate(clean(text).split("\n")):
            if index:
                lines.append([])
            if not piece:
                continue
            if op in "-+":
                stripped = piece.strip()
                lead, trail = piece[: len(piece) - len(piece.lstrip())], piece[len(piece.rstrip()):]
                if lead:
                    lines[-1].append(("=", lead))
                if stripped:
                    lines[-1].append((op, stripped))
                if trail:
                    lines[-1].append(("=", trail))
            else:
                lines[-1].append((op, piece))
    return [line for line in lines if any(text.strip() for _, text in line)]


def changed_counts(lines_added: int, lines_removed: int, sentences: tuple[int, int, int]) -> str:
    """``+1 −1 lines; 1 sentence changed, 1 added``."""
    added, removed, changed = sentences
    parts: list[str] = []
    for count, verb in ((changed, "changed"), (added, "added"), (removed, "removed")):
        if count:
            noun = "" if parts else (" sentence" if count == 1 else " sentences")
            parts.append(f"{count}{noun} {verb}")
    lines = f"+{lines_added} −{lines_removed} lines"
    return f"{lines}; {', '.join(parts)}" if parts else lines


def problem_line(state: str, failed_checks: int) -> str:
    checks = f"{failed_checks} failed check{'s' if failed_checks != 1 else ''}"
    return "started failing" if state == "failing" else f"recovered after {checks}"


def problem_when(p: Problem, escape: Callable[[str], str] = str) -> str:
    """``since …: reason`` or ``back at …; failing since … (last: reason)``; ``escape`` is the
    format's escaping of the page-supplied reason."""
    reason = escape(clean(p.reason) or (f"HTTP {p.http_status}" if p.http_status else "failed"))
    if p.state == "failing":
        return f"since {iso(p.since)}: {reason}"
    return f"back at {iso(p.at)}; failing since {iso(p.since)} (last: {reason})"


def more_sections(count: int) -> str:
    """``… and 2 more changed sections`` (the passages a report leaves out)."""
    return f"… and {count} more changed section{'s' if count != 1 else ''}"


def more_cells(count: int) -> str:
    """``… and 3 more changed cells`` (the cells a report leaves out)."""
    return f"… and {count} more changed cell{'s' if count != 1 else ''}"
