"""Building a :class:`~profilewatch.reports.model.Report` from the store.

Stages: (1) select the events of the window (runs or time range), of the wanted kinds;
(2) for each, read the two versions it links and, for a content change, diff their texts into
passages located by section heading; (3) add the archived (memento) URLs and a citation of the new
version; (4) add the pages that started failing or recovered in the window.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from pipeline.diff import diff_texts
from pipeline.tables import CellChange
from profilewatch.citation import cite, memento_url
from profilewatch.config import EVENT_KINDS
from profilewatch.diffs.passages import MAX_CELLS, MAX_PASSAGES, Passage, passages
from profilewatch.errors import NotFoundError
from profilewatch.reports.model import Change, Problem, Report
from storage.reporting import PageTransition, ReportWindow
from storage.results import EventInfo, VersionInfo
from storage.store import Store

logger = logging.getLogger(__name__)


def _second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def build_report(store: Store, window: ReportWindow, *, scope: str,
                 kinds: Sequence[str] = EVENT_KINDS, errors: bool = True,
                 base_url: str | None = None, style: str = "apa",
                 now: datetime | None = None) -> Report:
    """The report of ``window``: its events of ``kinds`` and (with ``errors``) its page problems."""
    events = store.window_events(window, kinds=list(kinds))
    changes = tuple(change_from_event(store, e, base_url=base_url, style=style) for e in events)
    problems = tuple(problem_from(t) for t in store.page_transitions(window)) if errors else ()
    return Report(generated_at=_second(now or datetime.now(UTC)), scope=scope, changes=changes,
                  problems=problems, archive_url=base_url)


def _version(store: Store, url: str, number: int | None) -> VersionInfo | None:
    if number is None:
        return None
    try:
        return store.version(url, number=number)
    except NotFoundError:
        logger.warning("event of %s names version %s, which is not in the store", url, number)
        return None


def change_from_event(store: Store, event: EventInfo, *, base_url: str | None = None,
                      style: str = "apa") -> Change:
    """One event with its passages, archived URLs and citation."""
    old = _version(store, event.url, event.from_version)
    new = _version(store, event.url, event.to_version)
    found: list[Passage] = []
    if event.kind == "content" and old is not None and new is not None:
        old_text, new_text = store.text(old), store.text(new)
        headings = frozenset(old.headings) | frozenset(new.headings)
        found = passages(old_text, new_text, headings, diff_texts(old_text, new_text, headings))
    title_before = None
    if event.kind == "metadata" and old is not None and new is not None and old.title != new.title:
        title_before = old.title
    cells = [CellChange.from_json(c) for c in event.details.get("tables") or ()]
    shown = new or old
    organisation = shown.organisation if shown is not None else None
    return Change(
        event_id=event.id, kind=event.kind, url=event.url, source=event.source,
        organisation=organisation or event.organisation, title=event.title,
        detected_at=_second(event.detected_at), from_version=event.from_version,
        to_version=event.to_version, last_modified_before=event.last_modified_before,
        last_modified_after=event.last_modified_after, summary=document_summary(event),
        lines_added=event.lines_added, lines_removed=event.lines_removed,
        passages=tuple(found[:MAX_PASSAGES]), more_passages=max(0, len(found) - MAX_PASSAGES),
        title_before=title_before,
        archived_before=memento_url(base_url, old) if base_url and old else None,
        archived_after=memento_url(base_url, new) if base_url and new else None,
        citation=cite(new, style, base_url, store) if new is not None else None,
        cells=tuple(cells[:MAX_CELLS]),
        more_cells=max(0, len(cells) - MAX_CELLS) + int(event.details.get("more_cells") or 0),
    )


DOCUMENT_VERBS = {"new": "found", "content": "changed", "metadata": "changed", "gone": "gone"}


def document_summary(event: EventInfo) -> str:
    """A linked document's event says so, and which pages link it (issue 15)."""
    if not event.document:
        return event.summary
    pages = ", ".join(event.linked_from) or "no watched page any more"
    return (f"Linked document {DOCUMENT_VERBS.get(event.kind, event.kind)}: "
            f"{event.title or event.url} linked from {pages} — {event.summary}")


def problem_from(t: PageTransition) -> Problem:
    return Problem(url=t.url, source=t.source, organisation=t.organisation, title=t.title,
                   state=t.state, at=_second(t.at), since=_second(t.since), reason=t.reason,
                   http_status=t.http_status, failed_checks=t.failed_checks)
