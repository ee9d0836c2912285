"""Real deliveries: an e-mail to a local SMTP server, a POST to a local webhook, a dead target that
does not stop the live one, and secrets that never reach logs, results or the store."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from profilewatch.reports import deliver as deliver_module
from profilewatch.reports.build import build_report
from profilewatch.reports.deliver import deliver, make_subject
from profilewatch.reports.targets import parse_target
from storage.reporting import ReportWindow
from tests.support.scenario import record_history
from tests.support.sinks import (
    HOOK_PASSWORD,
    SMTP_PASSWORD,
    SmtpSink,
    Webhook,
    basic_auth,
    free_port,
)

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated")


@pytest.fixture(autouse=True)
def _no_retry_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deliver_module, "RETRY_DELAY_SECONDS", 0.0)


def _run2_report(store: Any) -> Any:
    run_ids = record_history(store)
    return build_report(store, ReportWindow(run_ids=(run_ids[1],)), scope=f"run {run_ids[1]}",
                        base_url="https://archive.example.org")


def test_email_and_webhook_receive_the_change(store: Any, smtp: SmtpSink, webhook: Webhook,
                                              caplog: pytest.LogCaptureFixture) -> None:
    report = _run2_report(store)
    caplog.set_level(logging.DEBUG)
    targets = [parse_target(smtp.url()), parse_target(webhook.url())]
    results = deliver(report, targets, store, subject_template="[pw] {summary}")
    assert [r.ok for r in results] == [True, True], results

    [mail] = smtp.messages
    assert mail["Subject"] == "[pw] 1 content change, 1 metadata-only change; 1 page started failing"
    assert mail["To"] == "team@example.org"
    html = mail.get_body(("html",))
    assert html is not None
    content = html.get_content()
    assert "2.2.1. Technology infrastructure and digital capacity of schools: 1 sentence changed" \
        in content
    assert '<ins style="background:#d9f5dd' in content and ">second</ins>" in content
    assert "<del" in content and "2022,</del>" in content

    [post] = webhook.posts
    assert post.path == "/hook" and post.auth == basic_auth("bot", HOOK_PASSWORD)
    assert post.body["title"] == mail["Subject"]
    assert "§ 2.2.1. Technology infrastructure and digital capacity of schools: 1 sentence changed" \
        in post.body["message"]          # json:// takes text: the plain-text report
    assert "{+second+}" in post.body["message"]

    deliveries = store.deliveries()
    assert {d.target for d in deliveries} == {targets[0].redacted, targets[1].redacted}
    assert all(d.ok and d.attempts == 1 for d in deliveries)
    assert deliveries[0].report["changes"][0]["kind"] == "content"
    _assert_no_secret(store, caplog.text, results)


def test_dead_target_does_not_stop_the_live_one(store: Any, webhook: Webhook,
                                                caplog: pytest.LogCaptureFixture) -> None:
    report = _run2_report(store)
    dead = parse_target(f"json://bot:{HOOK_PASSWORD}@127.0.0.1:{free_port()}/dead")
    live = parse_target(webhook.url())
    results = deliver(report, [dead, live], store)
    assert [(r.ok, r.attempts) for r in results] == [(False, 2), (True, 1)]
    assert results[0].error and HOOK_PASSWORD not in results[0].error
    assert len(webhook.posts) == 1
    recorded = {d.target: d for d in store.deliveries()}
    assert recorded[dead.redacted].ok is False and recorded[dead.redacted].attempts == 2
    assert recorded[dead.redacted].error
    assert recorded[live.redacted].ok is True
    assert "could not deliver the report to json://bot:****@127.0.0.1" in caplog.text
    _assert_no_secret(store, caplog.text, results)


def test_wrong_smtp_password_is_a_failed_delivery(store: Any, smtp: SmtpSink) -> None:
    report = _run2_report(store)
    wrong = "Wrong-pass-123"
    [result] = deliver(report, [parse_target(smtp.url(password=wrong))], store)
    assert not result.ok and result.attempts == 2
    assert smtp.messages == []
    assert wrong not in (result.error or "") and wrong not in str(store.deliveries())


def test_unusable_url_is_recorded_redacted(store: Any) -> None:
    report = _run2_report(store)
    [result] = deliver(report, [parse_target("nosuchservice://user:TopSecret99@host/x")], store)
    assert not result.ok
    assert result.target == "nosuchservice://****"
    assert "TopSecret99" not in str(store.deliveries())


def test_subject_template() -> None:
    from datetime import UTC, datetime

    from profilewatch.reports.model import Report

    report = Report(datetime(2026, 11, 2, tzinfo=UTC), "run 3")
    assert make_subject("{date} {scope}: {summary} ({count})", report) == \
        "2026-11-02 run 3: no changes (0)"
    assert make_subject("bad {nope}", report) == "profilewatch: no changes"


def _assert_no_secret(store: Any, logs: str, results: Any) -> None:
    stored = repr(store.deliveries())
    for secret in (SMTP_PASSWORD, HOOK_PASSWORD):
        assert secret not in logs
        assert secret not in stored
        assert secret not in repr(results)
