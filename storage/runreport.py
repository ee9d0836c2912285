"""What one check cycle did, per source: the run's result as the CLI, the daemon and the reports read it.

Scrapy-free on purpose: reports and the run summary read it without loading the crawler.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class SourceReport:
    source: str
    run_id: int
    status: str = "running"
    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    failing: dict[str, str] = field(default_factory=dict)   # url -> reason
    # discovered pages that never answered with a page and answered 404/410 ``gone_after`` times:
    # they left the watchlist this run (url -> reason)
    retired: dict[str, str] = field(default_factory=dict)


@dataclass
class RunReport:
    started_at: datetime
    finished_at: datetime | None = None
    sources: list[SourceReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)        # sources another process was running

    def total(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for source in self.sources:
            total.update(source.counts)
        return total
