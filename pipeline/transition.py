"""The one decision: what a check means for a page, from its previous state to its next.

====================  ===========================================  =========  =======  =====
outcome of the fetch  what the store knows                          kind       version  event
====================  ===========================================  =========  =======  =====
failed                anything                                      failed     no       no
not modified (304)    a version exists                              unchanged  no       no
not modified (304)    no version (a 304 nobody asked for)           failed     no       no
missing (404/410)     streak reaches ``gone_after``, has a version, gone       no       yes
                      not already gone
missing (404/410)     otherwise                                     failed     no       no
ok                    no version                                    new        yes      yes
ok                    text fingerprint differs                      content    yes      yes
ok                    same text; title or declared date differs     metadata   yes      yes
ok                    same text, title and declared date            unchanged  no       no
====================  ===========================================  =========  =======  =====

And what each kind does to the page's state (its streaks and validators):

- ``failed`` and ``gone``: ``missing_streak`` + 1 for a 404/410, else 0; ``failing_since`` kept or
  set to this check; ``fail_count`` + 1; ``last_error`` the reason; ``gone_at`` set by ``gone``.
- every other kind: streaks, ``gone_at`` and the error cleared; ``last_ok_at`` this check; the
  validators (ETag, Last-Modified) replaced by an ok response's, updated by a 304's.
- every kind: ``last_checked_at`` this check; ``last_final_url`` the final URL when there is one.

Event summaries: ``new`` counts the first version's lines (and names its declared date);
``content`` summarises the diff against the previous text by section (and, for an HTML page,
lists its changed table cells in ``details["tables"]``, as does a spreadsheet for its sheets, at
most :data:`MAX_EVENT_CELLS`, see :mod:`pipeline.tables`); ``metadata``
lists the declared-date and title changes; ``gone`` names the reason and the number of consecutive checks.

Boilerplate never reaches this table: it is removed before the fingerprint is taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from pipeline.diff import diff_texts, summarize_diff
from pipeline.stagetimes import TOTALS, laps
from pipeline.tables import Table, diff_tables
from pipeline.types import Analysis, ChangeKind, Extracted, Outcome, PageState

# Most changed cells one event lists (``details["tables"]``): a rewritten 10 MB spreadsheet changes
# hundreds of thousands of cells, and the event JSON must stay readable; the rest are counted in
# ``details["more_cells"]`` and the summary ("… and N more changed cells"), and every value stays
# in the versions' tables (``tables URL --history``).
MAX_EVENT_CELLS = 1000


@dataclass(frozen=True, slots=True)
class NewVersion:
    """The fields of the version a check creates (the store adds blobs, row id and hash chain)."""

    number: int
    extracted: Extracted


@dataclass(frozen=True, slots=True)
class NewEvent:
    """The change event a check records."""

    kind: ChangeKind
    from_version: int | None
    to_version: int | None
    last_modified_before: str | None
    last_modified_after: str | None
    title: str | None
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    lines_added: int = 0
    lines_removed: int = 0


@dataclass(frozen=True, slots=True)
class Transition:
    """What one check does: the kind, the page's next state, and the version and event to store."""

    kind: ChangeKind
    state: PageState
    version: NewVersion | None = None
    event: NewEvent | None = None
    reason: str | None = None


def needs_previous_text(state: PageState, analysis: Analysis) -> bool:
    """Whether :func:`transition` needs the previous version's text (a ``content`` change)."""
    extracted = analysis.extracted
    return (analysis.outcome is Outcome.OK and extracted is not None and state.version is not None
            and extracted.text_sha256 != state.content_sha256)


def transition(state: PageState, analysis: Analysis, *, fetched_at: datetime,
               final_url: str | None, headers: Mapping[str, str], gone_after: int,
               previous_text: str | None = None,
               previous_tables: Sequence[Table] = ()) -> Transition:
    """Apply the table of the module docstring to one check of the page in ``state``.

    ``previous_text`` is the latest version's text, needed when :func:`needs_previous_text`;
    ``previous_tables`` its tables, which a ``content`` change of an HTML page diffs cell by cell."""
    kind, reason = _kind(state, analysis, gone_after)
    after = state
    version = None
    if kind in (ChangeKind.NEW, ChangeKind.CONTENT, ChangeKind.METADATA):
        assert analysis.extracted is not None
        version = NewVersion((state.version or 0) + 1, analysis.extracted)
        after = _with_version(state, version, analysis.body_sha256, final_url)
    event = None
    if kind is not ChangeKind.UNCHANGED and kind is not ChangeKind.FAILED:
        event = _event(kind, state, after, version, reason, previous_text, previous_tables)
    after = _streaks(after, kind, reason, analysis.outcome, fetched_at, final_url, headers)
    return Transition(kind, after, version, event, reason)


def _kind(state: PageState, analysis: Analysis, gone_after: int) -> tuple[ChangeKind, str | None]:
    """The ``kind`` column of the table, with the reason of a failed or gone check."""
    outcome, reason, extracted = analysis.outcome, analysis.reason, analysis.extracted
    if outcome is Outcome.FAILED:
        return ChangeKind.FAILED, reason
    if outcome is Outcome.NOT_MODIFIED:
        if state.version is None:
            return ChangeKind.FAILED, "304 Not Modified without a stored version"
        return ChangeKind.UNCHANGED, None
    if outcome is Outcome.MISSING:
        streak = state.missing_streak + 1
        if streak >= gone_after and state.version is not None and not state.gone:
            return ChangeKind.GONE, reason
        return ChangeKind.FAILED, reason
    if extracted is None:
        raise ValueError("an ok outcome needs the extracted page")
    if state.version is None:
        return ChangeKind.NEW, None
    if extracted.text_sha256 != state.content_sha256:
        return ChangeKind.CONTENT, None
    declared = extracted.declared.comparable if extracted.declared else None
    if extracted.title != state.title or declared != state.declared:
        return ChangeKind.METADATA, None
    return ChangeKind.UNCHANGED, None


def _with_version(state: PageState, version: NewVersion, body_sha256: str | None,
                  final_url: str | None) -> PageState:
    extracted = version.extracted
    declared = extracted.declared
    return replace(state, version=version.number, content_sha256=extracted.text_sha256,
                   body_sha256=body_sha256, title=extracted.title,
                   declared_text=declared.text if declared else None,
                   declared_value=declared.value if declared else None,
                   declared_kind=declared.kind if declared else None,
                   headings=extracted.headings,
                   # the version's identity, for the not-the-page rule (pipeline.identity)
                   version_final_url=final_url, version_h1=extracted.metadata.get("h1"),
                   version_language=extracted.language)


def _event(kind: ChangeKind, before: PageState, after: PageState, version: NewVersion | None,
           reason: str | None, previous_text: str | None,
           previous_tables: Sequence[Table] = ()) -> NewEvent:
    versioned = version is not None
    summary = ""
    details: dict[str, Any] = {}
    added = removed = 0
    if kind is ChangeKind.NEW:
        assert version is not None
        text = version.extracted.text
        added = text.count("\n") + 1 if text else 0
        summary = f"first version: {added} lines" + (
            f", declared {after.declared_kind} date {after.declared_text}"
            if after.declared_text else "")
    elif kind is ChangeKind.CONTENT:
        assert version is not None
        if previous_text is None:
            raise ValueError("a content change needs the previous text")
        clock = laps()
        diff = diff_texts(previous_text, version.extracted.text,
                          frozenset(before.headings) | frozenset(after.headings))
        clock.lap("diff")
        TOTALS.add(clock.laps)
        added, removed = diff.lines_added, diff.lines_removed
        summary = summarize_diff(diff)
        details = {"sections": [{"section": s, "lines": n} for s, n in diff.sections()]}
        if version.extracted.tables is not None:  # a page's or spreadsheet's changed cells (issue 16)
            cells = diff_tables(previous_tables, version.extracted.tables)
            details["tables"] = [cell.as_json() for cell in cells[:MAX_EVENT_CELLS]]
            if len(cells) > MAX_EVENT_CELLS:
                more = len(cells) - MAX_EVENT_CELLS
                details["more_cells"] = more
                summary += f"; {MAX_EVENT_CELLS} changed cells listed, and {more} more changed cells"
    elif kind is ChangeKind.METADATA:
        changes = []
        declared_changed = before.declared != after.declared
        if declared_changed:
            label = "Last modified" if after.declared_kind != "published" else "date"
            changes.append(f"{label} {before.declared_text or 'none'} → {after.declared_text or 'none'}")
        if before.title != after.title:
            changes.append(f"title “{before.title or ''}” → “{after.title or ''}”")
        summary = "metadata only: " + "; ".join(changes)
        details = {"title_changed": before.title != after.title,
                   "declared_changed": declared_changed}
    elif kind is ChangeKind.GONE:
        summary = f"gone: {reason or 'missing'} on {before.missing_streak + 1} consecutive checks"
    if version is not None and version.extracted.metadata.get("no_text_layer"):
        # a scanned document is versioned by its bytes: say so rather than count lines (issue 15)
        summary = (("first version" if kind is ChangeKind.NEW else "new file")
                   + f" (no text layer: {version.extracted.metadata.get('pages', '?')} page(s) of "
                   "images, compared by its bytes)")
    return NewEvent(kind=kind, from_version=before.version,
                    to_version=after.version if versioned else None,
                    last_modified_before=before.declared,
                    last_modified_after=after.declared if versioned else None,
                    title=after.title, summary=summary, details=details,
                    lines_added=added, lines_removed=removed)


def _streaks(state: PageState, kind: ChangeKind, reason: str | None, outcome: Outcome,
             fetched_at: datetime, final_url: str | None, headers: Mapping[str, str]) -> PageState:
    """The page's streaks and validators after this check."""
    state = replace(state, last_checked_at=fetched_at,
                    last_final_url=final_url or state.last_final_url)
    if kind in (ChangeKind.FAILED, ChangeKind.GONE):
        return replace(
            state,
            missing_streak=state.missing_streak + 1 if outcome is Outcome.MISSING else 0,
            failing_since=state.failing_since or fetched_at,
            fail_count=state.fail_count + 1,
            last_error=reason or outcome.value,
            gone_at=fetched_at if kind is ChangeKind.GONE else state.gone_at)
    etag, modified = state.etag, state.http_last_modified
    if outcome is Outcome.OK:
        etag, modified = headers.get("etag"), headers.get("last-modified")
    elif outcome is Outcome.NOT_MODIFIED:
        etag = headers.get("etag") or etag
        modified = headers.get("last-modified") or modified
    return replace(state, missing_streak=0, gone_at=None, failing_since=None, fail_count=0,
                   last_error=None, last_ok_at=fetched_at, etag=etag,
                   http_last_modified=modified)
