"""The validated configuration's types: frozen dataclasses, and the kind lists every layer shares.

Nothing here parses: :mod:`profilewatch.config.convert` turns raw values into these, and
:mod:`profilewatch.config.load` reads the file and the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pipeline.types import EVENT_KINDS
from profilewatch.errors import ConfigError

DEFAULT_CONFIG_NAME = "profilewatch.toml"
DEFAULT_DB_URL = "sqlite:///profilewatch.db"
DEFAULT_USER_AGENT = "profilewatch/1.0 (+https://github.com/profilewatch/profilewatch)"

@dataclass(frozen=True)
class Schedule:
    """When a source runs: an interval in seconds or a 5-field cron expression."""

    text: str
    seconds: int | None = None
    cron: str | None = None

    @property
    def nominal_seconds(self) -> int:
        """The expected time between two runs (used to decide when a source is stale)."""
        if self.seconds is not None:
            return self.seconds
        from apscheduler.triggers.cron import CronTrigger  # local: only cron schedules need it

        trigger = CronTrigger.from_crontab(self.cron or "0 0 * * *", timezone=UTC)
        first = trigger.get_next_fire_time(None, datetime.now(UTC))
        if first is None:
            return 86400
        second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
        return int((second - first).total_seconds()) if second else 86400


# Spiders that watch linked documents unless a source says ``documents = false`` (issue 15).
DOCUMENT_SPIDERS = frozenset({"unicef", "undp", "unesco"})


@dataclass(frozen=True)
class Settings:
    """The ``[settings]`` table: crawl behaviour shared by every source."""

    obey_robots: bool = True
    concurrency: int = 8
    per_domain_concurrency: int = 2
    delay: float = 0.5
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 30.0
    retries: int = 2
    max_bytes: int = 10 * 1024 * 1024
    document_max_bytes: int = 50 * 1024 * 1024   # linked documents (issue 15): larger than pages
    gone_after: int = 2
    workers: int | None = None  # None: automatic (inline for small runs, one per core for large ones)
    requisites: bool = True                              # page requisites of new versions (issue 14)
    requisites_max_bytes: int = 10 * 1024 * 1024         # per version
    requisite_max_bytes: int = 3 * 1024 * 1024           # per file


@dataclass(frozen=True)
class SourceConfig:
    """One ``[[source]]``: what to watch and how."""

    name: str
    spider: str = "generic"
    urls: tuple[str, ...] = ()
    schedule: Schedule = field(default_factory=lambda: Schedule("1d", seconds=86400))
    ignore: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    max_pages: int = 500
    allowed_domains: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    organisation: str | None = None
    languages: tuple[str, ...] = ()   # language versions to watch besides each page's own (all if empty)
    sitemaps: tuple[str, ...] = ()    # sitemap.xml URLs to discover pages from (never watched themselves)
    documents: bool | None = None          # watch linked documents; None: on for the site spiders
    document_max_bytes: int | None = None  # None: the [settings] value

    @property
    def watch_documents(self) -> bool:
        return self.documents if self.documents is not None else self.spider in DOCUMENT_SPIDERS

    @property
    def hosts(self) -> frozenset[str]:
        """Hosts trusted for this source: those of its URLs plus ``allowed_domains``."""
        hosts = {(urlsplit(u).hostname or "").lower() for u in self.urls}
        hosts.update(d.lower() for d in self.allowed_domains)
        hosts.discard("")
        return frozenset(hosts)


@dataclass(frozen=True)
class ReportSettings:
    """The ``[reports]`` table: where change reports go."""

    notify: tuple[str, ...] = ()
    digest: str = "run"
    kinds: tuple[str, ...] = EVENT_KINDS
    errors: bool = True
    subject: str = "profilewatch: {summary}"


@dataclass(frozen=True)
class ServeSettings:
    """The ``[serve]`` table: the HTTP API and web UI. ``token`` (else env ``PROFILEWATCH_TOKEN``)
    enables the write endpoints as a bearer token; without one the server is read-only."""

    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class ClusterSettings:
    """The ``[cluster]`` table: multi-machine mode on procrastinate."""

    enabled: bool = False
    database_url: str | None = None
    queue: str = "profilewatch"
    pages_per_job: int = 50
    # A worker silent (no heartbeat) this long counts as dead: its jobs are retried elsewhere.
    stalled_after: float = 30.0


@dataclass(frozen=True)
class RetentionSettings:
    """The ``[retention]`` table: ``captures_max_age`` (an interval, e.g. ``"365d"``) makes the
    daemon drop, after a run and at most once a day, the raw captures of versions superseded more
    than that long ago (as ``profilewatch prune``); unset, every capture is kept."""

    captures_max_age: int | None = None       # seconds


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    path: str | None
    settings: Settings = field(default_factory=Settings)
    sources: tuple[SourceConfig, ...] = ()
    reports: ReportSettings = field(default_factory=ReportSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} (known: {known})", path=self.path)

    def with_settings(self, **changes: Any) -> Config:
        return replace(self, settings=replace(self.settings, **changes))
