"""Value converters of the config: each takes ``(value, key, where)`` and returns the normalised value.

Every accepted spelling becomes one normalised form here. A bad value raises :class:`ConfigError`
naming the file, the source and the key; values of keys that may hold secrets (notification URLs,
tokens) are never echoed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pipeline.ignore import IgnoreSpecError, parse_ignore
from pipeline.types import EVENT_KINDS, SPIDER_KINDS
from profilewatch.config.types import Schedule
from profilewatch.errors import ConfigError

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


# The usual spelling of an http(s) URL (lower-case scheme, a plain host name or address, a port of
# at most 4 digits, printable ASCII after it), accepted without ``urlsplit``: a 100,000-page
# watchlist then loads in 0.6 s instead of 1.5 s. Anything else takes the full check below.
PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,4})?(?:[/?#][!-~]*)?", re.ASCII)


def _url(value: Any, key: str, where: _Where) -> str:
    text = _str(value, key, where)
    if PLAIN_URL.fullmatch(text):
        return text
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


SETTINGS_KEYS: dict[str, Converter] = {
    "obey_robots": _bool,
    "concurrency": _int(1, 512),
    "per_domain_concurrency": _int(1, 64),
    "delay": _float(0.0),
    "user_agent": _str,
    "timeout": _float(1.0),
    "retries": _int(0, 10),
    "max_bytes": _int(1024),
    "document_max_bytes": _int(1024),
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
    "documents": _bool,
    "document_max_bytes": _int(1024),
}

REPORT_KEYS: dict[str, Converter] = {
    "notify": _str_list(_notify),
    "digest": _choice("run", "change", "daily"),
    "kinds": _str_list(_choice(*EVENT_KINDS)),
    "errors": _bool,
    "subject": _str,
}

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


def _max_age(value: Any, key: str, where: _Where) -> int:
    text = _str(value, key, where)
    match = INTERVAL_RE.match(text)
    if not match or int(match.group(1)) <= 0:
        raise where.error(key, f"{text!r} must be a positive interval such as \"365d\" "
                               "(s, m, h or d)")
    return int(match.group(1)) * INTERVAL_UNITS[match.group(2)]


RETENTION_KEYS: dict[str, Converter] = {"captures_max_age": _max_age}
