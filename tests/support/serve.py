"""Helpers of the serve and secrets tests: a DNS table standing in for the resolver (no test may
query real DNS), and the serve token."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

TOKEN = "pw-" + secrets.token_urlsafe(24)

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
