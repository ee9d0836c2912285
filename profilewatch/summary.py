"""The one-screen summary printed at the end of ``profilewatch run``."""

from __future__ import annotations

from collections import Counter

from pipeline.types import CHECK_KINDS
from storage.runs import RunReport  # Scrapy-free: the summary never loads the crawler

KINDS = CHECK_KINDS
# The summary lists at most this many failing pages (one screen); the rest are counted.
MAX_FAILURES_LISTED = 10


def render_summary(report: RunReport) -> str:
    total = report.total()
    checked = sum(total.values())
    seconds = ((report.finished_at or report.started_at) - report.started_at).total_seconds()
    lines = [f"profilewatch run: {checked} page{'s' if checked != 1 else ''} checked "
             f"in {seconds:.1f} s"]
    lines.append("  " + " · ".join(f"{kind} {total.get(kind, 0)}" for kind in KINDS))
    if len(report.sources) > 1:
        for source in report.sources:
            counts = ", ".join(f"{k} {v}" for k, v in source.counts.items() if v)
            status = "" if source.status == "completed" else f" [{source.status}]"
            lines.append(f"  {source.source}{status}: {counts or 'nothing checked'}")
    elif report.sources and report.sources[0].status != "completed":
        lines.append(f"  run {report.sources[0].status}")
    for name in report.skipped:
        lines.append(f"  {name}: skipped (another run of this source is in progress)")
    for source in report.sources:
        for url, why in source.retired.items():
            lines.append(f"left the watchlist: {url} ({why})")
    failing: list[tuple[str, str]] = []
    reasons: Counter[str] = Counter()
    for source in report.sources:
        failing.extend(source.failing.items())
        reasons.update(source.reasons)
    if failing:
        lines.append("failed checks: " + ", ".join(f"{r} ×{n}" for r, n in reasons.most_common()))
        for url, reason in failing[:MAX_FAILURES_LISTED]:
            lines.append(f"  {url} — {reason}")
        if len(failing) > MAX_FAILURES_LISTED:
            lines.append(f"  … and {len(failing) - MAX_FAILURES_LISTED} more "
                         "(see `profilewatch status`)")
    return "\n".join(lines)
