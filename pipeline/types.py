"""The values that flow between pipeline stages. All are frozen, typed and picklable (they cross
process boundaries to extraction workers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pipeline.tables.model import Table


class Outcome(StrEnum):
    """What a fetch amounts to, before it is compared with the store."""

    OK = "ok"                      # usable page: extracted text and metadata
    NOT_MODIFIED = "not_modified"  # 304 to a conditional request
    MISSING = "missing"            # 404 / 410: counts toward ``gone``
    FAILED = "failed"              # anything else: a failed check with a reason


class ChangeKind(StrEnum):
    """The event kinds of the contract, plus the two outcomes that make no event, in the order a
    run's summary counts them."""

    NEW = "new"
    CONTENT = "content"
    METADATA = "metadata"
    UNCHANGED = "unchanged"
    GONE = "gone"
    FAILED = "failed"


# The kind lists every layer shares (config validation, CLI choices, API enum, run summaries),
# written once here.
CHECK_KINDS: tuple[str, ...] = tuple(kind.value for kind in ChangeKind)
EVENT_KINDS: tuple[str, ...] = tuple(
    kind.value for kind in ChangeKind if kind not in (ChangeKind.UNCHANGED, ChangeKind.FAILED))
# The ``spider =`` kinds of the config: one site family each (pipeline.sites and crawler.spiders
# register one class per kind, and refuse any other).
SPIDER_KINDS: tuple[str, ...] = ("generic", "unesco", "unicef", "undp")


@dataclass(frozen=True, slots=True)
class Fetched:
    """One HTTP exchange (or failed attempt) for a watched page, as the crawler saw it."""

    url: str                      # the watched URL: the key of the page
    source: str
    fetched_at: datetime          # when the response (or the failure) arrived, UTC
    status: int | None = None     # None when no HTTP response arrived
    final_url: str | None = None  # after redirects
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names, first value
    body: bytes = b""
    error: str | None = None      # transport failure (timeout, reset, robots, too large …)
    duration_ms: int = 0
    hints: dict[str, Any] = field(default_factory=dict)  # spider knowledge: site, country, theme …


@dataclass(frozen=True, slots=True)
class DeclaredDate:
    """The page's own "Last modified" / publication date."""

    text: str                     # the literal text, as on the page
    value: str | None             # ISO-8601 (date, naive or UTC datetime); None when not trusted
    origin: str                   # where it was found: ``last-modified-line``, ``meta``, ``json-ld``…
    kind: str = "modified"        # ``modified`` or ``published``
    flags: tuple[str, ...] = ()   # e.g. ``weekday-mismatch``

    @property
    def comparable(self) -> str:
        """What two versions compare: the parsed value, else the literal."""
        return self.value or self.text


@dataclass(frozen=True, slots=True)
class Extracted:
    """A usable page: normalised main text plus metadata."""

    text: str
    text_sha256: str
    title: str | None = None
    language: str | None = None
    declared: DeclaredDate | None = None
    headings: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)   # organisation, country, theme …
    tables: tuple[Table, ...] | None = None   # data tables of the main text; None: not an HTML page


@dataclass(frozen=True, slots=True)
class Analysis:
    """The result of the pure pipeline for one fetch."""

    outcome: Outcome
    reason: str | None = None
    extracted: Extracted | None = None
    body_sha256: str | None = None
    content_type: str | None = None
    encoding: str | None = None
    compressed_body: bytes | None = None   # body compressed in the worker (storage codec)
    codec: str | None = None
    compressed_text: bytes | None = None   # extracted text, likewise
    text_codec: str | None = None
    # a new page's requisites, (URL, kind) stylesheets first (pipeline.requisites), read from the
    # tree the analysis parsed; None when not read (requisites off, or a known page)
    requisites: tuple[tuple[str, str], ...] | None = None
    timings: tuple[tuple[str, float], ...] = ()   # per-stage CPU seconds (pipeline.stagetimes)


@dataclass(frozen=True, slots=True)
class PageState:
    """What we know of a page: its validators, streaks and latest version (the one page type).

    The store loads it once per run for a whole source; :func:`pipeline.transition.transition`
    turns it and one check into the next state, so recording a check needs no query (the run lock
    makes the run the only writer of its source's pages). Extraction workers get it too (it is
    picklable) to skip compressing a text that is already stored."""

    page_id: int
    url: str
    etag: str | None = None
    http_last_modified: str | None = None
    missing_streak: int = 0           # consecutive 404/410 checks
    gone_at: datetime | None = None   # a ``gone`` event was recorded and the page has not returned
    failing_since: datetime | None = None
    fail_count: int = 0
    last_error: str | None = None
    last_checked_at: datetime | None = None
    last_ok_at: datetime | None = None
    last_final_url: str | None = None
    version: int | None = None        # number of the latest version (None: no version yet)
    version_id: int | None = None     # its row id (assigned by the store)
    content_sha256: str | None = None
    body_sha256: str | None = None
    title: str | None = None
    declared_text: str | None = None
    declared_value: str | None = None
    declared_kind: str | None = None
    chain_sha256: str | None = None   # its hash-chain link (computed by the store)
    headings: tuple[str, ...] = ()
    # the latest version's identity, for the not-the-page rule (pipeline.identity)
    version_final_url: str | None = None
    version_h1: str | None = None
    version_language: str | None = None

    @property
    def declared(self) -> str | None:
        """:attr:`DeclaredDate.comparable` of the latest version."""
        return self.declared_value or self.declared_text

    @property
    def gone(self) -> bool:
        return self.gone_at is not None


@dataclass(frozen=True, slots=True)
class Profile:
    """How to analyse the pages of one source (picklable: sent to workers)."""

    site: str = "generic"
    ignores: tuple[str, ...] = ()
    organisation: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    requisites: bool = False        # the run captures page requisites (issue 14)
