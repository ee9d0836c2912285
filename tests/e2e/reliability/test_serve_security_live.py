"""Security of ``profilewatch serve`` (issue 8, point 3) with real processes: a run triggered through
the API (a ``profilewatch run`` child), the ``serve`` command (loopback, the token from the
environment, read-only by default) and escaping of archived titles, text and URLs in headless
Chromium. (The in-process HTTP checks: ``test_serve_security_http.py``; the shared archive:
``served`` in ``conftest.py``.)"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2 as httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from starlette.testclient import TestClient

from profilewatch.config import load_config
from tests.conftest import Cli
from tests.support.browser import Watch, shot
from tests.support.mockserver import MockServer
from tests.support.processes import pw_command, pw_env, wait_for
from tests.support.serve import AUTH, TOKEN, Served, config_text
from tests.support.web import XSS_TEXT, XSS_TITLE, LiveApp, answering, xss_page

# --- runs -------------------------------------------------------------------------------------------

def test_trigger_a_run_and_follow_it(serve_client: TestClient, served: Served, cli: Cli,
                                     mockserver_session: MockServer) -> None:
    server = mockserver_session
    server.page("/ngo/xss", xss_page())
    server.page("/ngo/dropped", xss_page(2))
    dropped = f"{served.base}/ngo/dropped"
    assert serve_client.post("/api/sources/cnc/pages", headers=AUTH, json={"url": dropped}).status_code \
        == 201
    assert serve_client.delete("/api/sources/cnc/pages", headers=AUTH,
                               params={"url": dropped}).status_code == 200
    held = served.store.try_lock("run:other")           # another process runs "other"
    assert held is not None
    try:
        busy = serve_client.post("/api/sources/other/runs", headers=AUTH)
    finally:
        held.release()
    assert busy.status_code == 409 and "already being run" in busy.json()["error"]

    server.requests.clear()
    started = serve_client.post("/api/sources/cnc/runs", headers=AUTH)
    assert started.status_code == 202, started.text
    body = started.json()
    assert started.headers["location"] == body["follow"]["runs"] == \
        "http://testserver/api/runs?source=cnc"
    again = serve_client.post("/api/sources/cnc/runs", headers=AUTH)
    assert again.status_code == 409 and f"pid {body['pid']}" in again.json()["error"]

    def finished() -> dict[str, Any] | None:
        items = serve_client.get("/api/runs", params={"source": "cnc"}).json()["items"]
        new = [r for r in items if r["id"] > (body["after_run_id"] or 0)]
        return new[0] if new and new[0]["status"] != "running" else None

    run = wait_for(finished, timeout=60)
    assert run["status"] == "completed" and run["trigger"] == "manual"
    requested = server.paths_requested()
    assert "/ngo/xss" in requested and "/ngo/dropped" not in requested     # unwatched: not checked
    cli.config = Path(served.config.path or "")
    cli.db = served.db_url
    listed = {p["url"] for s in cli("sources", "--json").json() for p in s["pages"]}
    assert served.xss in listed and dropped not in listed
    launcher = serve_client.app.state.launcher     # type: ignore[attr-defined]
    wait_for(lambda: launcher.running("cnc") is None, timeout=10)     # the child was reaped


# --- the served command ----------------------------------------------------------------------------

def test_serve_binds_loopback_and_takes_the_token_from_the_environment(served: Served,
                                                                        tmp_path: Path) -> None:
    path = tmp_path / "profilewatch.toml"
    path.write_text(config_text(served.base, served.hook.url(), token=None), encoding="utf-8")
    command = pw_command(served.db_url, path, "serve", "--port", "0")
    process = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                               env=pw_env(PROFILEWATCH_TOKEN=TOKEN))
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert line.startswith("profilewatch: serving http://127.0.0.1:"), line
        assert process.stderr.readline() == \
            "profilewatch: write endpoints enabled (bearer token required)\n"
        base = line.split()[2].rstrip("/")
        wait_for(lambda: answering(f"{base}/api/runs", 200), timeout=10, what="serve to answer")
        new = {"url": f"{served.base}/ngo/from-env"}
        assert httpx.post(f"{base}/api/sources/cnc/pages", json=new).status_code == 401
        answer = httpx.post(f"{base}/api/sources/cnc/pages", json=new, headers=AUTH)
        assert answer.status_code == 201, answer.text
        assert answer.headers.get("server") is None     # no server banner
    finally:
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=10)
    assert process.returncode == 0 and TOKEN not in rest


def test_the_default_is_loopback_and_read_only(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROFILEWATCH_TOKEN", raising=False)
    path = tmp_path / "profilewatch.toml"
    path.write_text("[[source]]\nname = 'a'\nurls = ['https://example.org/']\n", encoding="utf-8")
    config = load_config(path)
    assert config.serve.host == "127.0.0.1" and config.serve.token is None
    monkeypatch.setenv("PROFILEWATCH_TOKEN", TOKEN)
    assert load_config(path).serve.token == TOKEN
    for text in ('[serve]\ntoken = "short"\n', '[serve]\ntoken = ""\n'):
        path.write_text(text + "[[source]]\nname = 'a'\nurls = ['https://example.org/']\n",
                        encoding="utf-8")
        with pytest.raises(Exception, match="value not shown") as raised:
            load_config(path)
        assert "short" not in str(raised.value)


# --- escaping, in a real browser ---------------------------------------------------------------------

XSS_URL_PATH = "/ngo/%22%3E%3Cscript%3Ealert('url')%3C/script%3E?q=<img/src=x/onerror=alert(9)>"


def test_xss_payloads_in_titles_text_and_urls_are_shown_as_text(
        served: Served, browser: Browser, context: tuple[BrowserContext, Watch]) -> None:
    ctx, watch = context
    evil = served.base + XSS_URL_PATH
    with LiveApp(served.app()) as live:
        added = httpx.post(f"{live.url}/api/sources/cnc/pages", json={"url": evil}, headers=AUTH)
        assert added.status_code == 201, added.text
        page = ctx.new_page()
        xss = quote(served.xss, safe="")
        reflected = "<img src=x onerror=\"alert('reflected')\">"
        visits = {
            "pages": ("/", [XSS_TITLE, evil]),
            "timeline": (f"/page?url={xss}", [XSS_TITLE]),
            "version": (f"/version?url={xss}&version=1", [XSS_TITLE, f"Injected: {XSS_TEXT}"]),
            "added": (f"/page?url={quote(evil, safe='')}", [evil]),
            "reflected": (f"/page?url={quote(reflected, safe='')}", [reflected]),
            "api": (f"/api/version?url={xss}", ['"title":"' + XSS_TITLE.replace('"', '\\"')]),
            "feed": ("/feed.atom", []),
        }
        for name, (path, shown) in visits.items():
            page.goto(live.url + path, wait_until="load")
            for text in shown:
                expect(page.get_by_text(text, exact=False).first).to_be_visible()
            assert page.evaluate("() => window.pwned === undefined"), name
            if name not in ("api", "feed"):
                assert page.evaluate("() => document.scripts.length") == 0, name
                assert page.locator("img[onerror], [onload], [onclick]").count() == 0, name
            shot(page, f"reliability-xss-{name}")
    assert watch.dialogs == [] and watch.beacons == [] and watch.external == []
