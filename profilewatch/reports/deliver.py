"""Delivering a report to Apprise targets (e-mail, Slack, Teams, Matrix, ntfy, JSON/XML webhooks …).

Each target gets the report in the richest format its service takes (HTML for e-mail, Markdown
for Slack or Matrix, text otherwise). Targets are sent to in parallel; a failing one is logged,
retried once, and never stops the others. Every delivery (one per target, with its attempts) is
recorded in the store with the target redacted and the report as JSON, so it can be resent.
"""

from __future__ import annotations

import logging
import string
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from profilewatch.errors import StoreError
from profilewatch.reports.formats import render
from profilewatch.reports.model import Report
from profilewatch.reports.targets import AppriseLog, Target, load_apprise, quiet_apprise
from storage.reporting import DeliveryInput
from storage.results import iso
from storage.store import Store

logger = logging.getLogger(__name__)

ATTEMPTS = 2                 # the first try and one retry
# Pause before the retry: long enough for a transient refusal (a restarting webhook receiver, an
# SMTP greylist answering 4xx at once) to clear, short enough not to hold up the end of a run.
RETRY_DELAY_SECONDS = 1.0
MAX_PARALLEL = 8
DEFAULT_SUBJECT = "profilewatch: {summary}"
FORMAT_FOR = {"html": "html", "markdown": "markdown"}   # Apprise NotifyFormat value -> renderer


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    target: str              # redacted
    ok: bool
    attempts: int
    error: str | None = None
    delivery_id: int | None = None


def make_subject(template: str, report: Report) -> str:
    """The ``[reports] subject`` with ``{summary}``, ``{count}``, ``{scope}``, ``{date}`` filled in."""
    values = {"summary": report.headline(), "count": len(report.changes), "scope": report.scope,
              "date": (iso(report.generated_at) or "")[:10]}
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name]
        if any(name not in values for name in fields):
            raise KeyError(next(n for n in fields if n not in values))
        return template.format(**values)
    except (KeyError, ValueError, IndexError) as exc:
        logger.warning("[reports] subject %r cannot be filled (%s); using %r", template, exc,
                       DEFAULT_SUBJECT)
        return DEFAULT_SUBJECT.format(**values)


def _send_once(target: Target, report: Report, subject: str, log: AppriseLog) -> str | None:
    """One attempt; None on success, else the (unscrubbed) reason."""
    apprise = load_apprise()
    client = apprise.Apprise()
    if not client.add(target.url):
        return "not a usable Apprise URL (unknown scheme or missing parts)"
    plugin = client[0]
    resolve = getattr(plugin, "resolve_format", None)
    notify_format = resolve(None) if resolve is not None else plugin.notify_format
    fmt = FORMAT_FOR.get(getattr(notify_format, "value", str(notify_format)), "text")
    body = render(report, fmt)
    extra: dict[str, Any] = {}
    if len(body) > int(getattr(plugin, "body_maxlen", len(body))):
        extra["overflow"] = apprise.OverflowMode.TRUNCATE
    if plugin.notify(body=body, title=subject, notify_type=apprise.NotifyType.INFO,
                     body_format=notify_format, **extra):
        return None
    lines = log.take()
    return lines[-1] if lines else f"{plugin.service_name} did not accept the notification"


def send(target: Target, report: Report, subject: str, log: AppriseLog) -> DeliveryResult:
    """Try, and retry once; never raises."""
    error: str | None = None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            error = _send_once(target, report, subject, log)
        except Exception as exc:  # a plugin bug or an unexpected network error: one target only
            error = f"{type(exc).__name__}: {exc}"
        if error is None:
            return DeliveryResult(target.redacted, True, attempt)
        error = target.scrub(" ".join(error.split()))
        if attempt < ATTEMPTS:
            logger.info("delivery to %s failed (%s); retrying once", target.redacted, error)
            time.sleep(RETRY_DELAY_SECONDS)
    return DeliveryResult(target.redacted, False, ATTEMPTS, error)


def deliver(report: Report, targets: Sequence[Target], store: Store | None, *,
            subject: str | None = None, subject_template: str = DEFAULT_SUBJECT,
            run_id: int | None = None) -> list[DeliveryResult]:
    """Send ``report`` to every target (in parallel) and record each delivery in ``store``."""
    if not targets:
        return []
    subject = subject or make_subject(subject_template, report)
    with quiet_apprise() as log, ThreadPoolExecutor(
            max_workers=min(MAX_PARALLEL, len(targets)), thread_name_prefix="deliver") as pool:
        results = list(pool.map(lambda t: send(t, report, subject, log), targets))
    recorded = []
    data = report.to_json()
    for result in results:
        if result.ok:
            logger.info("report sent to %s", result.target)
        else:
            logger.warning("could not deliver the report to %s after %d attempts: %s",
                           result.target, result.attempts, result.error)
        delivery_id = None
        if store is not None:
            try:
                delivery_id = store.add_delivery(DeliveryInput(
                    target=result.target, ok=result.ok, error=result.error,
                    attempts=result.attempts, subject=subject, event_ids=report.event_ids,
                    report=data, run_id=run_id))
            except StoreError as exc:
                logger.error("could not record the delivery to %s: %s", result.target, exc)
        recorded.append(DeliveryResult(result.target, result.ok, result.attempts, result.error,
                                       delivery_id))
    return recorded
