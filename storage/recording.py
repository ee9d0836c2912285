"""Recording one check: the single transaction that turns an analysed fetch into rows.

Inside one transaction: read the page's latest version, apply the decision table, write the check,
the blobs (content-addressed, written once), the version (with its hash-chain link), the event, and
the page's validators and streaks. A process killed at any moment leaves either all of it or none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pipeline.classify import classify_change
from pipeline.diff import diff_texts, summarize_diff
from pipeline.types import ChangeKind, Decision, Extracted, LatestState, Outcome
from storage.blobs import compress, decompress
from storage.integrity import chain_fields, chain_hash
from storage.models import BlobRow, CheckRow, EventRow, PageRow, SourceRow, VersionRow, ZstdDictRow
from storage.records import CheckInput, RecordOutcome

# Response headers kept with a version (for replay, WARC export and citations); the rest (cookies,
# tracking, per-request ids) are dropped.
KEPT_HEADERS = ("content-type", "content-language", "etag", "last-modified", "date", "server",
                "cache-control", "expires", "content-location", "link", "x-robots-tag")


def insert_blob(session: Session, sha256: str, data: bytes, *, codec: str | None = None,
                payload: bytes | None = None, now: datetime, size: int | None = None) -> None:
    """Store ``data`` under its digest unless it is already there (content addressing)."""
    if session.get(BlobRow, sha256) is not None:
        return
    if codec is None or payload is None:
        codec, payload = compress(data)
    values = {"sha256": sha256, "size": len(data) if size is None else size, "codec": codec, "data": payload,
              "created_at": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(BlobRow).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(BlobRow).values(**values).on_conflict_do_nothing()
    else:
        session.add(BlobRow(**values))
        return
    session.execute(statement)


def read_blob(session: Session, sha256: str) -> bytes:
    row = session.get(BlobRow, sha256)
    if row is None:
        raise LookupError(f"blob {sha256} is missing")
    return decompress(row.codec, row.data, lambda key: _dictionary(session, key))


def _dictionary(session: Session, key: int) -> bytes:
    row = session.get(ZstdDictRow, key)
    if row is None:
        raise LookupError(f"compression dictionary {key} is missing")
    return row.data


def latest_version(session: Session, page_id: int) -> VersionRow | None:
    return session.scalars(select(VersionRow).where(VersionRow.page_id == page_id)
                           .order_by(VersionRow.number.desc()).limit(1)).first()


def _state(page: PageRow, latest: VersionRow | None) -> LatestState:
    if latest is None:
        return LatestState(missing_streak=page.missing_streak, gone=page.gone_at is not None)
    declared = latest.declared_value or latest.declared_text
    return LatestState(version=latest.number, text_sha256=latest.content_sha256, title=latest.title,
                       declared=declared, missing_streak=page.missing_streak,
                       gone=page.gone_at is not None)


def ensure_page(session: Session, url: str, source: str, now: datetime) -> PageRow:
    page = session.scalars(select(PageRow).where(PageRow.url == url)).first()
    if page is not None:
        return page
    source_row = session.scalars(select(SourceRow).where(SourceRow.name == source)).one()
    page = PageRow(source_id=source_row.id, url=url, discovered_at=now, discovered_via="config",
                   info={})
    session.add(page)
    session.flush()
    return page


def record_check(session: Session, check: CheckInput, gone_after: int) -> RecordOutcome:
    """Record one check (call inside ``session.begin()``); see the module docstring."""
    analysis = check.analysis
    page = ensure_page(session, check.url, check.source, check.fetched_at)
    latest = latest_version(session, page.id)
    decision = classify_change(_state(page, latest), analysis.outcome, analysis.extracted,
                               gone_after, analysis.reason)
    row = CheckRow(page_id=page.id, run_id=check.run_id, fetched_at=check.fetched_at,
                   duration_ms=check.duration_ms, http_status=check.status,
                   final_url=check.final_url, outcome=decision.kind.value,
                   reason=decision.reason, body_sha256=analysis.body_sha256)
    session.add(row)
    version: VersionRow | None = None
    if decision.new_version:
        assert analysis.extracted is not None
        version = _add_version(session, page, latest, check, analysis.extracted)
        row.version_id = version.id
    event_id = None
    if decision.event:
        event = _event(session, page, latest, version, decision, check)
        session.add(event)
        session.flush()
        event_id = event.id
    _update_page(page, decision, check)
    session.flush()
    return RecordOutcome(decision.kind, version.number if version else None, event_id,
                         decision.reason)


def _add_version(session: Session, page: PageRow, latest: VersionRow | None, check: CheckInput,
                 extracted: Extracted) -> VersionRow:
    analysis = check.analysis
    body_digest = analysis.body_sha256
    assert body_digest is not None
    if analysis.compressed_body is not None:
        insert_blob(session, body_digest, b"", codec=analysis.codec,
                    payload=analysis.compressed_body, now=check.fetched_at, size=check.body_size)
    else:
        insert_blob(session, body_digest, check.body, now=check.fetched_at)
    text_bytes = extracted.text.encode("utf-8")
    insert_blob(session, extracted.text_sha256, text_bytes, now=check.fetched_at)
    number = (latest.number + 1) if latest else 1
    declared = extracted.declared
    fields = chain_fields(url=page.url, number=number, fetched_at=check.fetched_at,
                          body_sha256=body_digest, content_sha256=extracted.text_sha256,
                          title=extracted.title,
                          declared_text=declared.text if declared else None,
                          declared_value=declared.value if declared else None)
    version = VersionRow(
        page_id=page.id, number=number, fetched_at=check.fetched_at,
        http_status=check.status or 200, final_url=check.final_url,
        headers={k: v for k, v in check.headers.items() if k in KEPT_HEADERS},
        body_sha256=body_digest, content_sha256=extracted.text_sha256,
        content_type=analysis.content_type, encoding=analysis.encoding,
        title=extracted.title, language=extracted.language,
        declared_text=declared.text if declared else None,
        declared_value=declared.value if declared else None,
        declared_origin=declared.origin if declared else None,
        declared_kind=declared.kind if declared else None,
        declared_flags=list(declared.flags) if declared else [],
        headings=list(extracted.headings), meta=dict(extracted.metadata),
        chain_sha256=chain_hash(latest.chain_sha256 if latest else None, fields),
    )
    session.add(version)
    session.flush()
    return version


def _title(version: VersionRow | None, latest: VersionRow | None) -> str | None:
    shown = version or latest
    return shown.title if shown is not None else None


def _declared(version: VersionRow | None) -> str | None:
    if version is None:
        return None
    return version.declared_value or version.declared_text


def _event(session: Session, page: PageRow, latest: VersionRow | None,
           version: VersionRow | None, decision: Decision, check: CheckInput) -> EventRow:
    kind = decision.kind
    event = EventRow(page_id=page.id, kind=kind.value, detected_at=check.fetched_at,
                     from_version=latest.number if latest else None,
                     to_version=version.number if version else None,
                     last_modified_before=_declared(latest),
                     last_modified_after=_declared(version) if version else _declared(latest),
                     title=_title(version, latest),
                     summary="", details={})
    if kind is ChangeKind.NEW:
        assert version is not None
        text = check.analysis.extracted.text if check.analysis.extracted else ""
        lines = text.count("\n") + 1 if text else 0
        event.lines_added = lines
        event.summary = f"first version: {lines} lines" + (
            f", declared {version.declared_kind} date {version.declared_text}"
            if version.declared_text else "")
    elif kind is ChangeKind.CONTENT:
        assert latest is not None and version is not None and check.analysis.extracted
        old_text = read_blob(session, latest.content_sha256).decode("utf-8")
        headings = frozenset(latest.headings or []) | frozenset(version.headings or [])
        diff = diff_texts(old_text, check.analysis.extracted.text, headings)
        event.lines_added, event.lines_removed = diff.lines_added, diff.lines_removed
        event.summary = summarize_diff(diff)
        event.details = {"sections": [{"section": s, "lines": n} for s, n in diff.sections()]}
    elif kind is ChangeKind.METADATA:
        assert latest is not None and version is not None
        changes = []
        if _declared(latest) != _declared(version):
            changes.append(f"{'Last modified' if version.declared_kind != 'published' else 'date'}"
                           f" {latest.declared_text or 'none'} → {version.declared_text or 'none'}")
        if latest.title != version.title:
            changes.append(f"title “{latest.title or ''}” → “{version.title or ''}”")
        event.summary = "metadata only: " + "; ".join(changes)
        event.details = {"title_changed": latest.title != version.title,
                         "declared_changed": _declared(latest) != _declared(version)}
    elif kind is ChangeKind.GONE:
        event.summary = (f"gone: {decision.reason or 'missing'} on {page.missing_streak + 1} "
                         "consecutive checks")
        event.last_modified_after = None
    return event


def _update_page(page: PageRow, decision: Decision, check: CheckInput) -> None:
    outcome = check.analysis.outcome
    page.last_checked_at = check.fetched_at
    page.last_final_url = check.final_url or page.last_final_url
    if decision.kind in (ChangeKind.FAILED, ChangeKind.GONE):
        page.missing_streak = page.missing_streak + 1 if outcome is Outcome.MISSING else 0
        if page.failing_since is None:
            page.failing_since = check.fetched_at
        page.fail_count += 1
        page.last_error = decision.reason or outcome.value
        if decision.kind is ChangeKind.GONE:
            page.gone_at = check.fetched_at
        return
    page.missing_streak = 0
    page.gone_at = None
    page.failing_since = None
    page.fail_count = 0
    page.last_error = None
    page.last_ok_at = check.fetched_at
    if outcome is Outcome.OK:
        page.etag = check.headers.get("etag")
        page.http_last_modified = check.headers.get("last-modified")
    elif outcome is Outcome.NOT_MODIFIED:
        page.etag = check.headers.get("etag") or page.etag
        page.http_last_modified = check.headers.get("last-modified") or page.http_last_modified
