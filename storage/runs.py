"""A check cycle's request and result: what ``profilewatch run`` asks the crawler to do
(:class:`RunRequest`), and what it did, per source, as the CLI, the daemon and the reports read it
(:class:`RunReport`).

Scrapy-free on purpose: the CLI builds the request and reports and the run summary read the result
without loading the crawler.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from pipeline.types import ChangeKind
from storage.results import RecordOutcome

if TYPE_CHECKING:
    from profilewatch.config import SourceConfig


@dataclass(frozen=True, slots=True)
class RunRequest:
    """A run's inputs: which sources to check, which of their pages, and how."""

    sources: tuple[SourceConfig, ...]
    trigger: str = "manual"                # manual, schedule or cluster (kept with each run)
    # per source name: check only these pages (a cluster batch); absent: every watched page
    only_urls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    discover: bool = True                  # read the sources' listings and sitemaps
    workers: int | None = None             # extraction processes; None: by the number of pages

    def pages_of(self, source: str) -> tuple[str, ...] | None:
        """The only pages of ``source`` to check, or None for all of them."""
        return self.only_urls.get(source)


@dataclass
class SourceReport:
    source: str
    run_id: int
    status: str = "running"
    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    failing: dict[str, str] = field(default_factory=dict)   # url -> reason
    # discovered pages that never answered with a page and answered 404/410 ``gone_after`` times:
    # they left the watchlist this run (url -> why)
    retired: dict[str, str] = field(default_factory=dict)

    def count(self, url: str, outcome: RecordOutcome) -> None:
        """Count one recorded check (called when its batch commits, so a run stopped right after
        a commit still counts every page it recorded)."""
        self.counts[outcome.kind.value] += 1
        if outcome.kind is ChangeKind.FAILED:
            self.reasons[outcome.reason or "failed"] += 1
            self.failing[url] = outcome.reason or "failed"


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
