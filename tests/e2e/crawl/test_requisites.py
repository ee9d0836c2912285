"""Requisite capture end to end (issue 14): real runs against the mock server.

One pair of runs is shared by the assertions of the main test: two pages of one site, a stylesheet
that changes between the runs, shared images and font, a missing image, an image on a host the
source may not fetch, and a script (never fetched)."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support.mockserver import MockServer
from tests.support.requisite_site import page_html, serve_site

EXTRA = ('<img id="broken" src="/img/missing.png">'
         '<img id="elsewhere" src="http://127.0.0.3:9/img/foreign.png">')


def captures(db: Path) -> list[tuple[int, str, int | None, str | None, str | None]]:
    """(version id, URL path, status, sha256, reason) of every version's requisites."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT vr.version_id, u.url, c.http_status, c.sha256, c.reason FROM version_requisites vr "
            "JOIN requisite_captures c ON c.id = vr.capture_id "
            "JOIN requisite_urls u ON u.id = c.url_id ORDER BY vr.version_id, u.url").fetchall()
    return [(v, url.split("/", 3)[3], status, sha, reason) for v, url, status, sha, reason in rows]


def _config(cli: Cli, urls: list[str], settings: str = "") -> None:
    cli.write_config(FAST_SETTINGS + "obey_robots = false\n" + settings + source_toml("site", urls))


def test_capture_dedup_conditional_refetch_and_failures(server: MockServer, cli: Cli,
                                                        tmp_path: Path) -> None:
    url = serve_site(server, 1, "First text.")
    second = server.page("/other", page_html(1, "Another page of the site.").replace(
        "</body>", EXTRA + "</body>"))
    _config(cli, [url, second])
    assert cli("run").code == 0
    first_run = [r.path for r in server.requests]
    serve_site(server, 2, "Second text, edited.")
    server.page("/other", page_html(2, "Another page, edited.").replace("</body>", EXTRA + "</body>"))
    server.requests.clear()
    assert cli("run").code == 0
    second_run = server.requests

    # a URL is fetched once per run, whichever pages need it; scripts never
    counts = Counter(first_run)
    assert counts["/css/base.css"] == 1 and counts["/img/logo.png"] == 1
    assert counts["/fonts/archived.ttf"] == 1 and counts["/css/site.css"] == 1
    assert "/js/app.js" not in first_run and "/js/app.js" not in [r.path for r in second_run]
    # the second run asks conditionally for what it has, and stores nothing twice
    logo = next(r for r in second_run if r.path == "/img/logo.png")
    assert logo.headers.get("if-none-match")
    rows = captures(tmp_path / "store.db")
    by_version: dict[int, dict[str, tuple[int | None, str | None, str | None]]] = {}
    for version_id, path, status, sha, reason in rows:
        by_version.setdefault(version_id, {})[path] = (status, sha, reason)
    assert len(by_version) == 4                       # two pages, two versions each
    v1, v2 = by_version[1], by_version[max(by_version)]
    assert v1["css/site.css"][1] != v2["css/site.css"][1]         # refetched: it changed
    assert v1["css/site.css"][0] == v2["css/site.css"][0] == 200
    assert v2["img/logo.png"][:2] == (304, v1["img/logo.png"][1])
    assert v2["fonts/archived.ttf"][0] == 304
    other = next(v for v in by_version.values() if "img/missing.png" in v)
    assert other["img/missing.png"] == (404, None, "HTTP 404")
    foreign = next(v for k, v in other.items() if k.endswith("foreign.png"))
    assert foreign[1] is None and (foreign[2] or "").startswith("refused: host 127.0.0.3")
    with sqlite3.connect(tmp_path / "store.db") as conn:
        distinct = conn.execute("SELECT COUNT(DISTINCT sha256) FROM requisite_captures "
                                "WHERE sha256 IS NOT NULL").fetchone()[0]
        stored = conn.execute("SELECT COUNT(*) FROM blobs WHERE sha256 IN (SELECT sha256 FROM "
                              "requisite_captures)").fetchone()[0]
    assert distinct == stored == 11                   # 2 site.css + base.css + font + 7 images
    # the failures never failed the pages
    changes = cli("changes", "--json").json()
    assert sorted(e["kind"] for e in changes) == ["content", "content", "new", "new"]
    verified = cli("verify")                          # requisite blobs are verified like captures
    assert verified.code == 0, verified.stdout + verified.stderr


def test_budget_and_switch(server: MockServer, cli: Cli, tmp_path: Path) -> None:
    url = serve_site(server, 1, "Budget text.")
    _config(cli, [url], "requisites_max_bytes = 20000\n")
    assert cli("run").code == 0
    reasons = {path: reason for _, path, _, _, reason in captures(tmp_path / "store.db")}
    assert reasons["fonts/archived.ttf"] == "over the version's requisites_max_bytes"
    assert reasons["css/site.css"] is None and reasons["img/logo.png"] is None

    server.requests.clear()
    serve_site(server, 2, "Budget text, edited, with requisites off.")
    _config(cli, [url], "requisites = false\n")
    assert cli("run").code == 0
    assert [r.path for r in server.requests] == ["/profile"]
    assert cli("history", url, "--json").json()[-1]["version"] == 2
