"""The change report: one model, rendered as text, Markdown, HTML and JSON (``render_*.py``).

A report holds the changes of a run (or a period) and the pages that started failing or recovered.
It is plain data: built once from the store (:mod:`profilewatch.reports.build`), stored with each
delivery as JSON, and rebuilt from that JSON to resend it (``from_json(to_json(r)) == r``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.tables import CellChange
from profilewatch.diffs.passages import Passage
from profilewatch.timeutil import parse_user_time
from storage.results import iso

# The order of a report's change sections, in every format (the event kinds, most telling first).
KIND_ORDER = ("content", "new", "gone", "metadata")
KIND_NOUNS = {"content": ("content change", "content changes"), "new": ("new page", "new pages"),
              "gone": ("page gone", "pages gone"),
              "metadata": ("metadata-only change", "metadata-only changes")}


@dataclass(frozen=True, slots=True)
class Change:
    """One change event, with what a reader needs to judge and cite it."""

    event_id: int
    kind: str                            # new | content | metadata | gone
    url: str
    source: str
    organisation: str | None
    title: str | None
    detected_at: datetime
    from_version: int | None
    to_version: int | None
    last_modified_before: str | None
    last_modified_after: str | None
    summary: str
    lines_added: int = 0
    lines_removed: int = 0
    passages: tuple[Passage, ...] = ()
    more_passages: int = 0               # changed sections not listed
    title_before: str | None = None      # metadata: the previous title when it changed
    archived_before: str | None = None   # memento URLs (when [serve] public_url is set)
    archived_after: str | None = None
    citation: str | None = None          # of the new version
    cells: tuple[CellChange, ...] = ()   # changed table cells (content changes, issue 16)
    more_cells: int = 0                  # changed cells not listed

    @property
    def who(self) -> str:
        return self.organisation or self.source

    @property
    def sentences(self) -> tuple[int, int, int]:
        """(added, removed, changed) sentences over all listed passages."""
        return (sum(p.added for p in self.passages), sum(p.removed for p in self.passages),
                sum(p.changed for p in self.passages))

    @property
    def versions(self) -> str:
        if self.from_version and self.to_version:
            return f"v{self.from_version} → v{self.to_version}"
        if self.to_version:
            return f"v{self.to_version}"
        return f"last v{self.from_version}" if self.from_version else ""

    @property
    def declared(self) -> str | None:
        """``2024-08-05 → 2024-09-01``: the page-declared last-modified date, before → after."""
        if self.kind == "new":
            return self.last_modified_after
        if self.last_modified_before == self.last_modified_after:
            return self.last_modified_after and f"{self.last_modified_after} (unchanged)"
        return f"{self.last_modified_before or 'none'} → {self.last_modified_after or 'none'}"


@dataclass(frozen=True, slots=True)
class Problem:
    """A page that started failing, or recovered, in the period of the report."""

    url: str
    source: str
    organisation: str | None
    title: str | None
    state: str                           # failing | recovered
    at: datetime
    since: datetime
    reason: str | None
    http_status: int | None
    failed_checks: int

    @property
    def who(self) -> str:
        return self.organisation or self.source


@dataclass(frozen=True, slots=True)
class Report:
    generated_at: datetime
    scope: str                           # "run 12 (unesco-profiles)", "2026-11-01 (daily)" …
    changes: tuple[Change, ...] = ()
    problems: tuple[Problem, ...] = ()
    archive_url: str | None = None       # [serve] public_url

    @property
    def empty(self) -> bool:
        return not self.changes and not self.problems

    def of_kind(self, kind: str) -> list[Change]:
        """Changes of ``kind``, by organisation, then title, then detection order."""
        chosen = [c for c in self.changes if c.kind == kind]
        return sorted(chosen, key=lambda c: (c.who.casefold(), (c.title or c.url).casefold(),
                                             c.event_id))

    @property
    def event_ids(self) -> list[int]:
        return [c.event_id for c in self.changes]

    def only_source(self, source: str) -> Report:
        """The part of this report about one source."""
        return Report(self.generated_at, f"{self.scope} · {source}",
                      tuple(c for c in self.changes if c.source == source),
                      tuple(p for p in self.problems if p.source == source), self.archive_url)

    def summary(self) -> str:
        """One line: ``2 content changes, 1 new page; 1 page started failing``."""
        counts = Counter(c.kind for c in self.changes)
        parts = []
        for kind in KIND_ORDER:
            if counts[kind]:
                singular, plural = KIND_NOUNS[kind]
                parts.append(f"{counts[kind]} {singular if counts[kind] == 1 else plural}")
        failing = sum(1 for p in self.problems if p.state == "failing")
        recovered = len(self.problems) - failing
        problems = []
        if failing:
            problems.append(f"{failing} page{'s' if failing != 1 else ''} started failing")
        if recovered:
            problems.append(f"{recovered} recovered")
        text = "; ".join(filter(None, [", ".join(parts), ", ".join(problems)]))
        return text or "no changes"

    def headline(self) -> str:
        """The subject's ``{summary}``: a single change is named, several are counted."""
        if len(self.changes) == 1 and not self.problems:
            change = self.changes[0]
            what = {"content": "changed", "new": "new page", "gone": "gone",
                    "metadata": "metadata changed"}.get(change.kind, change.kind)
            return f"{change.who}: {change.title or change.url} ({what})"
        if len(self.problems) == 1 and not self.changes:
            problem = self.problems[0]
            verb = "started failing" if problem.state == "failing" else "recovered"
            return f"{problem.who}: {problem.title or problem.url} {verb}"
        return self.summary()

    # --- JSON -------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "generated_at": iso(self.generated_at),
            "scope": self.scope,
            "summary": self.summary(),
            "archive_url": self.archive_url,
            "changes": [_change_json(c) for c in self.changes],
            "problems": [_problem_json(p) for p in self.problems],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Report:
        return cls(generated_at=_time(data["generated_at"]), scope=data["scope"],
                   changes=tuple(_change_from(c) for c in data.get("changes", [])),
                   problems=tuple(_problem_from(p) for p in data.get("problems", [])),
                   archive_url=data.get("archive_url"))


def _time(value: str) -> datetime:
    return parse_user_time(value)


def _passage_json(p: Passage) -> dict[str, Any]:
    return {"section": p.section, "heading": p.heading, "sentences_added": p.added,
            "sentences_removed": p.removed, "sentences_changed": p.changed,
            "words": [list(w) for w in p.words]}


def _change_json(c: Change) -> dict[str, Any]:
    return {
        "event_id": c.event_id, "kind": c.kind, "url": c.url, "source": c.source,
        "organisation": c.organisation, "title": c.title, "detected_at": iso(c.detected_at),
        "from_version": c.from_version, "to_version": c.to_version,
        "last_modified_before": c.last_modified_before,
        "last_modified_after": c.last_modified_after, "summary": c.summary,
        "lines_added": c.lines_added, "lines_removed": c.lines_removed,
        "passages": [_passage_json(p) for p in c.passages], "more_passages": c.more_passages,
        "title_before": c.title_before, "archived_before": c.archived_before,
        "archived_after": c.archived_after, "citation": c.citation,
        "tables": [cell.as_json() for cell in c.cells], "more_cells": c.more_cells,
    }


def _change_from(d: dict[str, Any]) -> Change:
    passages = tuple(Passage(p["section"], p["sentences_added"], p["sentences_removed"],
                             p["sentences_changed"], tuple((w[0], w[1]) for w in p["words"]))
                     for p in d.get("passages", []))
    return Change(
        event_id=d["event_id"], kind=d["kind"], url=d["url"], source=d["source"],
        organisation=d.get("organisation"), title=d.get("title"),
        detected_at=_time(d["detected_at"]), from_version=d.get("from_version"),
        to_version=d.get("to_version"), last_modified_before=d.get("last_modified_before"),
        last_modified_after=d.get("last_modified_after"), summary=d.get("summary", ""),
        lines_added=d.get("lines_added", 0), lines_removed=d.get("lines_removed", 0),
        passages=passages, more_passages=d.get("more_passages", 0),
        title_before=d.get("title_before"), archived_before=d.get("archived_before"),
        archived_after=d.get("archived_after"), citation=d.get("citation"),
        cells=tuple(CellChange.from_json(cell) for cell in d.get("tables", [])),
        more_cells=d.get("more_cells", 0))


def _problem_json(p: Problem) -> dict[str, Any]:
    return {"url": p.url, "source": p.source, "organisation": p.organisation, "title": p.title,
            "state": p.state, "at": iso(p.at), "since": iso(p.since), "reason": p.reason,
            "http_status": p.http_status, "failed_checks": p.failed_checks}


def _problem_from(d: dict[str, Any]) -> Problem:
    return Problem(url=d["url"], source=d["source"], organisation=d.get("organisation"),
                   title=d.get("title"), state=d["state"], at=_time(d["at"]),
                   since=_time(d["since"]), reason=d.get("reason"),
                   http_status=d.get("http_status"), failed_checks=d.get("failed_checks", 1))
