"""Helpers of the serve and secrets tests: a DNS table standing in for the resolver (no test may
query real DNS), the serve token, and the archive the ``serve`` security tests share (:class:`Served`,
built by the ``served`` fixture of ``tests/e2e/reliability/conftest.py``)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from profilewatch.config import Config
from profilewatch.web.admin import AdminSettings
from profilewatch.web.app import create_app
from storage.store import Store
from tests.conftest import FAST_SETTINGS
from tests.support.sinks import Webhook

TOKEN = "pw-" + secrets.token_urlsafe(24)
AUTH = {"Authorization": f"Bearer {TOKEN}"}

# What the "DNS" answers for names under example.org (allowed_domains of the test source).
DNS: dict[str, list[str]] = {
    "news.example.org": ["93.184.216.34"],
    "v6.example.org": ["2606:2800:220:1:248:1893:25c8:1946"],
    "intranet.example.org": ["10.0.0.5"],
    "rebind.example.org": ["93.184.216.34", "127.0.0.1"],
    "mapped.example.org": ["::ffff:127.0.0.1"],
    "metadata.example.org": ["169.254.169.254"],
    "cgnat.example.org": ["100.64.0.1"],
    "zero.example.org": ["0.0.0.0"],
    "sixtofour.example.org": ["2002:c0a8:0101::1"],       # 6to4 of 192.168.1.1
    "multicast.example.org": ["224.0.0.251"],
}


@dataclass
class FakeResolver:
    """A resolver from :data:`DNS` that remembers what it was asked."""

    table: dict[str, list[str]] = field(default_factory=lambda: dict(DNS))
    asked: list[str] = field(default_factory=list)

    def __call__(self, host: str) -> Sequence[str]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"[Errno -2] Name or service not known: {host}")
        return self.table[host]


@dataclass
class Served:
    store: Store
    config: Config
    db_url: str
    base: str              # the mock server
    xss: str               # configured page of "cnc": XSS payloads in its title and text
    other: str             # configured page of "other"
    resolver: FakeResolver
    hook: Webhook

    def app(self, **changes: Any) -> Any:
        settings = AdminSettings(self.config, self.db_url, resolver=self.resolver)
        return create_app(self.store, admin_settings=changes.get("admin", settings))



def config_text(base: str, hook: str, token: str | None = TOKEN) -> str:
    serve = f'[serve]\ntoken = "{token}"\n' if token else ""
    return (FAST_SETTINGS + f'[reports]\nnotify = ["{hook}"]\n' + serve
            + f'[[source]]\nname = "cnc"\nurls = ["{base}/ngo/xss"]\n'
            'allowed_domains = ["example.org"]\n'
            f'[[source]]\nname = "other"\nurls = ["{base}/other"]\n')
