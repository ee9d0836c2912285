"""The user's view: ``profilewatch report`` in every format, ``run`` sending its report (and nothing
for a run with nothing to say), a dead target that fails neither the run nor the live target,
``report --resend``, ``demo``, and secrets that never reach stdout, stderr or the store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import feedparser
import pytest

from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support.mockserver import MockServer
from tests.support.scenario import PAGES, SOURCE, record_history
from tests.support.sinks import HOOK_PASSWORD, Webhook, free_port

pytestmark = pytest.mark.slow


def _populated(cli: Cli) -> None:
    from storage.store import Store

    store = Store.open(cli.db)
    record_history(store)
    store.close()
    cli.write_config(source_toml(SOURCE.name, list(PAGES), organisation="UNESCO")
                     + '[serve]\npublic_url = "https://archive.example.org"\n')


def test_report_formats(cli: Cli) -> None:
    _populated(cli)
    since = ("--since", "2026-11-03T00:00:00Z")
    markdown = cli("report", *since, "--format", "markdown")
    assert markdown.code == 0, markdown.stderr
    assert markdown.stdout.startswith("# profilewatch change report — since 2026-11-03T00:00:00Z")
    assert ("**2.2.1. Technology infrastructure and digital capacity of schools: 1 sentence "
            "changed**") in markdown.stdout
    data = cli("report", *since, "--format", "json", "--kind", "content").json()
    assert [c["kind"] for c in data["changes"]] == ["content"]
    assert data["changes"][0]["archived_after"].startswith("https://archive.example.org/web/")
    feed = feedparser.parse(cli("report", "--format", "atom").stdout.encode())
    assert not feed.bozo and len(feed.entries) == 7
    html = cli("report", *since, "--format", "html", "--source", SOURCE.name, "--style", "mla")
    assert "<ins " in html.stdout and "Technology.” Education Profiles, 1 Nov. 2026, https:" in html.stdout
    wrong = cli("report", "--source", "nope")
    assert wrong.code == 2 and wrong.stdout == ""
    assert wrong.stderr.strip().startswith("profilewatch: error:") and "nope" in wrong.stderr
    assert len(wrong.stderr.strip().splitlines()) == 1


def test_run_delivers_resend_and_secrets(server: MockServer, cli: Cli, webhook: Webhook,
                                         tmp_path: Path) -> None:
    dead = f"json://bot:{HOOK_PASSWORD}@127.0.0.1:{free_port()}/dead"
    urls = [server.sample("/profile", "unesco-profile"), server.sample("/news", "ngo-news")]
    cli.write_config(FAST_SETTINGS + source_toml("local", urls, organisation="UNESCO")
                     + '[reports]\nnotify = ["${HOOK_URL}", "' + dead + '"]\n'
                     + 'subject = "[watch] {summary}"\n')
    env = {"HOOK_URL": webhook.url()}
    outputs = []
    first = cli("run", env=env)
    outputs.append(first)
    assert first.code == 0, first.stderr
    assert [p.body["title"] for p in webhook.posts] == ["[watch] 2 new pages"]
    server.sample("/profile", "unesco-profile", "edit:1+churn:2")
    server.sample("/news", "ngo-news", "churn:3")
    second = cli("run", env=env)
    outputs.append(second)
    assert second.code == 0, second.stderr
    assert webhook.posts[-1].body["title"] == \
        "[watch] UNESCO: Azerbaijan | Technology | Education Profiles (changed)"
    assert "{+This sentence was added in revision 1.+}" in webhook.posts[-1].body["message"]
    quiet = cli("run", env=env)                          # nothing changed: nothing sent
    outputs.append(quiet)
    assert quiet.code == 0 and len(webhook.posts) == 2

    listing = cli("report", "--deliveries", "--format", "json", env=env)
    deliveries = listing.json()
    assert [(d["ok"], d["attempts"]) for d in deliveries] == [(False, 2), (True, 1)] * 2
    assert deliveries[1]["target"] == f"json://bot:****@127.0.0.1:{webhook.port}/hook"
    live = deliveries[1]["id"]
    resent = cli("report", "--resend", str(live), env=env)
    outputs.append(resent)
    assert resent.code == 0, resent.stderr
    assert f"delivery {live} resent to json://bot:****@127.0.0.1:{webhook.port}/hook" in resent.stdout
    assert webhook.posts[-1].body == webhook.posts[-2].body
    failed = cli("report", "--resend", str(deliveries[0]["id"]), env=env)
    outputs.append(failed)
    assert failed.code == 1 and "failed after 2 attempts" in failed.stdout
    missing = cli("report", "--resend", "999", env=env)
    assert missing.code == 1 and "no delivery 999" in missing.stderr

    for result in [*outputs, listing, missing]:
        assert HOOK_PASSWORD not in result.stdout + result.stderr
    with sqlite3.connect(tmp_path / "store.db") as db:
        dump = "\n".join(db.iterdump())
    assert HOOK_PASSWORD not in dump
    assert json.dumps(HOOK_PASSWORD)[1:-1] not in dump


def test_demo(cli: Cli) -> None:
    result = cli("demo", config=False, timeout=120)
    assert result.code == 0, result.stderr
    out = result.stdout
    assert "1 content change, 1 metadata-only change; 1 page started failing, 1 recovered" in out
    assert ("§ 2.1. Education technology legislative and policy framework: 1 sentence added"
            in out)
    assert "Last modified: 2021-05-20T08:00:00Z → 2026-01-14T08:00:00Z" in out
    assert "+This sentence was added in revision 1." in out             # the diff
    assert "UNESCO. (2026, January 15). Azerbaijan | Technology. Education Profiles." in out
    workdir = Path(out.split("; store ")[1].split("\n")[0]).parent
    assert workdir.name.startswith("profilewatch-demo-") and not workdir.exists()  # cleaned up
