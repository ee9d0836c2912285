"""Configuration: built-in defaults → TOML file → environment, validated into frozen dataclasses.

Every accepted spelling becomes one normalised form here; nothing past this module sees a raw dict.
An unknown section or key, a bad value or a duplicate source name raises :class:`ConfigError`
naming the file, the source and the key. Values are never echoed in errors for keys that may hold
secrets (notification URLs, tokens).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.ignore import IgnoreSpecError, parse_ignore
from profilewatch.errors import ConfigError
from profilewatch.watchlist import BUILTIN_SOURCES

DEFAULT_CONFIG_NAME = "profilewatch.toml"
DEFAULT_DB_URL = "sqlite:///profilewatch.db"
DEFAULT_USER_AGENT = "profilewatch/1.0 (+https://github.com/profilewatch/profilewatch)"
SPIDER_KINDS = ("generic", "unesco", "unicef", "undp")
EVENT_KINDS = ("new", "content", "metadata", "gone")
SOURCE_NAME_RE = re.compile(r"^[a-z0-9-]+$")
INTERVAL_RE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
INTERVAL_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,4})?$")
ENV_REF_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
TOKEN_ENV = "PROFILEWATCH_TOKEN"      # the serve token when [serve] token is not set
# Shortest serve token accepted: 16 characters of a random token are ~80-96 bits, out of reach
# of guessing over HTTP; a shorter one is refused rather than protecting the write endpoints weakly.
MIN_TOKEN_CHARS = 16
PLAIN_KEY_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


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
    # Set by `run --url` (a cluster batch), never by the TOML file: check only these pages of the
    # source (None: all of them), and read its listings and sitemaps (discovery) or not.
    only_urls: tuple[str, ...] | None = None
    discover: bool = True

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
class Config:
    """The whole validated configuration."""

    path: str | None
    settings: Settings = field(default_factory=Settings)
    sources: tuple[SourceConfig, ...] = ()
    reports: ReportSettings = field(default_factory=ReportSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    cluster: ClusterSettings = field(default_factory=ClusterSettings)

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} (known: {known})", path=self.path)

    def with_settings(self, **changes: Any) -> Config:
        return replace(self, settings=replace(self.settings, **changes))


# --- value converters: each takes (value, where) and returns the normalised value ----------------

class _Where:
    """Where a value sits, for error messages."""

    def __init__(self, path: str | None, source: str | None = None) -> None:
        self.path = path
        self.source = source

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(message, path=self.path or "<built-in>", source=self.source, key=key)


Converter = Callable[[Any, str, _Where], Any]


def _bool(value: Any, key: str, where: _Where) -> bool:
    if isinstance(value, bool):
        return value
    raise where.error(key, f"must be true or false, not {type(value).__name__}")


def _int(minimum: int, maximum: int | None = None) -> Converter:
    def convert(value: Any, key: str, where: _Where) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise where.error(key, f"must be an integer, not {type(value).__name__}")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise where.error(key, f"must be {bound}, got {value}")
        return value
    return convert


def _float(minimum: float) -> Converter:
    def convert(value: Any, key: str, where: _Where) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise where.error(key, f"must be a number, not {type(value).__name__}")
        if value < minimum:
            raise where.error(key, f"must be >= {minimum}, got {value}")
        return float(value)
    return convert


def _str(value: Any, key: str, where: _Where) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error(key, "must be a non-empty string")
    return value.strip()


def _secret_str(value: Any, key: str, where: _Where) -> str:
    if not isinstance(value, str) or not value.strip():
        raise where.error(key, "must be a non-empty string (value not shown: it may hold a secret)")
    return value.strip()


def _choice(*choices: str) -> Converter:
    def convert(value: Any, key: str, where: _Where) -> str:
        if not isinstance(value, str) or value.strip().lower() not in choices:
            raise where.error(key, f"must be one of {', '.join(choices)}")
        return value.strip().lower()
    return convert


def _str_list(item: Converter = _str, *, allow_empty: bool = True) -> Converter:
    def convert(value: Any, key: str, where: _Where) -> tuple[Any, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise where.error(key, "must be a list of strings")
        if not value and not allow_empty:
            raise where.error(key, "must not be empty")
        return tuple(item(v, key, where) for v in value)
    return convert


def shown_url(text: str) -> str:
    """``text`` as an error message may quote it: credentials (``user:password@``, or a token as
    the user name) are masked, and text with an ``@`` that is not a URL's is not shown at all."""
    try:
        parts = urlsplit(text)
    except ValueError:
        return "(a URL, not shown)"
    _, at, hostport = parts.netloc.rpartition("@")
    if at:
        return parts._replace(netloc=f"****@{hostport}").geturl()
    return "(a value with '@', not shown)" if "@" in text else text


def _url(value: Any, key: str, where: _Where) -> str:
    text = _str(value, key, where)
    try:
        parts = urlsplit(text)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port   # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        ok = False
    if not ok:
        raise where.error(key, f"{shown_url(text)!r} is not an http(s) URL")
    return text


def _workers(value: Any, key: str, where: _Where) -> int | None:
    if value == "auto":
        return None
    workers: int = _int(0, 64)(value, key, where)
    return workers


def _domain(value: Any, key: str, where: _Where) -> str:
    text = _str(value, key, where).lower()
    if "/" in text or ":" in text or " " in text:
        raise where.error(key, f"{text!r} is not a host name")
    return text


def _language(value: Any, key: str, where: _Where) -> str:
    text = _str(value, key, where).lower()
    if not LANGUAGE_RE.match(text):
        raise where.error(key, f"{text!r} is not a language code (en, fr, kk, zh-hans …)")
    return text


def _slug(value: Any, key: str, where: _Where) -> str:
    text = _str(value, key, where).lower()
    if not SOURCE_NAME_RE.match(text):
        raise where.error(key, f"{text!r} must match [a-z0-9-]+")
    return text


def parse_schedule(value: Any, key: str = "schedule", where: _Where | None = None) -> Schedule:
    """``"30s"``/``"30m"``/``"6h"``/``"1d"`` intervals or a 5-field cron expression."""
    where = where or _Where(None)
    text = _str(value, key, where)
    match = INTERVAL_RE.match(text)
    if match:
        seconds = int(match.group(1)) * INTERVAL_UNITS[match.group(2)]
        if seconds <= 0:
            raise where.error(key, f"interval {text!r} must be positive")
        return Schedule(text, seconds=seconds)
    fields = text.split()
    if len(fields) != 5:
        raise where.error(key, f"{text!r} is neither an interval (30s, 30m, 6h, 1d) nor 5-field cron")
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(text)
    except ValueError as exc:
        raise where.error(key, f"bad cron expression {text!r}: {exc}") from None
    return Schedule(text, cron=" ".join(fields))


def _schedule(value: Any, key: str, where: _Where) -> Schedule:
    return parse_schedule(value, key, where)


def _ignore(value: Any, key: str, where: _Where) -> str:
    text = _str(value, key, where)
    try:
        return parse_ignore(text).spec
    except IgnoreSpecError as exc:
        raise where.error(key, str(exc)) from None


def _notify(value: Any, key: str, where: _Where) -> str:
    text = _secret_str(value, key, where)
    return expand_env(text, key, where)


def expand_env(text: str, key: str, where: _Where) -> str:
    """Replace ``${NAME}`` by the environment variable (an unset one is an error, named, not shown)."""
    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise where.error(key, f"environment variable {name} is not set")
        return os.environ[name]
    return ENV_REF_RE.sub(substitute, text)


SETTINGS_KEYS: dict[str, Converter] = {
    "obey_robots": _bool,
    "concurrency": _int(1, 512),
    "per_domain_concurrency": _int(1, 64),
    "delay": _float(0.0),
    "user_agent": _str,
    "timeout": _float(1.0),
    "retries": _int(0, 10),
    "max_bytes": _int(1024),
    "gone_after": _int(1, 100),
    "workers": _workers,
    "requisites": _bool, "requisites_max_bytes": _int(0), "requisite_max_bytes": _int(1024),
}

SOURCE_KEYS: dict[str, Converter] = {
    "name": _slug,
    "spider": _choice(*SPIDER_KINDS),
    "urls": _str_list(_url),
    "schedule": _schedule,
    "ignore": _str_list(_ignore),
    "countries": _str_list(_slug),
    "sections": _str_list(_slug),
    "max_pages": _int(1, 1_000_000),
    "allowed_domains": _str_list(_domain),
    "notify": _str_list(_notify),
    "organisation": _str,
    "languages": _str_list(_language),
    "sitemaps": _str_list(_url),
}

REPORT_KEYS: dict[str, Converter] = {
    "notify": _str_list(_notify),
    "digest": _choice("run", "change", "daily"),
    "kinds": _str_list(_choice(*EVENT_KINDS)),
    "errors": _bool,
    "subject": _str,
}

def _token(value: Any, key: str, where: _Where) -> str:
    token = expand_env(_secret_str(value, key, where), key, where)
    if len(token) < MIN_TOKEN_CHARS:
        raise where.error(key, f"must be at least {MIN_TOKEN_CHARS} characters (value not shown)")
    return token


def _env_token() -> str:
    token = os.environ[TOKEN_ENV].strip()
    if len(token) < MIN_TOKEN_CHARS:
        raise ConfigError(f"environment variable {TOKEN_ENV} must be at least {MIN_TOKEN_CHARS} "
                          "characters (value not shown)")
    return token


SERVE_KEYS: dict[str, Converter] = {
    "host": _str,
    "port": _int(0, 65535),
    "public_url": _url,
    "token": _token,
}

CLUSTER_KEYS: dict[str, Converter] = {
    "enabled": _bool,
    "database_url": lambda v, k, w: expand_env(_secret_str(v, k, w), k, w),
    "queue": _slug,
    "pages_per_job": _int(1, 10_000),
    "stalled_after": _float(1.0),
}


def _convert_table(table: Any, keys: Mapping[str, Converter], where: _Where,
                   section: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise where.error(section, "must be a table")
    out: dict[str, Any] = {}
    for key, value in table.items():
        converter = keys.get(key)
        shown = key if PLAIN_KEY_RE.match(key) else "(a key not shown)"
        label = f"{section}.{shown}" if section != "source" else shown
        if converter is None:
            raise where.error(label, f"unknown key (known: {', '.join(sorted(keys))})")
        out[key] = converter(value, label, where)
    return out


def _source_from_table(table: Any, index: int, path: str | None) -> SourceConfig:
    name = table.get("name") if isinstance(table, dict) else None
    where = _Where(path, name if isinstance(name, str) else f"#{index + 1}")
    values = _convert_table(table, SOURCE_KEYS, where, "source")
    if "name" not in values:
        raise where.error("name", "is required")
    where.source = values["name"]
    if not values.get("urls"):
        raise where.error("urls", "is required (at least one start URL)")
    return SourceConfig(**values)


def config_from_mapping(data: Mapping[str, Any], path: str | None) -> Config:
    """Validate a parsed TOML document."""
    where = _Where(path)
    known = {"settings", "source", "reports", "serve", "cluster"}
    for key in data:
        if key not in known:
            shown = key if PLAIN_KEY_RE.match(key) else "(a key not shown)"
            raise where.error(shown, f"unknown section (known: {', '.join(sorted(known))})")
    settings = Settings(**_convert_table(data.get("settings", {}), SETTINGS_KEYS, where, "settings"))
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list):
        raise where.error("source", "must be an array of tables: [[source]]")
    sources = tuple(_source_from_table(t, i, path) for i, t in enumerate(raw_sources))
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            raise ConfigError("duplicate source name", path=path, source=source.name, key="name")
        seen.add(source.name)
    if not sources:
        raise where.error("source", "no [[source]] defined")
    reports = ReportSettings(**_convert_table(data.get("reports", {}), REPORT_KEYS, where, "reports"))
    serve_values = _convert_table(data.get("serve", {}), SERVE_KEYS, where, "serve")
    if "token" not in serve_values and os.environ.get(TOKEN_ENV, "").strip():
        serve_values["token"] = _env_token()
    serve = ServeSettings(**serve_values)
    cluster = ClusterSettings(**_convert_table(data.get("cluster", {}), CLUSTER_KEYS, where, "cluster"))
    return Config(path=path, settings=settings, sources=sources, reports=reports, serve=serve,
                  cluster=cluster)


def builtin_config() -> Config:
    """The watchlist the project was started for (no config file)."""
    return config_from_mapping({"source": [dict(s) for s in BUILTIN_SOURCES]}, None)


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Load ``path``; with ``None``, ``./profilewatch.toml`` if it exists, else the built-in list."""
    if path is None:
        env_path = os.environ.get("PROFILEWATCH_CONFIG")
        if env_path:
            path = env_path
        elif Path(DEFAULT_CONFIG_NAME).is_file():
            path = DEFAULT_CONFIG_NAME
        else:
            return builtin_config()
    path_text = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError("file not found", path=path_text) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", path=path_text) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", path=path_text) from None
    except tomllib.TOMLDecodeError as exc:
        # the decoder's message names line and column, never the value itself
        raise ConfigError(f"invalid TOML: {exc}", path=path_text) from None
    return config_from_mapping(data, path_text)


def resolve_db_url(option: str | None) -> str:
    """``--db`` beats ``PROFILEWATCH_DB`` beats the SQLite file in the working directory."""
    return option or os.environ.get("PROFILEWATCH_DB") or DEFAULT_DB_URL
