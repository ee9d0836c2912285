"""The store queries behind reports (SQLite and PostgreSQL): events of a run, failing/recovered
transitions reported once, digest marks claimed once, deliveries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from profilewatch.errors import NotFoundError
from storage.reporting import DeliveryInput, ReportWindow
from tests.support.scenario import BASE, T0, record_history


def test_events_by_run(store: Any) -> None:
    runs = record_history(store)
    first = store.window_events(ReportWindow(run_ids=(runs[0],)))
    assert [e.kind for e in first] == ["new"] * 4
    second = store.window_events(ReportWindow(run_ids=(runs[1],)))
    assert [(e.kind, e.url) for e in second] == [
        ("content", f"{BASE}/azerbaijan/technology"), ("metadata", f"{BASE}/undp/press-release")]
    assert store.window_events(ReportWindow(run_ids=(runs[1],)), kinds=["metadata"])[0].kind == \
        "metadata"
    newest = store.window_events(ReportWindow(), newest_first=True, limit=2)
    assert [e.id for e in newest] == sorted((e.id for e in newest), reverse=True)


def test_transitions_are_reported_once(store: Any) -> None:
    runs = record_history(store)
    assert store.page_transitions(ReportWindow(run_ids=(runs[0],))) == []
    [failing] = store.page_transitions(ReportWindow(run_ids=(runs[1],)))
    assert (failing.state, failing.url, failing.reason) == ("failing", f"{BASE}/ngo/news",
                                                            "HTTP 503")
    assert failing.http_status == 503 and failing.failed_checks == 1
    [recovered] = store.page_transitions(ReportWindow(run_ids=(runs[2],)))
    assert recovered.state == "recovered" and recovered.since == failing.at
    assert recovered.at > recovered.since
    # by time range, and per source
    day2 = ReportWindow(since=T0 + timedelta(days=1), until=T0 + timedelta(days=2))
    assert [t.state for t in store.page_transitions(day2)] == ["failing"]
    assert store.page_transitions(ReportWindow(source="nope")) == []


def test_a_page_failing_for_several_runs_is_reported_at_the_start_only(store: Any) -> None:
    from tests.support import scenario

    original = scenario.RUNS
    error = (503, scenario.ERROR_PAGE)
    scenario.RUNS = [{}, {f"{BASE}/ngo/news": error}, {f"{BASE}/ngo/news": error},
                     {f"{BASE}/ngo/news": error}, {}]
    try:
        runs = record_history(store, runs=5)
    finally:
        scenario.RUNS = original
    states = [[t.state for t in store.page_transitions(ReportWindow(run_ids=(r,)))] for r in runs]
    assert states == [[], ["failing"], [], [], ["recovered"]]
    [recovered] = store.page_transitions(ReportWindow(run_ids=(runs[4],)))
    assert recovered.failed_checks == 3


def test_digest_marks_are_claimed_once(store: Any) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    end = start + timedelta(days=1)
    assert store.last_digest_end("daily") is None
    assert store.claim_digest("daily:2026-11-01", start, end) is True
    assert store.claim_digest("daily:2026-11-01", start, end) is False
    assert store.last_digest_end("daily") == end


def test_deliveries_round_trip(store: Any) -> None:
    delivery_id = store.add_delivery(DeliveryInput(
        target="json://bot:****@127.0.0.1/hook", ok=False, error="refused", attempts=2,
        subject="s", event_ids=[3, 4], report={"scope": "run 1"}))
    found = store.delivery(delivery_id)
    assert (found.ok, found.attempts, found.event_ids, found.report) == (False, 2, [3, 4],
                                                                         {"scope": "run 1"})
    assert [d.id for d in store.deliveries()] == [delivery_id]
    with pytest.raises(NotFoundError):
        store.delivery(delivery_id + 1)
