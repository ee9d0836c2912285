"""Notification targets: Apprise URLs with their secrets kept out of sight.

A :class:`Target` knows its real URL (never printed: ``repr`` hides it), a redacted form for logs,
reports and the store (``json://bob:****@host/hook``), and the secret strings it holds, so that any
message (an exception, a line Apprise logged) can be scrubbed before anyone sees it. A part of the
URL is kept in the redacted form only when Apprise's own privacy rendering keeps it too; anything
Apprise cannot parse is hidden whole.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import quote, unquote, urlsplit

MASK = "****"
# Shorter fragments are not scrubbed from messages (a one-letter "secret" would mangle every
# line); passwords are always masked in the redacted URL whatever their length.
MIN_SECRET_CHARS = 3
APPRISE_LOGGER = "apprise"
# Apprise's logger and those of the HTTP stack it sends with: urllib3 logs every request line at
# debug level ("POST /hook?token=… HTTP/1.1"), and some services carry their token in the path or
# the query, so none of them may reach the user's log (-vv) unscrubbed.
QUIET_LOGGERS = (APPRISE_LOGGER, "urllib3", "requests")
# Query parameters that hold addresses or options, shown as written.
PLAIN_QUERY_KEYS = frozenset({"to", "cc", "bcc", "from", "smtp", "mode", "format", "overflow",
                              "priority", "method", "name", "reply", "image", "footer", "tags"})
# Query parameters always masked: Apprise's header (``+``), payload (``:``) and argument (``-``)
# overrides, and names that say what they hold (Apprise's privacy rendering shows some of them).
SECRET_QUERY_RE = re.compile(r"^[-+:]|token|key|secret|pass|auth|sig|code|hook|cred", re.I)


@dataclass(frozen=True)
class Target:
    """One notification URL; ``source`` is None for a global (``[reports] notify``) target."""

    url: str = field(repr=False)
    redacted: str
    secrets: tuple[str, ...] = field(repr=False, default=())
    source: str | None = None

    def scrub(self, text: str) -> str:
        """``text`` with every secret of this target masked."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def __str__(self) -> str:
        return self.redacted


@functools.cache
def load_apprise() -> ModuleType:
    """Apprise, with its service plugins loaded (once, from the main thread)."""
    with warnings.catch_warnings():
        # its e-mail plugin imports the stdlib ``imghdr``, deprecated since Python 3.11
        warnings.simplefilter("ignore", DeprecationWarning)
        import apprise
        from apprise.plugins import N_MGR

        manager: Any = N_MGR
        manager.load_modules()
    return apprise


def _privacy_url(url: str) -> str | None:
    """Apprise's own redacted rendering of ``url``; None when Apprise cannot use it."""
    apprise = load_apprise()
    with quiet_apprise():
        client = apprise.Apprise()
        if not client.add(url):
            return None
        plugin: Any = client[0]
        return str(plugin.url(privacy=True))


def _variants(value: str) -> set[str]:
    return {value, unquote(value), quote(unquote(value), safe=""), quote(unquote(value))}


def _kept(value: str, privacy: str) -> bool:
    return any(v and v in privacy for v in _variants(value))


def parse_target(url: str, source: str | None = None) -> Target:
    """A :class:`Target` for an Apprise URL (redaction happens here, once)."""
    url = url.strip()
    scheme, sep, _ = url.partition("://")
    privacy = _privacy_url(url)
    if privacy is None or not sep:
        label = f"{scheme}://{MASK}" if sep else MASK
        return Target(url, label, _secret_list([url.partition("://")[2] or url]), source)
    parts = urlsplit(url)
    secrets: list[str] = []

    def keep_or_mask(value: str) -> str:
        if not value or _kept(value, privacy):
            return value
        secrets.append(value)
        return MASK

    netloc = parts.netloc
    userinfo, at, hostport = netloc.rpartition("@")
    if at:
        user, colon, password = userinfo.partition(":")
        if colon:
            secrets.append(password)
        userinfo = keep_or_mask(user) + (f":{MASK}" if colon else "")
        netloc = f"{userinfo}@{keep_or_mask(hostport)}"
    else:
        netloc = keep_or_mask(hostport)
    path = "/".join(keep_or_mask(segment) for segment in parts.path.split("/"))
    pairs = []
    for pair in filter(None, parts.query.split("&")):
        key, eq, value = pair.partition("=")
        if not eq:
            pairs.append(keep_or_mask(key))
        elif unquote(key).lower() in PLAIN_QUERY_KEYS:
            pairs.append(pair)
        elif SECRET_QUERY_RE.search(unquote(key)):
            secrets.append(value)
            pairs.append(f"{key}={MASK}")
        else:
            pairs.append(f"{key}={keep_or_mask(value)}")
    query = "&".join(pairs)
    redacted = f"{parts.scheme}://{netloc}{path}"
    if query:
        redacted += f"?{query}"
    if parts.fragment:
        redacted += f"#{keep_or_mask(parts.fragment)}"
    return Target(url, redacted, _secret_list(secrets), source)


def _secret_list(values: list[str]) -> tuple[str, ...]:
    found: set[str] = set()
    for value in values:
        for variant in _variants(value):
            if len(variant) >= MIN_SECRET_CHARS:
                found.add(variant)
    return tuple(sorted(found, key=len, reverse=True))   # longest first: no partial masking


class AppriseLog(logging.Handler):
    """Apprise's log lines, kept per thread (each delivery runs in its own thread)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.lines: dict[int, list[str]] = defaultdict(list)
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._guard:
            self.lines[record.thread or 0].append(record.getMessage())

    def take(self) -> list[str]:
        """This thread's lines since the last call."""
        with self._guard:
            return self.lines.pop(threading.get_ident(), [])


@contextmanager
def quiet_apprise() -> Iterator[AppriseLog]:
    """Apprise (and urllib3, requests) log into an :class:`AppriseLog` only: their lines may quote
    a URL with a secret, so they reach the user's log only after :meth:`Target.scrub`."""
    handler = AppriseLog()
    saved = []
    for name in QUIET_LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.propagate, logger.level))
        logger.propagate = False
        if logger.getEffectiveLevel() > logging.WARNING:
            logger.setLevel(logging.WARNING)
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger, propagate, level in saved:
            logger.removeHandler(handler)
            logger.propagate = propagate
            logger.setLevel(level)
