"""What is sent after a run, by ``[reports] digest``:

- ``run`` (default): one report per run (per ``profilewatch run``, so per daemon cycle);
- ``change``: one report per change event and per page that started failing or recovered;
- ``daily``: one report per UTC day, sent by the first run to finish after the day ended (a mark
  in the store makes it once, whichever process gets there first).

Global targets (``[reports] notify``) get the whole report, a source's targets (its ``notify``) the
part about that source. Nothing is sent when there is nothing to say. :func:`send_after_run`
never raises: reporting must not fail a run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from profilewatch.config import Config
from profilewatch.errors import NotFoundError, ProfilewatchError
from profilewatch.reports.build import build_report
from profilewatch.reports.deliver import DeliveryResult, deliver
from profilewatch.reports.model import Report
from profilewatch.reports.targets import Target, parse_target
from storage.reporting import ReportWindow
from storage.runs import RunReport
from storage.store import Store

logger = logging.getLogger(__name__)

# A daily digest waits this long after midnight UTC for runs that started before midnight and
# are still going (so their last changes make it in); after that it is sent regardless (a
# crashed run stays "running" in the store forever).
DAILY_GRACE = timedelta(hours=2)
# A daily digest never reaches back further than this (after a long stop, or when the mode was
# just switched to "daily"): a week of changes is the most one e-mail should carry.
DAILY_MAX_SPAN = timedelta(days=7)


def configured_targets(config: Config) -> list[Target]:
    """Every target of the config: global ones first, then each source's."""
    targets = [parse_target(url) for url in config.reports.notify]
    for source in config.sources:
        targets += [parse_target(url, source.name) for url in source.notify]
    return targets


def send_after_run(config: Config, store: Store, run: RunReport,
                   now: datetime | None = None) -> list[DeliveryResult]:
    """The digest hook called at the end of ``profilewatch run``; never raises."""
    try:
        targets = configured_targets(config)
        if not targets or not run.sources:
            return []
        return _send(config, store, run, targets, now or datetime.now(UTC))
    except Exception as exc:  # reporting must never fail the run that just completed
        message = str(exc)
        for target in _safe_targets(config):
            message = target.scrub(message)
        logger.error("could not send the change reports: %s", message)
        return []


def _safe_targets(config: Config) -> list[Target]:
    try:
        return configured_targets(config)
    except Exception:
        return []


def _send(config: Config, store: Store, run: RunReport, targets: list[Target],
          now: datetime) -> list[DeliveryResult]:
    settings = config.reports
    run_ids = tuple(s.run_id for s in run.sources)
    names = ", ".join(s.source for s in run.sources)
    label = "run" if len(run_ids) == 1 else "runs"
    scope = f"{label} {', '.join(map(str, run_ids))} ({names})"
    if settings.digest == "daily":
        return _send_daily(config, store, targets, now)
    report = build_report(store, ReportWindow(run_ids=run_ids), scope=scope,
                          kinds=settings.kinds, errors=settings.errors,
                          base_url=config.serve.public_url, now=now)
    if settings.digest == "change":
        results = []
        for part in split_per_item(report):
            results += send_report(config, store, part, targets, run_id=run_ids[0])
        return results
    return send_report(config, store, report, targets, run_id=run_ids[0])


def split_per_item(report: Report) -> list[Report]:
    """One report per change and per page problem (the ``change`` digest)."""
    parts = [Report(report.generated_at, f"change #{c.event_id} ({c.source})", (c,), (),
                    report.archive_url) for c in report.changes]
    parts += [Report(report.generated_at, f"{p.state} page ({p.source})", (), (p,),
                     report.archive_url) for p in report.problems]
    return parts


def send_report(config: Config, store: Store, report: Report, targets: Sequence[Target], *,
                run_id: int | None = None) -> list[DeliveryResult]:
    """Global targets get ``report``; each source's targets the part about that source."""
    if report.empty:
        return []
    template = config.reports.subject
    results = deliver(report, [t for t in targets if t.source is None], store,
                      subject_template=template, run_id=run_id)
    for source in dict.fromkeys(t.source for t in targets if t.source is not None):
        assert source is not None
        part = report.only_source(source)
        if not part.empty:
            results += deliver(part, [t for t in targets if t.source == source], store,
                               subject_template=template, run_id=run_id)
    return results


def _send_daily(config: Config, store: Store, targets: list[Target],
                now: datetime) -> list[DeliveryResult]:
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    last_end = store.last_digest_end("daily")
    if last_end is not None and last_end >= today:
        return []
    start = max(last_end or today - timedelta(days=1), today - DAILY_MAX_SPAN)
    if now < today + DAILY_GRACE and store.runs_in_progress(today, today - timedelta(days=1)):
        logger.info("daily digest: waiting for runs that started before midnight UTC")
        return []
    day = (today - timedelta(days=1)).date()
    if not store.claim_digest(f"daily:{day.isoformat()}", start, today):
        return []            # another process sent it
    first = start.date()
    scope = (f"{day} (daily digest)" if first == day else f"{first} – {day} (daily digest)")
    settings = config.reports
    report = build_report(store, ReportWindow(since=start, until=today), scope=scope,
                          kinds=settings.kinds, errors=settings.errors,
                          base_url=config.serve.public_url, now=now)
    return send_report(config, store, report, targets)


def resend(config: Config, store: Store, delivery_id: int) -> DeliveryResult:
    """Send the report of delivery ``delivery_id`` again to the same target (recorded anew)."""
    delivery = store.delivery(delivery_id)
    matches = [t for t in configured_targets(config) if t.redacted == delivery.target]
    if not matches:
        raise NotFoundError(f"delivery {delivery_id} went to {delivery.target}, which is no longer "
                            "a notify target in the config")
    try:
        report = Report.from_json(delivery.report)
    except (KeyError, TypeError, ValueError, ProfilewatchError):
        raise NotFoundError(f"delivery {delivery_id} has no stored report to resend") from None
    results = deliver(report, matches[:1], store, subject=delivery.subject,
                      run_id=delivery.run_id)
    return results[0]
