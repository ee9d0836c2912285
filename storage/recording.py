"""Recording checks: analysed fetches become rows, in as few statements as possible.

What a check means is decided in :mod:`pipeline.transition` (from the page's cached
:class:`~pipeline.types.PageState`); this module only saves what it is given. A check that creates
a version or an event writes its blobs (content-addressed, written once), the version (with its
hash-chain link), the check and the event one by one; the plain checks (unchanged, failed) and every
page's new validators and streaks are written with one multi-row statement each. The batch is one
transaction: a process killed at any moment leaves every page of it recorded or none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from pipeline.tables import Table as DataTable
from pipeline.transition import NewEvent, NewVersion, Transition, needs_previous_text, transition
from pipeline.types import PageState
from storage.blobstore import insert_blob, read_blob
from storage.integrity import chain_fields, chain_hash
from storage.models import CheckRow, EventRow, PageRow, SourceRow, VersionRow
from storage.results import CheckInput, RecordOutcome
from storage.tables import tables_json, version_tables

CHECKS = cast(Table, CheckRow.__table__)
VERSIONS = cast(Table, VersionRow.__table__)
EVENTS = cast(Table, EventRow.__table__)
# Statements built once: building a statement per row costs more than executing it.
INSERT_CHECK_RETURNING_ID = CHECKS.insert().returning(CHECKS.c.id)
INSERT_VERSION_RETURNING_ID = VERSIONS.insert().returning(VERSIONS.c.id)
INSERT_EVENT_RETURNING_ID = EVENTS.insert().returning(EVENTS.c.id)
PAGES = cast(Table, PageRow.__table__)
# Every page of a batch gets its new validators and streaks in one executemany by primary key
# (a Core statement: the ORM's bulk update by primary key cost 12 % of the batch writer).
PAGE_COLUMNS = ("etag", "http_last_modified", "missing_streak", "gone_at", "failing_since",
                "fail_count", "last_error", "last_checked_at", "last_ok_at", "last_final_url")
UPDATE_PAGE = (update(PAGES).where(PAGES.c.id == bindparam("page_id"))
               .values({name: bindparam(f"b_{name}") for name in PAGE_COLUMNS}))

# Response headers kept with a version (for replay, WARC export and citations); the rest (cookies,
# tracking, per-request ids) are dropped.
KEPT_HEADERS = ("content-type", "content-language", "etag", "last-modified", "date", "server",
                "cache-control", "expires", "content-location", "link", "x-robots-tag")


# --- loading states ----------------------------------------------------------------------------

def load_states(session: Session, *, source: str | None = None,
                urls: Sequence[str] | None = None) -> dict[str, PageState]:
    """Page states of a source (or of some URLs) with their latest versions, in one query.

    A run reads them a chunk of pages at a time (:class:`crawler.writer.PageStates`): the latest
    version is found per page through the ``(page_id, number)`` index, not by grouping the whole
    versions table, so a chunk costs the same whatever the size of the store."""
    latest = (select(func.max(VersionRow.number)).where(VersionRow.page_id == PageRow.id)
              .correlate(PageRow).scalar_subquery())
    # columns, not entities: ORM objects with their JSON columns (headers, metadata) cost ~10 KB
    # a page at peak
    query = (select(*PAGE_STATE_COLUMNS, *VERSION_STATE_COLUMNS)
             .outerjoin(VersionRow, (VersionRow.page_id == PageRow.id)
                        & (VersionRow.number == latest)))
    if source is not None:
        query = query.join(SourceRow, PageRow.source_id == SourceRow.id).where(SourceRow.name == source)
    if urls is not None:
        query = query.where(PageRow.url.in_(list(urls)))
    states: dict[str, PageState] = {}
    for row in session.execute(query.order_by(PageRow.id)):
        values = row._asdict()
        headings = values.pop("headings")
        states[row.url] = PageState(**values, headings=tuple(headings or ()))
    return states


PAGE_STATE_COLUMNS = (
    PageRow.id.label("page_id"), PageRow.url, PageRow.etag, PageRow.http_last_modified,
    PageRow.missing_streak, PageRow.gone_at, PageRow.failing_since, PageRow.fail_count,
    PageRow.last_error, PageRow.last_checked_at, PageRow.last_ok_at, PageRow.last_final_url)
VERSION_STATE_COLUMNS = (
    VersionRow.number.label("version"), VersionRow.id.label("version_id"),
    VersionRow.content_sha256, VersionRow.body_sha256, VersionRow.title,
    VersionRow.declared_text, VersionRow.declared_value, VersionRow.declared_kind,
    VersionRow.chain_sha256, VersionRow.headings,
    # the version's identity, for the not-the-page rule (pipeline.identity)
    VersionRow.final_url.label("version_final_url"),
    VersionRow.meta["h1"].as_string().label("version_h1"),
    VersionRow.language.label("version_language"))


def _new_state(page: PageRow) -> PageState:
    """The state of a page just created (it has no version yet)."""
    return PageState(page_id=page.id, url=page.url, etag=page.etag,
                     http_last_modified=page.http_last_modified, missing_streak=page.missing_streak,
                     gone_at=page.gone_at, failing_since=page.failing_since,
                     fail_count=page.fail_count, last_error=page.last_error,
                     last_checked_at=page.last_checked_at, last_ok_at=page.last_ok_at,
                     last_final_url=page.last_final_url)


def ensure_page(session: Session, url: str, source: str, now: datetime) -> PageState:
    """The state of ``url``, creating the page under ``source`` if it is new."""
    found = load_states(session, urls=[url]).get(url)
    if found is not None:
        return found
    source_id = session.scalars(select(SourceRow.id).where(SourceRow.name == source)).one()
    page = PageRow(source_id=source_id, url=url, discovered_at=now, discovered_via="config", info={})
    session.add(page)
    session.flush()
    return _new_state(page)


# --- recording ---------------------------------------------------------------------------------

def record_batch(session: Session, checks: Sequence[CheckInput], states: Mapping[str, PageState],
                 gone_after: int) -> list[tuple[RecordOutcome, PageState]]:
    """Record ``checks`` (call inside ``session.begin()``); returns each outcome and new state.

    ``states`` is read, never modified: the caller adopts the returned states once the
    transaction has committed.
    """
    current = dict(states)
    results: list[tuple[RecordOutcome, PageState]] = []
    plain_checks: list[dict[str, Any]] = []
    for check in checks:
        state = current.get(check.url) or ensure_page(session, check.url, check.source,
                                                      check.fetched_at)
        step = transition(state, check.analysis, fetched_at=check.fetched_at,
                          final_url=check.final_url, headers=check.headers, gone_after=gone_after,
                          previous_text=_previous_text(session, state, check),
                          previous_tables=_previous_tables(session, state, check))
        new_state = step.state
        row = _check_row(state, check, step)
        if step.version is not None:
            new_state = _add_version(session, state, new_state, check, step.version)
            row["version_id"] = new_state.version_id
        event_id = None
        if step.event is not None:
            check_id = session.connection().execute(INSERT_CHECK_RETURNING_ID, row).scalar_one()
            event_id = _add_event(session, state, check, check_id, step.event)
        else:
            plain_checks.append(row)
        current[check.url] = new_state
        number = step.version.number if step.version is not None else None
        results.append((RecordOutcome(step.kind, number, event_id, step.reason), new_state))
    if plain_checks:
        session.connection().execute(CHECKS.insert(), plain_checks)
    touched = {state.page_id: state for _, state in results}
    session.connection().execute(UPDATE_PAGE, [_page_row(s) for s in touched.values()])
    return results


def _previous_text(session: Session, state: PageState, check: CheckInput) -> str | None:
    """The latest version's text, when the transition diffs against it."""
    if not needs_previous_text(state, check.analysis):
        return None
    assert state.content_sha256 is not None
    return read_blob(session, state.content_sha256).decode("utf-8")


def _previous_tables(session: Session, state: PageState, check: CheckInput
                     ) -> tuple[DataTable, ...]:
    """The latest version's tables, when the transition diffs against them (issue 16)."""
    extracted = check.analysis.extracted
    if (state.version_id is None or extracted is None or extracted.tables is None
            or not needs_previous_text(state, check.analysis)):
        return ()
    return version_tables(session, state.version_id, ignores=check.ignores)


def _check_row(state: PageState, check: CheckInput, step: Transition) -> dict[str, Any]:
    return {"page_id": state.page_id, "run_id": check.run_id, "fetched_at": check.fetched_at,
            "duration_ms": check.duration_ms, "http_status": check.status,
            "final_url": check.final_url, "outcome": step.kind.value, "reason": step.reason,
            "body_sha256": check.analysis.body_sha256, "version_id": None}


def _add_version(session: Session, before: PageState, after: PageState, check: CheckInput,
                 version: NewVersion) -> PageState:
    """Write the version's blobs and row; ``after`` with the row id and hash-chain link."""
    analysis = check.analysis
    extracted = version.extracted
    body_digest = analysis.body_sha256
    assert body_digest is not None
    if analysis.compressed_body is not None:
        insert_blob(session, body_digest, b"", codec=analysis.codec,
                    payload=analysis.compressed_body, now=check.fetched_at, size=check.body_size)
    else:
        insert_blob(session, body_digest, check.body, now=check.fetched_at)
    insert_blob(session, extracted.text_sha256, extracted.text.encode("utf-8"),
                codec=analysis.text_codec, payload=analysis.compressed_text, now=check.fetched_at)
    declared = extracted.declared
    declared_text = declared.text if declared else None
    declared_value = declared.value if declared else None
    chain = chain_hash(before.chain_sha256, chain_fields(
        url=before.url, number=version.number, fetched_at=check.fetched_at,
        body_sha256=body_digest, content_sha256=extracted.text_sha256, title=extracted.title,
        declared_text=declared_text, declared_value=declared_value))
    version_id = session.connection().execute(INSERT_VERSION_RETURNING_ID, {
        "page_id": before.page_id, "number": version.number, "fetched_at": check.fetched_at,
        "http_status": check.status or 200, "final_url": check.final_url,
        "headers": {k: v for k, v in check.headers.items() if k in KEPT_HEADERS},
        "body_sha256": body_digest, "content_sha256": extracted.text_sha256,
        "content_type": analysis.content_type, "encoding": analysis.encoding,
        "title": extracted.title, "language": extracted.language,
        "declared_text": declared_text, "declared_value": declared_value,
        "declared_origin": declared.origin if declared else None,
        "declared_kind": declared.kind if declared else None,
        "declared_flags": list(declared.flags) if declared else [],
        "headings": list(extracted.headings), "meta": dict(extracted.metadata),
        "chain_sha256": chain, "tables": tables_json(extracted.tables),
    }).scalar_one()
    return replace(after, version_id=version_id, chain_sha256=chain)


def _add_event(session: Session, page: PageState, check: CheckInput, check_id: int,
               event: NewEvent) -> int:
    values: dict[str, Any] = {
        "page_id": page.page_id, "check_id": check_id, "kind": event.kind.value,
        "detected_at": check.fetched_at, "from_version": event.from_version,
        "to_version": event.to_version, "last_modified_before": event.last_modified_before,
        "last_modified_after": event.last_modified_after, "title": event.title,
        "summary": event.summary, "details": event.details, "lines_added": event.lines_added,
        "lines_removed": event.lines_removed,
    }
    event_id: int = session.connection().execute(INSERT_EVENT_RETURNING_ID, values).scalar_one()
    return event_id


def _page_row(state: PageState) -> dict[str, Any]:
    """The mutable columns of ``pages`` (:data:`UPDATE_PAGE`'s parameters)."""
    return {"page_id": state.page_id, "b_etag": state.etag,
            "b_http_last_modified": state.http_last_modified,
            "b_missing_streak": state.missing_streak, "b_gone_at": state.gone_at,
            "b_failing_since": state.failing_since, "b_fail_count": state.fail_count,
            "b_last_error": state.last_error, "b_last_checked_at": state.last_checked_at,
            "b_last_ok_at": state.last_ok_at, "b_last_final_url": state.last_final_url}
