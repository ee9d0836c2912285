"""The schedule arithmetic the daemon acts on and ``status`` shows (no processes, no clock)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from profilewatch.config import parse_schedule
from scheduler import plan

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
HOURLY = parse_schedule("1h")
DAILY_AT_6 = parse_schedule("0 6 * * *")


def test_a_source_that_never_ran_is_due_now() -> None:
    assert plan.next_due(HOURLY, None, NOW) == NOW
    assert plan.next_due(DAILY_AT_6, None, NOW, UTC) == NOW


def test_an_interval_runs_one_period_after_the_last_start() -> None:
    last = NOW - timedelta(minutes=20)
    assert plan.next_due(HOURLY, last, NOW) == last + timedelta(hours=1)


def test_after_downtime_an_overdue_source_is_due_once_now() -> None:
    # 30 hourly slots were missed: the plan is one run now, not 30
    last = NOW - timedelta(hours=30)
    assert plan.next_due(HOURLY, last, NOW) == NOW
    assert plan.slot_after(HOURLY, last) == last + timedelta(hours=1)


def test_cron_runs_at_its_next_slot_after_the_last_start() -> None:
    last = datetime(2025, 3, 10, 6, 0, 40, tzinfo=UTC)   # today's 06:00 run (jittered)
    assert plan.next_due(DAILY_AT_6, last, NOW, UTC) == datetime(2025, 3, 11, 6, 0, tzinfo=UTC)
    missed = datetime(2025, 3, 8, 6, 0, tzinfo=UTC)      # the machine was off for two days
    assert plan.next_due(DAILY_AT_6, missed, NOW, UTC) == NOW


def test_cron_is_read_in_the_given_time_zone() -> None:
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    last = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)
    assert plan.next_due(DAILY_AT_6, last, NOW - timedelta(hours=8), paris) == datetime(
        2025, 3, 10, 5, 0, tzinfo=UTC)   # 06:00 in Paris (UTC+1 in March)


def test_jitter_and_misfire_grace_scale_with_the_period() -> None:
    assert plan.max_jitter(parse_schedule("30s")) == 3.0
    assert plan.max_jitter(HOURLY) == plan.MAX_JITTER_SECONDS   # 360 s capped at 300 s
    assert plan.max_jitter(HOURLY, cap=0) == 0.0
    random.seed(4)
    assert all(timedelta(0) <= plan.jitter(HOURLY) <= timedelta(seconds=300) for _ in range(50))
    assert plan.misfire_grace(HOURLY) == 1800
    assert plan.misfire_grace(parse_schedule("1s")) == 1


def test_a_slot_is_skipped_when_another_process_ran_the_source_recently() -> None:
    assert plan.ran_recently(HOURLY, NOW - timedelta(minutes=10), NOW)
    assert not plan.ran_recently(HOURLY, NOW - timedelta(minutes=40), NOW)
    assert not plan.ran_recently(HOURLY, None, NOW)


def test_stale_after_two_periods_without_a_completed_run() -> None:
    done = NOW - timedelta(hours=1, minutes=59)
    assert plan.stale_since(HOURLY, done, None, NOW) is None
    done = NOW - timedelta(hours=2, minutes=1)
    assert plan.stale_since(HOURLY, done, None, NOW) == done + timedelta(hours=2)
    # never completed: measured from when the store first knew the source
    assert plan.stale_since(HOURLY, None, NOW - timedelta(minutes=5), NOW) is None
    assert plan.stale_since(HOURLY, None, NOW - timedelta(hours=3), NOW) is not None
    # unknown to the store: it never ran
    assert plan.stale_since(HOURLY, None, None, NOW) == NOW
