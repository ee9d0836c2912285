"""End to end: ``profilewatch run`` against the mock server, one page per transition, several cycles.

Every case of the contract's event rules, asserted on what ``changes --json`` and ``history --json``
say afterwards (the way scripts see it), not on log lines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from profilewatch import samples
from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support.mockserver import MockServer, render_variant

pytestmark = pytest.mark.slow

PAGES = {
    # path: the sequence of what the page serves in cycles 1..5
    "/churn": ["base", "churn:1", "churn:2", "churn:3", "churn:4"],
    "/edit": ["base", "churn:1", "edit:1+churn:2", "edit:1+churn:3", "edit:2+churn:4"],
    "/meta": ["base", "meta:7", "meta:7+churn:5", "meta:8", "meta:8"],
    "/error-then-back": ["base", "status:503", "challenge", "maintenance", "churn:9"],
    "/gone": ["base", "status:404", "status:404", "status:404", "status:410"],
    "/blip": ["base", "status:404", "base", "status:404", "base"],
    "/empty": ["base", "empty", "truncated", "pdf", "base"],
    "/recode": ["base", "cp1252", "cp1252-undeclared", "base", "base"],
}
SAMPLE = {"/churn": "undp-press-release", "/edit": "unesco-profile", "/meta": "unesco-profile",
          "/error-then-back": "ngo-news", "/gone": "unicef-page", "/blip": "ngo-news",
          "/empty": "undp-press-release", "/recode": "ngo-news"}


def serve_cycle(server: MockServer, cycle: int) -> None:
    for path, script in PAGES.items():
        state = script[cycle]
        name = SAMPLE[path]
        if state.startswith("status:"):
            server.page(path, f"<html><body><h1>Error {state[7:]}</h1></body></html>",
                        status=int(state[7:]))
        elif state == "challenge":
            server.page(path, server_page("challenge"))
        elif state == "maintenance":
            server.page(path, server_page("maintenance"))
        elif state == "empty":
            server.page(path, b"")
        elif state == "truncated":
            html = samples.load_sample(name)
            server.page(path, html[: len(html) // 2])
        elif state == "pdf":
            server.page(path, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
                        content_type="application/pdf")
        elif state == "cp1252":
            server.page(path, samples.encode_as(render_variant(name, "base"), "windows-1252"),
                        content_type="text/html; charset=windows-1252")
        elif state == "cp1252-undeclared":
            server.page(path, samples.encode_as(render_variant(name, "base"), "windows-1252",
                                                declare=False), content_type="text/html")
        else:
            server.sample(path, name, state)


def server_page(kind: str) -> str:
    from tests.support.mockserver import CHALLENGE_HTML, MAINTENANCE_HTML

    return CHALLENGE_HTML if kind == "challenge" else MAINTENANCE_HTML


def test_every_transition_is_classified(server: MockServer, cli: Cli) -> None:
    urls = [server.url + path for path in PAGES]
    cli.write_config(FAST_SETTINGS + source_toml("local", urls))
    for cycle in range(5):
        serve_cycle(server, cycle)
        result = cli("run")
        assert result.code == 0, result.stderr
    events = cli("changes", "--json").json()
    by_url: dict[str, list[str]] = {}
    for event in events:
        by_url.setdefault(event["url"].removeprefix(server.url), []).append(event["kind"])
    assert by_url == {
        "/churn": ["new"],
        "/edit": ["new", "content", "content"],
        "/meta": ["new", "metadata", "metadata"],
        "/error-then-back": ["new"],
        "/gone": ["new", "gone"],
        "/blip": ["new"],
        "/empty": ["new"],
        "/recode": ["new"],
    }
    ids = [e["id"] for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)

    meta_history = cli("history", server.url + "/meta", "--json").json()
    assert [v["version"] for v in meta_history] == [1, 2, 3]
    assert len({v["content_sha256"] for v in meta_history}) == 1      # metadata-only versions
    assert [v["last_modified_text"] for v in meta_history] == [
        "Mon, 05/08/2024 - 17:13", "Tue, 07/01/2025 - 11:00", "Wed, 08/01/2025 - 11:00"]

    meta_events = [e for e in events if e["kind"] == "metadata"]
    assert meta_events[0]["last_modified_before"] == "2024-08-05T15:13:00Z"
    assert meta_events[0]["last_modified_after"] == "2025-01-07T10:00:00Z"

    edit_events = [e for e in events if e["url"].endswith("/edit") and e["kind"] == "content"]
    assert edit_events[0]["lines_added"] >= 1 and edit_events[0]["lines_removed"] >= 1
    assert (edit_events[0]["from_version"], edit_events[0]["to_version"]) == (1, 2)

    gone = next(e for e in events if e["kind"] == "gone")
    assert gone["from_version"] == 1 and gone["to_version"] is None


def test_show_at_returns_the_text_live_then(server: MockServer, cli: Cli) -> None:
    url = server.sample("/page", "unesco-profile")
    cli.write_config(FAST_SETTINGS + source_toml("local", [url]))
    assert cli("run").code == 0
    server.sample("/page", "unesco-profile", "edit:1")
    assert cli("run").code == 0
    history = cli("history", url, "--json").json()
    assert [v["version"] for v in history] == [1, 2]
    first = cli("show", url, "--at", history[0]["fetched_at"])
    second = cli("show", url, "--at", history[1]["fetched_at"])
    assert "added in revision 1" not in first.stdout
    assert "added in revision 1" in second.stdout
    assert "1. Terminology" in first.stdout
    before = cli("show", url, "--at", "2001-01-01")
    assert before.code == 1 and "no version at or before" in before.stderr
    diff = cli("diff", url, "--format", "json").json()
    assert diff["lines_added"] == 1 and diff["lines_removed"] == 1
    assert any("added in revision 1" in line for h in diff["hunks"] for line in h["new"])


def test_conditional_requests_and_redirects(server: MockServer, cli: Cli) -> None:
    url = server.sample("/cond", "ngo-news")
    server.sample("/target", "undp-press-release")
    # a moved page (its slug's words are in the target's title); a redirect to an unrelated page
    # is a failed check (tests/e2e/crawl/test_not_the_page.py)
    moved = server.page("/eu-funded-inclusive-vocational-centre-relocated", b"", status=301,
                        headers={"Location": "/target"}, conditional=False)
    cli.write_config(FAST_SETTINGS + source_toml("local", [url, moved]))
    assert cli("run").code == 0
    assert cli("run").code == 0
    second_run = [r for r in server.requests if r.path == "/cond"][1]
    assert "if-none-match" in second_run.headers
    history = cli("history", moved, "--json").json()
    assert len(history) == 1 and history[0]["final_url"] == server.url + "/target"
    assert [e["kind"] for e in cli("changes", "--json").json()] == ["new", "new"]


@pytest.mark.postgres
def test_runs_on_postgresql(server: MockServer, tmp_path: Path, pg_url: str) -> None:
    cli = Cli(tmp_path, pg_url)
    url = server.sample("/pg", "unicef-page")
    cli.write_config(FAST_SETTINGS + source_toml("local", [url]))
    assert cli("run").code == 0
    server.sample("/pg", "unicef-page", "edit:1+churn:2")
    assert cli("run").code == 0
    server.sample("/pg", "unicef-page", "edit:1+churn:3")
    assert cli("run").code == 0
    assert [e["kind"] for e in cli("changes", "--json").json()] == ["new", "content"]
    assert [v["version"] for v in cli("history", url, "--json").json()] == [1, 2]
