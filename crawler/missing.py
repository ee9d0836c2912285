"""Discovered pages that never were pages: a language switcher's link to a translation that does
not exist answers 404 on every check. Once such a page — found by discovery, never configured,
never answered with a page — has answered 404/410 on ``gone_after`` consecutive checks, it leaves
the watchlist at the end of the run (unwatched, as pages removed through the API are: see
:mod:`storage.watching`), with one line in the run summary, instead of failing for ever.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from pipeline.types import Analysis, ChangeKind, Fetched, Outcome, PageState
from profilewatch.config import SourceConfig
from profilewatch.errors import StoreError
from storage.results import RecordOutcome
from storage.runs import SourceReport
from storage.store import Store

logger = logging.getLogger(__name__)


class MissingPages:
    """Collects the run's candidates (:meth:`note`), retires them per source (:meth:`retire`)."""

    def __init__(self, gone_after: int) -> None:
        self.gone_after = gone_after
        self.candidates: dict[str, dict[str, str]] = defaultdict(dict)   # source -> url -> why

    def note(self, fetched: Fetched, analysis: Analysis, outcome: RecordOutcome,
             state: PageState | None) -> None:
        """A page with no version whose 404/410 streak reached ``gone_after`` (``state``: after
        this check) is a candidate."""
        if analysis.outcome is not Outcome.MISSING or outcome.kind is not ChangeKind.FAILED:
            return
        if state is not None and state.version is None and state.missing_streak >= self.gone_after:
            self.candidates[fetched.source][fetched.url] = (
                f"never a page, {outcome.reason or 'missing'} on {state.missing_streak} checks")

    def retire(self, store: Store, source: SourceConfig, report: SourceReport) -> None:
        """Unwatch the source's candidates that discovery found (configured pages stay)."""
        candidates = {url: why for url, why in self.candidates.get(source.name, {}).items()
                      if url not in source.urls}
        if not candidates:
            return
        try:
            retired = store.retire_pages(source.name, sorted(candidates))
        except StoreError as exc:
            logger.error("could not unwatch the missing pages of %s: %s", source.name, exc)
            return
        for url in retired:
            report.retired[url] = candidates[url]
            report.failing.pop(url, None)
