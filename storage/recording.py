"""Recording checks: analysed fetches become rows, in as few statements as possible.

For each check of a batch: apply the decision table to the page's cached :class:`PageState`; a check
that creates a version or an event writes its blobs (content-addressed, written once), the version
(with its hash-chain link), the check and the event one by one; the plain checks (unchanged, failed)
and every page's new validators and streaks are written with one multi-row statement each. The batch
is one transaction: a process killed at any moment leaves every page of it recorded or none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from pipeline.classify import classify_change
from pipeline.diff import diff_texts, summarize_diff
from pipeline.types import ChangeKind, Decision, Extracted, Outcome
from storage.blobstore import insert_blob, read_blob
from storage.integrity import chain_fields, chain_hash
from storage.models import CheckRow, EventRow, PageRow, SourceRow, VersionRow
from storage.records import CheckInput, PageState, RecordOutcome

CHECKS = cast(Table, CheckRow.__table__)
VERSIONS = cast(Table, VersionRow.__table__)
EVENTS = cast(Table, EventRow.__table__)
# Statements built once: building a statement per row costs more than executing it.
INSERT_CHECK_RETURNING_ID = CHECKS.insert().returning(CHECKS.c.id)
INSERT_VERSION_RETURNING_ID = VERSIONS.insert().returning(VERSIONS.c.id)
INSERT_EVENT_RETURNING_ID = EVENTS.insert().returning(EVENTS.c.id)

# Response headers kept with a version (for replay, WARC export and citations); the rest (cookies,
# tracking, per-request ids) are dropped.
KEPT_HEADERS = ("content-type", "content-language", "etag", "last-modified", "date", "server",
                "cache-control", "expires", "content-location", "link", "x-robots-tag")


# --- loading states ----------------------------------------------------------------------------

def load_states(session: Session, *, source: str | None = None,
                urls: Sequence[str] | None = None) -> dict[str, PageState]:
    """Page states of a source (or of some URLs) with their latest versions, in one query."""
    latest = (select(VersionRow.page_id, func.max(VersionRow.number).label("n"))
              .group_by(VersionRow.page_id).subquery())
    # columns, not entities: a source's whole page list is loaded at the start of every run, and
    # ORM objects with their JSON columns (headers, metadata) cost ~10 KB a page at peak
    query = (select(*PAGE_STATE_COLUMNS, *VERSION_STATE_COLUMNS)
             .outerjoin(latest, latest.c.page_id == PageRow.id)
             .outerjoin(VersionRow, (VersionRow.page_id == PageRow.id)
                        & (VersionRow.number == latest.c.n)))
    if source is not None:
        query = query.join(SourceRow, PageRow.source_id == SourceRow.id).where(SourceRow.name == source)
    if urls is not None:
        query = query.where(PageRow.url.in_(list(urls)))
    states: dict[str, PageState] = {}
    for row in session.execute(query):
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
        analysis = check.analysis
        decision = classify_change(state.latest(), analysis.outcome, analysis.extracted,
                                   gone_after, analysis.reason)
        row = _check_row(state, check, decision)
        version_state = state
        event_id = None
        if decision.new_version:
            assert analysis.extracted is not None
            version_state = _add_version(session, state, check, analysis.extracted)
            row["version_id"] = version_state.version_id
        if decision.event:
            check_id = session.connection().execute(INSERT_CHECK_RETURNING_ID, row).scalar_one()
            event_id = _add_event(session, state, version_state, decision, check, check_id)
        else:
            plain_checks.append(row)
        new_state = _updated(version_state, decision, check)
        current[check.url] = new_state
        outcome = RecordOutcome(decision.kind, version_state.version if decision.new_version else None,
                                event_id, decision.reason)
        results.append((outcome, new_state))
    if plain_checks:
        session.connection().execute(CHECKS.insert(), plain_checks)
    touched = {state.page_id: state for _, state in results}
    session.execute(update(PageRow), [s.page_row() for s in touched.values()])
    return results


def _check_row(state: PageState, check: CheckInput, decision: Decision) -> dict[str, Any]:
    return {"page_id": state.page_id, "run_id": check.run_id, "fetched_at": check.fetched_at,
            "duration_ms": check.duration_ms, "http_status": check.status,
            "final_url": check.final_url, "outcome": decision.kind.value, "reason": decision.reason,
            "body_sha256": check.analysis.body_sha256, "version_id": None}


def _add_version(session: Session, state: PageState, check: CheckInput,
                 extracted: Extracted) -> PageState:
    analysis = check.analysis
    body_digest = analysis.body_sha256
    assert body_digest is not None
    if analysis.compressed_body is not None:
        insert_blob(session, body_digest, b"", codec=analysis.codec,
                    payload=analysis.compressed_body, now=check.fetched_at, size=check.body_size)
    else:
        insert_blob(session, body_digest, check.body, now=check.fetched_at)
    insert_blob(session, extracted.text_sha256, extracted.text.encode("utf-8"),
                codec=analysis.text_codec, payload=analysis.compressed_text, now=check.fetched_at)
    number = (state.version or 0) + 1
    declared = extracted.declared
    declared_text = declared.text if declared else None
    declared_value = declared.value if declared else None
    chain = chain_hash(state.chain_sha256, chain_fields(
        url=state.url, number=number, fetched_at=check.fetched_at, body_sha256=body_digest,
        content_sha256=extracted.text_sha256, title=extracted.title, declared_text=declared_text,
        declared_value=declared_value))
    version_id = session.connection().execute(INSERT_VERSION_RETURNING_ID, {
        "page_id": state.page_id, "number": number, "fetched_at": check.fetched_at,
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
        "chain_sha256": chain,
    }).scalar_one()
    return replace(state, version=number, version_id=version_id,
                   content_sha256=extracted.text_sha256, body_sha256=body_digest,
                   title=extracted.title,
                   declared_text=declared_text, declared_value=declared_value,
                   declared_kind=declared.kind if declared else None, chain_sha256=chain,
                   headings=extracted.headings, version_final_url=check.final_url,
                   version_h1=extracted.metadata.get("h1"), version_language=extracted.language)


def _add_event(session: Session, before: PageState, after: PageState, decision: Decision,
               check: CheckInput, check_id: int) -> int:
    kind = decision.kind
    versioned = decision.new_version
    values: dict[str, Any] = {
        "page_id": before.page_id, "check_id": check_id, "kind": kind.value,
        "detected_at": check.fetched_at, "from_version": before.version,
        "to_version": after.version if versioned else None,
        "last_modified_before": before.declared,
        "last_modified_after": after.declared if versioned else None,
        "title": after.title, "summary": "", "details": {}, "lines_added": 0, "lines_removed": 0,
    }
    extracted = check.analysis.extracted
    if kind is ChangeKind.NEW:
        assert extracted is not None
        lines = extracted.text.count("\n") + 1 if extracted.text else 0
        values["lines_added"] = lines
        values["summary"] = f"first version: {lines} lines" + (
            f", declared {after.declared_kind} date {after.declared_text}"
            if after.declared_text else "")
    elif kind is ChangeKind.CONTENT:
        assert extracted is not None and before.content_sha256 is not None
        old_text = read_blob(session, before.content_sha256).decode("utf-8")
        diff = diff_texts(old_text, extracted.text, frozenset(before.headings) | frozenset(after.headings))
        values.update(lines_added=diff.lines_added, lines_removed=diff.lines_removed,
                      summary=summarize_diff(diff),
                      details={"sections": [{"section": s, "lines": n} for s, n in diff.sections()]})
    elif kind is ChangeKind.METADATA:
        changes = []
        declared_changed = before.declared != after.declared
        if declared_changed:
            label = "Last modified" if after.declared_kind != "published" else "date"
            changes.append(f"{label} {before.declared_text or 'none'} → {after.declared_text or 'none'}")
        if before.title != after.title:
            changes.append(f"title “{before.title or ''}” → “{after.title or ''}”")
        values["summary"] = "metadata only: " + "; ".join(changes)
        values["details"] = {"title_changed": before.title != after.title,
                             "declared_changed": declared_changed}
    elif kind is ChangeKind.GONE:
        values["summary"] = (f"gone: {decision.reason or 'missing'} on {before.missing_streak + 1} "
                             "consecutive checks")
    event_id: int = session.connection().execute(INSERT_EVENT_RETURNING_ID, values).scalar_one()
    return event_id


def _updated(state: PageState, decision: Decision, check: CheckInput) -> PageState:
    """The page's streaks and validators after this check."""
    outcome = check.analysis.outcome
    state = replace(state, last_checked_at=check.fetched_at,
                    last_final_url=check.final_url or state.last_final_url)
    if decision.kind in (ChangeKind.FAILED, ChangeKind.GONE):
        return replace(
            state,
            missing_streak=state.missing_streak + 1 if outcome is Outcome.MISSING else 0,
            failing_since=state.failing_since or check.fetched_at,
            fail_count=state.fail_count + 1,
            last_error=decision.reason or outcome.value,
            gone_at=check.fetched_at if decision.kind is ChangeKind.GONE else state.gone_at)
    etag, modified = state.etag, state.http_last_modified
    if outcome is Outcome.OK:
        etag, modified = check.headers.get("etag"), check.headers.get("last-modified")
    elif outcome is Outcome.NOT_MODIFIED:
        etag = check.headers.get("etag") or etag
        modified = check.headers.get("last-modified") or modified
    return replace(state, missing_streak=0, gone_at=None, failing_since=None, fail_count=0,
                   last_error=None, last_ok_at=check.fetched_at, etag=etag,
                   http_last_modified=modified)
