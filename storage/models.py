"""The versioned store's schema (SQLAlchemy 2 typed models).

::

    sources ─< pages ─< checks          every fetch attempt: time, status, duration, outcome, reason
                     ─< versions        distinct (text, title, declared date); raw capture by digest
                     ─< events          new / content / metadata / gone
    document_links                      page ─ document it links (pages of kind "document")
    blobs                               content-addressed, compressed bodies and texts
    runs                                one per source per cycle (status, next-run bookkeeping)
    deliveries                          report deliveries (target redacted, ok/error)
    zstd_dicts                          trained compression dictionaries
    requisite_urls ─< requisite_captures  page requisites (issue 14): validators; one fetch per run
    versions ─< version_requisites >─ requisite_captures   what each version was captured with

Times are timezone-aware UTC in Python on every backend (:class:`UtcDateTime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python; UTC on disk (naive on SQLite, timestamptz on PostgreSQL)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


IntPk = Annotated[int, mapped_column(Integer, primary_key=True, autoincrement=True)]
Sha256 = Annotated[str, mapped_column(String(64))]
Url = Annotated[str, mapped_column(String(2048))]
ShortText = Annotated[str, mapped_column(String(255))]


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
        bytes: LargeBinary,
        str: Text,
    }


class SourceRow(Base):
    __tablename__ = "sources"

    id: Mapped[IntPk]
    name: Mapped[ShortText] = mapped_column(unique=True)
    spider: Mapped[ShortText]
    organisation: Mapped[str | None]
    created_at: Mapped[datetime]

    pages: Mapped[list[PageRow]] = relationship(back_populates="source")
    runs: Mapped[list[RunRow]] = relationship(back_populates="source")


class PageRow(Base):
    __tablename__ = "pages"

    id: Mapped[IntPk]
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    url: Mapped[Url] = mapped_column(unique=True)
    discovered_at: Mapped[datetime]
    discovered_via: Mapped[ShortText] = mapped_column(default="config")  # config | discovery
    last_listed_at: Mapped[datetime | None]
    info: Mapped[dict[str, Any]] = mapped_column(default=dict)   # discovery facts: country, theme …
    # conditional-request validators of the last accepted 200 response
    etag: Mapped[str | None]
    http_last_modified: Mapped[str | None]
    # streaks
    missing_streak: Mapped[int] = mapped_column(default=0)
    gone_at: Mapped[datetime | None]
    failing_since: Mapped[datetime | None]
    fail_count: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None]
    last_checked_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    last_final_url: Mapped[str | None]
    # False once removed through the API (issue 8): the archive is kept, the page is not checked
    watched: Mapped[bool] = mapped_column(default=True, server_default=true())
    # "document" for a linked PDF/DOCX/XLSX/ODT file (issue 15), else "page"
    kind: Mapped[str] = mapped_column(String(16), default="page", server_default="page")

    source: Mapped[SourceRow] = relationship(back_populates="pages")
    versions: Mapped[list[VersionRow]] = relationship(back_populates="page",
                                                      order_by="VersionRow.number")
    checks: Mapped[list[CheckRow]] = relationship(back_populates="page")
    events: Mapped[list[EventRow]] = relationship(back_populates="page")


class DocumentLinkRow(Base):
    """A watched page links a watched document (seen at ``last_seen_at`` last; kept after the link
    disappears: the document stays watched)."""

    __tablename__ = "document_links"
    __table_args__ = (UniqueConstraint("document_id", "page_id", name="uq_document_links_pair"),
                      Index("ix_document_links_page", "page_id"))

    id: Mapped[IntPk]
    document_id: Mapped[int] = mapped_column(ForeignKey("pages.id", name="fk_document_links_document"))
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", name="fk_document_links_page"))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class RunRow(Base):
    __tablename__ = "runs"

    id: Mapped[IntPk]
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[ShortText] = mapped_column(default="running")  # running|completed|interrupted|failed
    trigger: Mapped[ShortText] = mapped_column(default="manual")   # manual | schedule | cluster
    pages_ok: Mapped[int] = mapped_column(default=0)
    pages_failed: Mapped[int] = mapped_column(default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    host: Mapped[str | None]
    pid: Mapped[int | None]

    source: Mapped[SourceRow] = relationship(back_populates="runs")


class CheckRow(Base):
    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_page_time", "page_id", "fetched_at"),)

    id: Mapped[IntPk]
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    fetched_at: Mapped[datetime]
    duration_ms: Mapped[int] = mapped_column(default=0)
    http_status: Mapped[int | None]
    final_url: Mapped[str | None]
    outcome: Mapped[ShortText]       # new|content|metadata|gone|unchanged|failed
    reason: Mapped[str | None]
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    version_id: Mapped[int | None] = mapped_column(ForeignKey("versions.id"))

    page: Mapped[PageRow] = relationship(back_populates="checks")


class BlobRow(Base):
    """Content-addressed storage: ``sha256`` of the uncompressed bytes is the key."""

    __tablename__ = "blobs"

    sha256: Mapped[Sha256] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    codec: Mapped[ShortText]               # raw | zstd | zstd-dict:<id>
    data: Mapped[bytes]
    created_at: Mapped[datetime]


class ZstdDictRow(Base):
    __tablename__ = "zstd_dicts"

    id: Mapped[IntPk]
    created_at: Mapped[datetime]
    data: Mapped[bytes]


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("page_id", "number", name="uq_versions_page_number"),
                      Index("ix_versions_page_fetched", "page_id", "fetched_at"))

    id: Mapped[IntPk]
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    number: Mapped[int]
    fetched_at: Mapped[datetime]
    http_status: Mapped[int]
    final_url: Mapped[str | None]
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body_sha256: Mapped[Sha256] = mapped_column(ForeignKey("blobs.sha256"))
    content_sha256: Mapped[Sha256] = mapped_column(ForeignKey("blobs.sha256"))
    content_type: Mapped[str | None]
    encoding: Mapped[str | None]
    title: Mapped[str | None]
    language: Mapped[str | None]
    declared_text: Mapped[str | None]
    declared_value: Mapped[str | None]
    declared_origin: Mapped[str | None]
    declared_kind: Mapped[str | None]
    declared_flags: Mapped[list[Any]] = mapped_column(default=list)
    headings: Mapped[list[Any]] = mapped_column(default=list)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    chain_sha256: Mapped[Sha256]
    # the main text's data tables (pipeline.tables.Table.as_json each); NULL: recorded before
    # tables were kept (computed from the capture when first asked for)
    tables: Mapped[list[Any] | None]
    # set by ``prune``: the raw capture (body blob) was dropped then; text and chain stay
    capture_pruned_at: Mapped[datetime | None]

    page: Mapped[PageRow] = relationship(back_populates="versions")


class EventRow(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_detected", "detected_at"),)

    id: Mapped[IntPk]
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"), index=True)
    check_id: Mapped[int | None] = mapped_column(ForeignKey("checks.id"))
    kind: Mapped[ShortText]
    detected_at: Mapped[datetime]
    from_version: Mapped[int | None]
    to_version: Mapped[int | None]
    last_modified_before: Mapped[str | None]
    last_modified_after: Mapped[str | None]
    title: Mapped[str | None]
    summary: Mapped[str]
    lines_added: Mapped[int] = mapped_column(default=0)
    lines_removed: Mapped[int] = mapped_column(default=0)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)   # sections changed, word counts …

    page: Mapped[PageRow] = relationship(back_populates="events")


class DeliveryRow(Base):
    __tablename__ = "deliveries"

    id: Mapped[IntPk]
    created_at: Mapped[datetime]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    target: Mapped[str]                 # secrets redacted
    ok: Mapped[bool]
    error: Mapped[str | None]
    attempts: Mapped[int] = mapped_column(default=1)
    subject: Mapped[str | None]
    event_ids: Mapped[list[Any]] = mapped_column(default=list)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DigestMarkRow(Base):
    """Periodic digests already taken care of (a ``daily`` digest is sent once per day, whichever
    process finishes a run first after the day ends claims it by inserting its unique key)."""

    __tablename__ = "digest_marks"

    id: Mapped[IntPk]
    key: Mapped[ShortText] = mapped_column(unique=True)     # "daily:2026-11-01"
    period_start: Mapped[datetime]
    period_end: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime]


class RequisiteUrlRow(Base):
    """A URL pages need to render (stylesheet, image, icon, font): its conditional-request
    validators and the digest of its last good content (issue 14)."""

    __tablename__ = "requisite_urls"

    id: Mapped[IntPk]
    url: Mapped[Url] = mapped_column(unique=True)
    etag: Mapped[str | None]
    http_last_modified: Mapped[str | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    media_type: Mapped[str | None] = mapped_column(String(255))
    checked_at: Mapped[datetime | None]


class RequisiteCaptureRow(Base):
    """One fetch of a requisite URL in one run (shared by every version of that run that needs it):
    the stored content's digest and media type, or why it failed."""

    __tablename__ = "requisite_captures"
    __table_args__ = (Index("ix_requisite_captures_url_time", "url_id", "fetched_at"),)

    id: Mapped[IntPk]
    url_id: Mapped[int] = mapped_column(ForeignKey("requisite_urls.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    fetched_at: Mapped[datetime]
    http_status: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64), ForeignKey("blobs.sha256"))
    media_type: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str | None]


class VersionRequisiteRow(Base):
    """Which requisite captures a version was captured with (its per-version list)."""

    __tablename__ = "version_requisites"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy reads it once

    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("requisite_captures.id"), primary_key=True)
