"""What is sent after a run, by digest mode, to global and per-source targets (real webhook POSTs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from profilewatch.config import Config, config_from_mapping
from profilewatch.errors import NotFoundError
from profilewatch.reports.digest import resend, send_after_run
from storage.runs import RunReport, SourceReport
from tests.support.scenario import PAGES, SOURCE, T0, record_history
from tests.support.sinks import HOOK_PASSWORD, Webhook


def _config(webhook: Webhook, *, digest: str = "run", source_notify: bool = False,
            **reports: Any) -> Config:
    source: dict[str, Any] = {"name": SOURCE.name, "urls": list(PAGES), "organisation": "UNESCO"}
    if source_notify:
        source["notify"] = [webhook.url("source")]
    other = {"name": "other", "urls": ["https://other.example.org/"],
             "notify": [webhook.url("other")]}
    return config_from_mapping({
        "source": [source, other],
        "reports": {"notify": [webhook.url("global")], "digest": digest, **reports},
        "serve": {"public_url": "https://archive.example.org"}}, "test.toml")


def _run(run_id: int) -> RunReport:
    return RunReport(started_at=T0, sources=[SourceReport(SOURCE.name, run_id)])


def test_run_digest_one_report_per_run_nothing_when_nothing_to_say(
        store: Any, webhook: Webhook) -> None:
    runs = record_history(store)
    config = _config(webhook)
    store.sync_sources(config.sources)
    send_after_run(config, store, _run(runs[0]))
    send_after_run(config, store, _run(runs[1]))
    quiet = store.start_run(SOURCE.name)
    store.finish_run(quiet, "completed", {"unchanged": 4})
    assert send_after_run(config, store, _run(quiet)) == []
    assert [p.path for p in webhook.posts] == ["/global", "/global"]
    first, second = (p.body for p in webhook.posts)
    assert first["title"] == "profilewatch: 4 new pages"
    assert second["title"] == ("profilewatch: 1 content change, 1 metadata-only change; "
                               "1 page started failing")
    assert "2.2.1. Technology infrastructure and digital capacity of schools: 1 sentence changed" \
        in second["message"]
    assert "https://archive.example.org/web/20261103060000/" in second["message"]
    assert [d.event_ids for d in reversed(store.deliveries())] == [[1, 2, 3, 4], [5, 6]]


def test_change_digest_and_filters(store: Any, webhook: Webhook) -> None:
    runs = record_history(store)
    config = _config(webhook, digest="change", kinds=["content"])
    send_after_run(config, store, _run(runs[1]))
    titles = sorted(p.body["title"] for p in webhook.posts)
    assert titles == [
        "profilewatch: UNESCO: Azerbaijan | Technology | Education Profiles (changed)",
        "profilewatch: UNESCO: The public was informed about the activities of CNC - Caucasus "
        "Network for Children started failing"]
    webhook.posts.clear()
    send_after_run(_config(webhook, errors=False, kinds=["metadata"]), store, _run(runs[2]))
    [post] = webhook.posts
    assert post.body["title"] == "profilewatch: UNESCO: Education | UNICEF <Renamed> (metadata changed)"


def test_per_source_targets_get_their_part(store: Any, webhook: Webhook) -> None:
    runs = record_history(store)
    send_after_run(_config(webhook, source_notify=True), store, _run(runs[1]))
    assert sorted(p.path for p in webhook.posts) == ["/global", "/source"]   # "other": nothing
    source_post = next(p for p in webhook.posts if p.path == "/source")
    assert "· profiles" in source_post.body["message"]


def test_daily_digest_is_sent_once(store: Any, webhook: Webhook) -> None:
    runs = record_history(store)
    config = _config(webhook, digest="daily")
    day3 = T0 + timedelta(days=2, hours=3)          # during the third day: the digest of day 2
    send_after_run(config, store, _run(runs[2]), now=day3)
    send_after_run(config, store, _run(runs[2]), now=day3 + timedelta(hours=5))
    [post] = webhook.posts
    assert post.body["title"] == ("profilewatch: 1 content change, 1 metadata-only change; "
                                  "1 page started failing")
    assert "2026-11-03 (daily digest)" in post.body["message"]
    send_after_run(config, store, _run(runs[2]), now=datetime(2026, 11, 5, 6, tzinfo=UTC))
    assert "2026-11-04 (daily digest)" in webhook.posts[-1].body["message"]
    assert len(webhook.posts) == 2


def test_daily_digest_waits_for_runs_started_before_midnight(store: Any,
                                                            webhook: Webhook) -> None:
    runs = record_history(store)
    config = _config(webhook, digest="daily")
    busy = store.start_run(SOURCE.name)             # started now, still going
    after_midnight = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=30)
    send_after_run(config, store, _run(runs[2]), now=after_midnight)
    assert store.last_digest_end("daily") is None   # within the grace period: not yet
    send_after_run(config, store, _run(runs[2]), now=after_midnight + timedelta(hours=2))
    assert store.last_digest_end("daily") is not None   # past it: done regardless
    store.finish_run(busy, "completed", {})
    assert webhook.posts == []                       # nothing happened that day: nothing sent


def test_resend(store: Any, webhook: Webhook) -> None:
    runs = record_history(store)
    config = _config(webhook)
    [first] = send_after_run(config, store, _run(runs[1]))
    again = resend(config, store, first.delivery_id or 0)
    assert again.ok and again.delivery_id != first.delivery_id
    assert webhook.posts[0].body == webhook.posts[1].body
    gone = config_from_mapping({"source": [{"name": SOURCE.name, "urls": list(PAGES)}]}, None)
    with pytest.raises(NotFoundError, match="no longer a notify target"):
        resend(gone, store, first.delivery_id or 0)


def test_reporting_never_fails_the_run(store: Any, webhook: Webhook,
                                       caplog: pytest.LogCaptureFixture,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    runs = record_history(store)
    config = _config(webhook)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"cannot reach {webhook.url('global')}")

    monkeypatch.setattr("profilewatch.reports.digest.build_report", broken)
    assert send_after_run(config, store, _run(runs[1])) == []
    assert "could not send the change reports: cannot reach json://bot:****@127.0.0.1" in caplog.text
    assert HOOK_PASSWORD not in caplog.text


# Run in a fresh interpreter: build and send the run's report, then resend it, and print the
# heavy modules the process loaded on the way.
_SEND_AND_RESEND = """
import sys
from datetime import UTC, datetime
from profilewatch.config import config_from_mapping
from profilewatch.reports.digest import resend, send_after_run
from storage.runs import RunReport, SourceReport
from storage.store import Store
from tests.support.scenario import PAGES, SOURCE, T0, record_history

store = Store.open(sys.argv[1])
runs = record_history(store)
config = config_from_mapping({"source": [{"name": SOURCE.name, "urls": list(PAGES)}],
                              "reports": {"notify": [sys.argv[2]]}}, None)
sent = send_after_run(config, store, RunReport(started_at=T0, sources=[SourceReport(SOURCE.name, runs[0])]))
again = resend(config, store, store.deliveries()[0].id)
print(len(sent), again.ok, sorted(m for m in ("scrapy", "twisted", "crawler", "scheduler")
                                  if any(n == m or n.startswith(m + ".") for n in sys.modules)))
"""


def test_sending_a_report_never_loads_the_crawler(tmp_path: Any, webhook: Webhook) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO

    done = subprocess.run(
        [sys.executable, "-c", _SEND_AND_RESEND, f"sqlite:///{tmp_path / 'pw.db'}",
         webhook.url("global")], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "True", "[]"]
    assert [p.path for p in webhook.posts] == ["/global", "/global"]
