"""Security of ``profilewatch serve`` (issue 8, point 3), through the in-process client: bearer-token
write endpoints, read-only by default, the crawler's address rules for URLs added through the API
(SSRF), resending a report, security headers on every answer, no stack traces. (A run triggered
through the API, the ``serve`` command and escaping in Chromium: ``test_serve_security_live.py``;
the shared archive: ``served`` in ``conftest.py``.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2 as httpx
import pytest
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from pipeline.addresses import HostPolicy, address_problem, url_refusal
from profilewatch.config import load_config
from profilewatch.errors import NotFoundError
from profilewatch.reports.build import build_report
from profilewatch.reports.deliver import deliver
from profilewatch.reports.targets import parse_target
from profilewatch.web.admin import AdminSettings
from profilewatch.web.app import create_app
from profilewatch.web.openapi import WRITE_ENDPOINTS
from storage.reporting import ReportWindow
from storage.store import Store
from tests.support.archive import DAY, T0, add_sources, record
from tests.support.serve import AUTH, TOKEN, FakeResolver, Served, config_text
from tests.support.web import xss_page


def write_requests(served: Served) -> list[tuple[str, str, dict[str, Any]]]:
    """One request to each write endpoint: (method, path, httpx keyword arguments)."""
    page = {"json": {"url": f"{served.base}/ngo/new"}}
    return [("POST", "/api/sources/cnc/pages", page),
            ("DELETE", "/api/sources/cnc/pages", {"params": {"url": served.xss}}),
            ("POST", "/api/sources/cnc/runs", {}),
            ("POST", "/api/deliveries/1/resend", {})]


def snapshot(store: Store) -> tuple[Any, ...]:
    return (tuple((p.url, p.watched) for p in store.pages()), len(store.runs()),
            len(store.deliveries()))


# --- authentication --------------------------------------------------------------------------------

def test_every_write_endpoint_answers_401_without_the_token(serve_client: TestClient,
                                                             served: Served) -> None:
    before = snapshot(served.store)
    wrong = [{}, {"Authorization": "Bearer"}, {"Authorization": f"Bearer {TOKEN[:-1]}"},
             {"Authorization": f"Bearer {TOKEN}x"}, {"Authorization": f"Bearer {TOKEN.upper()}"},
             {"Authorization": f"Basic {TOKEN}"}, {"Authorization": TOKEN},
             {"X-Token": TOKEN}, {"Cookie": f"token={TOKEN}; session={TOKEN}"}]
    for method, path, kwargs in write_requests(served):
        for headers in wrong:
            response = serve_client.request(method, path, headers=headers, **kwargs)
            assert response.status_code == 401, (method, path, headers, response.text)
            assert response.headers["www-authenticate"].startswith('Bearer realm="profilewatch"')
            assert response.headers["content-type"] == "application/json"
            assert TOKEN not in response.text and TOKEN[:12] not in response.text
            assert "set-cookie" not in response.headers
        # nor as a query parameter
        params = {**kwargs.get("params", {}), "token": TOKEN, "access_token": TOKEN}
        response = serve_client.request(method, path, params=params,
                                        **{k: v for k, v in kwargs.items() if k != "params"})
        assert response.status_code == 401
    assert snapshot(served.store) == before


def test_the_openapi_document_describes_every_write_endpoint(serve_client: TestClient) -> None:
    document = serve_client.get("/openapi.json").json()
    validate(document)
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    for path, operations in WRITE_ENDPOINTS.items():
        for method, (_, _, body, answers) in operations.items():
            operation = document["paths"][path][method]
            assert operation["security"] == [{"bearerToken": []}]
            assert {"401", "403"} <= set(operation["responses"]) and set(answers) <= set(
                operation["responses"])
            assert ("requestBody" in operation) == (body is not None)
            concrete = path.replace("{source}", "cnc").replace("{delivery_id}", "1")
            answer = serve_client.request(method.upper(), concrete)      # the route exists: 401, not 404
            assert answer.status_code == 401, (method, path, answer.text)


def test_write_endpoints_are_disabled_without_a_configured_token(served: Served,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "profilewatch.toml"
    path.write_text(config_text(served.base, served.hook.url(), token=None), encoding="utf-8")
    before = snapshot(served.store)
    no_token = AdminSettings(load_config(path), served.db_url, resolver=served.resolver)
    for app in (create_app(served.store), served.app(admin=no_token)):
        with TestClient(app) as serve_client:
            for method, path_, kwargs in write_requests(served):
                response = serve_client.request(method, path_, headers=AUTH, **kwargs)
                assert response.status_code == 403, (method, path_, response.text)
                assert "read-only" in response.json()["error"]
            assert serve_client.post("/api/pages", headers=AUTH).status_code == 405
            assert serve_client.put("/api/sources/cnc/pages", headers=AUTH).status_code == 405
            assert serve_client.get("/api/runs").status_code == 200        # reading needs no token
    assert snapshot(served.store) == before


# --- watching pages -------------------------------------------------------------------------------

def pages(serve_client: TestClient, source: str = "cnc") -> dict[str, dict[str, Any]]:
    items = serve_client.get("/api/pages", params={"source": source}).json()["items"]
    return {p["url"]: p for p in items}


def test_add_remove_and_add_again_keeps_the_archive(serve_client: TestClient, served: Served) -> None:
    url = f"{served.base}/ngo/added"
    added = serve_client.post("/api/sources/cnc/pages", headers=AUTH, json={"url": url + "#comments"})
    assert added.status_code == 201, added.text
    assert added.json()["url"] == url and added.json()["before"] == "absent"
    assert added.headers["location"].endswith("/api/versions?url=" + quote(url, safe=""))
    assert pages(serve_client)[url]["watched"] is True
    again = serve_client.post("/api/sources/cnc/pages", headers=AUTH, json={"url": url + "/"})
    assert again.status_code == 200 and again.json()["url"] == url      # one page, one spelling

    record(served.store, url, "cnc", xss_page(1), T0 + DAY)
    removed = serve_client.delete("/api/sources/cnc/pages", headers=AUTH, params={"url": url})
    assert removed.status_code == 200, removed.text
    assert removed.json() == {**removed.json(), "watched": False, "archive": "kept"}
    assert pages(serve_client)[url]["watched"] is False and pages(serve_client)[url]["status"] == "unwatched"
    versions = serve_client.get("/api/versions", params={"url": url}).json()["items"]
    assert [v["version"] for v in versions] == [1]                     # still archived, citable
    assert served.store.unwatched_urls("cnc") == {url}

    readded = serve_client.post("/api/sources/cnc/pages", headers=AUTH, json={"url": url})
    assert readded.status_code == 201 and readded.json()["before"] == "unwatched"
    assert served.store.unwatched_urls("cnc") == set()


def test_the_store_watches_and_unwatches_pages(store: Store) -> None:
    """On SQLite and PostgreSQL: one page per page key, other sources' pages left alone."""
    add_sources(store, {"https://a.example.org/one": ("a", None),
                        "https://b.example.org/two": ("b", None)})
    added = store.watch_page("a", "https://a.example.org/new?utm_source=x")
    assert (added.before, added.watched, added.source) == ("absent", True, "a")
    same = store.watch_page("a", "http://a.example.org/new/")
    assert (same.url, same.before) == (added.url, "watched")
    assert store.watch_page("a", "https://b.example.org/two").source == "b"
    gone = store.unwatch_page("a", "HTTPS://A.example.org/new#top")
    assert (gone.url, gone.before, gone.watched) == (added.url, "watched", False)
    assert store.unwatched_urls("a") == {added.url} and store.unwatched_urls("b") == set()
    assert {p.url: p.watched for p in store.pages("a")}[added.url] is False
    with pytest.raises(NotFoundError):
        store.unwatch_page("a", "https://b.example.org/two")
    with pytest.raises(NotFoundError):
        store.watch_page("nope", "https://c.example.org/")
    assert store.watch_page("a", added.url).before == "unwatched"


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "message"), [
    ("DELETE", "/api/sources/cnc/pages", {"params": {"url": "{base}/ngo/xss"}}, 409,
     "is configured in"),
    ("DELETE", "/api/sources/cnc/pages", {"params": {"url": "{base}/never-added"}}, 404,
     "is not a page of source 'cnc'"),
    ("DELETE", "/api/sources/cnc/pages", {}, 400, "the url parameter is required"),
    ("POST", "/api/sources/cnc/pages", {"json": {"url": "{base}/other"}}, 409,
     "is a page of source 'other'"),
    ("POST", "/api/sources/nope/pages", {"json": {"url": "{base}/x"}}, 404, "no source named 'nope'"),
    ("POST", "/api/sources/cnc/pages", {"json": ["{base}/x"]}, 400, '"url" string'),
    ("POST", "/api/sources/cnc/pages", {"content": b"{not json", "headers":
                                         {"content-type": "application/json"}}, 400, '"url"'),
    ("POST", "/api/sources/cnc/pages", {"data": {"url": "{base}/x"}}, 415, "as JSON"),
    ("POST", "/api/sources/cnc/pages", {"json": {"url": "{base}/" + "x" * 20_000}}, 413,
     "larger than"),
    ("POST", "/api/deliveries/99999/resend", {}, 404, "no delivery 99999"),
    ("POST", "/api/deliveries/abc/resend", {}, 400, "must be an integer"),
    ("GET", "/api/sources/cnc/runs", {}, 405, "use POST here"),
])
def test_mistakes_get_one_clear_json_error(serve_client: TestClient, served: Served, method: str,
                                           path: str, kwargs: dict[str, Any], status: int,
                                           message: str) -> None:
    kwargs = json.loads(json.dumps(kwargs).replace("{base}", served.base)) if "content" not in kwargs \
        else kwargs
    headers = {**AUTH, **kwargs.pop("headers", {})}
    response = serve_client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]
    assert "Traceback" not in response.text


# --- the address rules (SSRF) ------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "refusal"), [
    ("file:///etc/passwd", "file URL: only http and https"),
    ("data:text/html,<script>alert(1)</script>", "data URL"),
    ("javascript:alert(document.domain)", "javascript URL"),
    ("gopher://127.0.0.1:6379/_INFO", "gopher URL"),
    ("ftp://127.0.0.1/etc/passwd", "ftp URL"),
    ("//127.0.0.1/x", "a relative URL"),
    ("http://127.0.0.1:22/", "host 127.0.0.1 resolves to a loopback address"),   # not as written
    ("http://localhost:{port}/ngo", "host localhost is not one of this source's hosts"),
    ("http://[::1]:{port}/ngo", "host ::1 is not one of this source's hosts"),
    ("http://2130706433:{port}/", "host 2130706433 is not one of"),
    ("http://0x7f.1:{port}/", "host 0x7f.1 is not one of"),
    ("http://169.254.169.254/latest/meta-data/", "host 169.254.169.254 is not one of"),
    ("http://evil.com/", "host evil.com is not one of"),
    ("http://example.org.evil.com/", "is not one of"),
    ("http://evilexample.org/", "is not one of"),
    ("http://intranet.example.org/", "resolves to a private address (10.0.0.5)"),
    ("http://rebind.example.org/", "resolves to a loopback address (127.0.0.1)"),
    ("http://mapped.example.org/", "resolves to a loopback address (::ffff:127.0.0.1)"),
    ("http://metadata.example.org/latest", "resolves to a link-local address"),
    ("http://cgnat.example.org/", "resolves to a non-public address (100.64.0.1)"),
    ("http://zero.example.org/", "resolves to an unspecified address"),
    ("http://sixtofour.example.org/", "resolves to a private address"),
    ("http://multicast.example.org/", "resolves to a multicast address"),
    ("http://nxdomain.example.org/", "host nxdomain.example.org does not resolve"),
    ("https://news.example.org:8443/", None),                      # checked, public
    ("http://v6.example.org/a", None),
    ("https://EXAMPLE.org./about", None),                            # as written: not resolved
    ("http://127.0.0.1:{port}/ngo/elsewhere", None),                # as written: trusted
])
def test_address_rules_of_the_crawler(served: Served, url: str, refusal: str | None) -> None:
    source = served.config.source("cnc")
    policy = HostPolicy.for_source(source.urls, source.allowed_domains)
    resolver = FakeResolver()
    url = url.replace("{port}", str(served.base.rsplit(":", 1)[1]))
    found = url_refusal(url, policy, resolver)
    if refusal is None:
        assert found is None
    else:
        assert found is not None and refusal in found
    if "example.org." in url or "{port}" in url or url.startswith(served.base):
        assert resolver.asked == []          # trusted origins are never resolved


def test_addresses_are_classified_whatever_their_spelling() -> None:
    assert [address_problem(a) for a in ("127.0.0.1", "127.255.255.254", "::1", "10.1.2.3",
                                         "172.16.0.1", "192.168.0.1", "fd00::1", "fe80::1%eth0",
                                         "169.254.1.1", "0.0.0.0", "::", "::ffff:10.0.0.1",
                                         "100.64.0.1", "240.0.0.1", "not an ip")] == [
        "loopback", "loopback", "loopback", "private", "private", "private", "private",
        "link-local", "link-local", "unspecified", "unspecified", "private", "non-public",
        "private", "invalid"]
    assert address_problem("93.184.216.34") is None
    assert address_problem("2606:4700::6810:85e5") is None


def test_urls_added_through_the_api_obey_the_address_rules(serve_client: TestClient,
                                                          served: Served) -> None:
    before = snapshot(served.store)
    port = served.base.rsplit(":", 1)[1]
    for url in ("file:///etc/passwd", "data:text/html,<b>x</b>", "javascript:alert(1)",
                "http://127.0.0.1:22/", f"http://localhost:{port}/", "http://intranet.example.org/",
                "http://169.254.169.254/latest/meta-data/", f"http://user:pw@127.0.0.1:{port}/",
                f"http://127.0.0.1:{port}@evil.com/", f"{served.base}/a b", f"{served.base}/\x00"):
        response = serve_client.post("/api/sources/cnc/pages", headers=AUTH, json={"url": url})
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"].startswith(("refused: ", "URLs with credentials",
                                                    "not a URL"))
    assert snapshot(served.store) == before                     # nothing stored, nothing fetched
    good = serve_client.post("/api/sources/cnc/pages", headers=AUTH,
                             json={"url": "https://news.example.org/story"})
    assert good.status_code == 201 and "news.example.org" in served.resolver.asked
    gone = serve_client.delete("/api/sources/cnc/pages", headers=AUTH,
                               params={"url": "https://news.example.org/story"})
    assert gone.status_code == 200              # runs must not try to reach it (no internet)


# --- reports ----------------------------------------------------------------------------------------

def test_resend_a_report(serve_client: TestClient, served: Served) -> None:
    report = build_report(served.store, ReportWindow(since=T0 - DAY), scope="test")
    posts = served.hook.posts
    [first] = deliver(report, [parse_target(served.hook.url())], served.store)
    assert first.ok and len(posts) >= 1
    count = len(posts)
    response = serve_client.post(f"/api/deliveries/{first.delivery_id}/resend", headers=AUTH)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["ok"] is True and data["resent"] == first.delivery_id
    assert data["delivery_id"] > (first.delivery_id or 0)
    assert data["target"] == f"json://bot:****@127.0.0.1:{served.hook.port}/hook"
    assert "hook-password" not in response.text
    assert len(posts) == count + 1 and posts[-1].body == posts[-2].body


# --- headers and errors -------------------------------------------------------------------------------

def assert_secure_headers(response: httpx.Response, what: str) -> None:
    csp = response.headers.get("content-security-policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors" in csp, (what, csp)
    assert "script-src" not in csp or "'unsafe-inline'" not in csp
    assert response.headers.get("x-content-type-options") == "nosniff", what
    assert "set-cookie" not in response.headers, what


def test_security_headers_on_every_answer(serve_client: TestClient, served: Served) -> None:
    url = quote(served.xss, safe="")
    stamp = T0.strftime("%Y%m%d%H%M%S")
    requests = [("GET", "/"), ("HEAD", "/"), ("GET", f"/page?url={url}"),
                ("GET", f"/version?url={url}&version=1"), ("GET", f"/archived?url={url}"),
                ("GET", f"/web/{stamp}/{served.xss}"), ("GET", f"/web/{stamp}id_/{served.xss}"),
                ("GET", f"/timemap/link/{served.xss}"), ("HEAD", f"/timegate/{served.xss}"),
                ("GET", "/api/pages"), ("HEAD", "/api/pages"), ("GET", "/openapi.json"),
                ("GET", "/api/runs"), ("GET", "/static/style.css"), ("HEAD", "/static/style.css"),
                ("GET", "/feed.atom"), ("HEAD", "/feed/cnc.atom"), ("GET", "/feed/nope.atom"),
                ("GET", "/nope"), ("GET", "/api/nope"), ("GET", "/static/nope.css"),
                ("GET", "/api/version?url=x&version=abc"), ("POST", "/"), ("DELETE", "/api/pages"),
                ("POST", "/api/sources/cnc/pages"), ("POST", "/api/sources/cnc/runs"),
                ("GET", f"/web/{stamp}/http://unknown.example.org/")]
    statuses = set()
    for method, path in requests:
        response = serve_client.request(method, path)
        statuses.add(response.status_code)
        assert_secure_headers(response, f"{method} {path}")
    assert {200, 302, 400, 401, 404, 405} <= statuses


def test_no_stack_traces_reach_clients(served: Served, monkeypatch: pytest.MonkeyPatch,
                                       caplog: pytest.LogCaptureFixture) -> None:
    secret_detail = "boom at /srv/secret/path line 42"

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(secret_detail)

    for name in ("pages", "page_list", "page_info", "history", "sources", "latest_versions", "runs",
                 "delivery", "events", "window_events"):
        monkeypatch.setattr(served.store, name, explode)
    url = quote(served.xss, safe="")
    with TestClient(served.app(), raise_server_exceptions=False) as serve_client:
        for method, path in (("GET", "/"), ("GET", "/api/pages"), ("GET", f"/page?url={url}"),
                             ("GET", f"/timemap/link/{served.xss}"), ("GET", "/feed.atom"),
                             ("GET", "/api/runs"), ("POST", "/api/deliveries/1/resend")):
            response = serve_client.request(method, path, headers=AUTH)
            assert response.status_code == 500, (path, response.text)
            assert_secure_headers(response, path)
            for leak in (secret_detail, "Traceback", "RuntimeError", "File \"", ".py"):
                assert leak not in response.text, (path, leak)
            assert "internal error" in response.text.lower()
    assert secret_detail in caplog.text and "Traceback" in caplog.text    # the server log has it
