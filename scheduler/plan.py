"""When a source runs next, how late a run may start, and when a source counts as stale.

Pure functions of a source's :class:`~profilewatch.config.Schedule` and the times kept in the
store, shared by the daemon (which acts on them) and ``status`` (which shows them). Because the
plan starts from the last run *in the store*, a restarted daemon keeps each source's rhythm, and a
source that missed many slots during downtime is due once, now.

Cron expressions are read in the machine's local time zone, as cron and systemd timers read them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, tzinfo
from typing import Any

from profilewatch.config import Schedule

# Jitter: each scheduled run starts up to this fraction of its period late, at most MAX_JITTER.
# It spreads sources that share a schedule (and installations that all chose "0 6 * * *") over a
# few minutes without moving a run noticeably away from its slot.
JITTER_FRACTION = 0.1
MAX_JITTER_SECONDS = 300.0
# A run that could not start on time (daemon suspended, every worker busy) still starts if it is
# less than half a period late; later than that the next slot is nearer, so that one is kept.
MISFIRE_FRACTION = 0.5
# ``status`` calls a source stale when no run completed within this many periods.
STALE_PERIODS = 2
# The daemon skips a slot when some run of the source (cron, manual, another daemon) started less
# than this fraction of a period ago: the store, not the daemon's memory, says when a source ran.
RECENT_FRACTION = 0.5


def cron_trigger(expression: str, timezone: tzinfo | None = None, jitter: float | None = None) -> Any:
    """An APScheduler cron trigger for a 5-field expression (minute hour day month weekday)."""
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, day_of_week = expression.split()
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week,
                       timezone=timezone, jitter=int(jitter) if jitter else None)


def next_cron_time(expression: str, after: datetime, timezone: tzinfo | None = None) -> datetime:
    """The first time strictly after ``after`` that the cron expression names."""
    trigger = cron_trigger(expression, timezone)
    moment: datetime | None = trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
    if moment is None:   # an expression that never fires again (e.g. 30 February)
        return after + timedelta(days=366)
    return moment


def slot_after(schedule: Schedule, last_started: datetime, timezone: tzinfo | None = None) -> datetime:
    """The source's first slot after a run that started at ``last_started``."""
    if schedule.seconds is not None:
        return last_started + timedelta(seconds=schedule.seconds)
    return next_cron_time(schedule.cron or "0 0 * * *", last_started, timezone)


def next_due(schedule: Schedule, last_started: datetime | None, now: datetime,
             timezone: tzinfo | None = None) -> datetime:
    """When the source is next due: its slot after the last run, or ``now`` if that has passed.

    A source that never ran is due now (the archive needs a first version). A source whose slot
    passed while nothing ran (downtime) is due now, once, however many slots were missed.
    """
    if last_started is None:
        return now
    return max(slot_after(schedule, last_started, timezone), now)


def max_jitter(schedule: Schedule, cap: float | None = None) -> float:
    """The largest random delay added to a scheduled run of this source, in seconds."""
    limit = MAX_JITTER_SECONDS if cap is None else cap
    return max(0.0, min(schedule.nominal_seconds * JITTER_FRACTION, limit))


def jitter(schedule: Schedule, cap: float | None = None) -> timedelta:
    return timedelta(seconds=random.uniform(0, max_jitter(schedule, cap)))


def misfire_grace(schedule: Schedule) -> int:
    """Seconds a run may start late and still run (APScheduler's ``misfire_grace_time``)."""
    return max(1, int(schedule.nominal_seconds * MISFIRE_FRACTION))


def ran_recently(schedule: Schedule, last_started: datetime | None, now: datetime) -> bool:
    """True when a run started less than :data:`RECENT_FRACTION` of a period ago."""
    if last_started is None:
        return False
    return (now - last_started).total_seconds() < schedule.nominal_seconds * RECENT_FRACTION


def stale_since(schedule: Schedule, last_completed: datetime | None, known_since: datetime | None,
                now: datetime) -> datetime | None:
    """When the source became stale (no run completed within 2 periods), or None if it is not.

    ``last_completed`` is the end of the last completed run; a source that never completed one is
    measured from when the store first knew it (``known_since``), so a new source is not stale at
    once. A source the store does not know at all has never run: stale, since an unknown time
    (``now`` is returned).
    """
    reference = last_completed or known_since
    if reference is None:
        return now
    limit = reference + timedelta(seconds=schedule.nominal_seconds * STALE_PERIODS)
    return limit if now > limit else None
