"""Plain records the store API returns (never ORM objects: sessions stay inside ``storage``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipeline.types import Analysis, ChangeKind


def iso(moment: datetime | None) -> str | None:
    """UTC ISO-8601 with ``Z``, to the second (the contract's output form)."""
    if moment is None:
        return None
    # isoformat is C and ~10x quicker than strftime (a listing of 100,000 events prints 100,000)
    return moment.isoformat(timespec="seconds")[:19] + "Z"


@dataclass(frozen=True, slots=True)
class CheckInput:
    """One analysed fetch, ready to be recorded."""

    url: str
    source: str
    fetched_at: datetime
    analysis: Analysis
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    duration_ms: int = 0
    run_id: int | None = None
    body: bytes = b""          # the raw body, when the analysis did not compress it already
    body_size: int = 0
    ignores: tuple[str, ...] = ()   # the source's ignore specs (to read again the tables of a
                                    # version recorded before tables were kept)


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    kind: ChangeKind
    version: int | None = None
    event_id: int | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class VersionInfo:
    url: str
    version: int
    fetched_at: datetime
    content_sha256: str
    body_sha256: str
    last_modified: str | None
    last_modified_text: str | None
    last_modified_kind: str | None
    title: str | None
    http_status: int
    final_url: str | None
    language: str | None
    content_type: str | None
    chain_sha256: str
    source: str
    organisation: str | None
    metadata: dict[str, Any]
    headings: tuple[str, ...]
    # when ``prune`` dropped the raw capture (text, digests and chain stay); None: it is kept
    capture_pruned_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """The ``history --json`` shape of the contract (plus extra fields)."""
        return {
            "version": self.version,
            "fetched_at": iso(self.fetched_at),
            "content_sha256": self.content_sha256,
            "last_modified": self.last_modified,
            "last_modified_text": self.last_modified_text,
            "title": self.title,
            "http_status": self.http_status,
            "final_url": self.final_url,
            "body_sha256": self.body_sha256,
            "language": self.language,
            "capture_pruned_at": iso(self.capture_pruned_at) if self.capture_pruned_at else None,
        }


@dataclass(frozen=True, slots=True)
class EventInfo:
    id: int
    url: str
    source: str
    kind: str
    detected_at: datetime
    from_version: int | None
    to_version: int | None
    last_modified_before: str | None
    last_modified_after: str | None
    title: str | None
    summary: str
    lines_added: int
    lines_removed: int
    details: dict[str, Any]
    organisation: str | None = None
    document: bool = False                 # a linked document (issue 15), not an HTML page
    linked_from: tuple[str, ...] = ()      # the pages that link the document

    def as_json(self) -> dict[str, Any]:
        """The ``changes --json`` shape of the contract (``tables``: the changed cells of a
        ``content`` event of an HTML page, issue 16)."""
        out: dict[str, Any] = {
            "id": self.id,
            "url": self.url,
            "source": self.source,
            "kind": self.kind,
            "detected_at": iso(self.detected_at),
            "from_version": self.from_version,
            "to_version": self.to_version,
            "last_modified_before": self.last_modified_before,
            "last_modified_after": self.last_modified_after,
            "title": self.title,
            "summary": self.summary,
            "lines_added": self.lines_added,
            "lines_removed": self.lines_removed,
            "document": self.document,
            **({"linked_from": list(self.linked_from)} if self.document else {}),
        }
        if self.kind == "content" and "tables" in self.details:
            out["tables"] = self.details["tables"]
        return out


@dataclass(frozen=True, slots=True)
class PageInfo:
    url: str
    source: str
    discovered_at: datetime
    discovered_via: str
    info: dict[str, Any]
    versions: int
    last_checked_at: datetime | None
    last_ok_at: datetime | None
    failing_since: datetime | None
    fail_count: int
    last_error: str | None
    gone_at: datetime | None
    last_change_at: datetime | None = None
    watched: bool = True               # False: removed through the API, archive kept


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    source: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    trigger: str
    pages_ok: int
    pages_failed: int
    counts: dict[str, Any]
