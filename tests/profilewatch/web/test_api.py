"""The JSON API: every endpoint answers as its OpenAPI schema says (validated), pages, ETags and
one-line errors."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from profilewatch.citation import STYLES
from profilewatch.web.openapi import ENDPOINTS, WRITE_ENDPOINTS
from storage.results import iso
from tests.support.web import WebArchive


@pytest.fixture(scope="module")
def schema(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def check(schema: dict[str, Any], path: str, data: Any) -> None:
    response_schema = schema["paths"][path]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    Draft202012Validator({**response_schema, "components": schema["components"]}).validate(data)


def test_openapi_document_is_valid(schema: dict[str, Any]) -> None:
    validate(schema)
    assert set(schema["paths"]) == set(ENDPOINTS) | set(WRITE_ENDPOINTS)
    assert schema["openapi"] == "3.1.0"


def test_every_endpoint_matches_its_schema(client: TestClient, schema: dict[str, Any],
                                           web_archive: WebArchive) -> None:
    url = web_archive.peer
    calls = {
        "/api/sources": {}, "/api/pages": {}, "/api/versions": {"url": url},
        "/api/version": {"url": url, "version": 3}, "/api/events": {"url": url},
        "/api/diff": {"url": url, "from": 1, "to": 4}, "/api/citation": {"url": url, "at": "2024-06-04"},
        "/api/runs": {}, "/api/tables": {"url": url, "version": 2},
    }
    assert set(calls) == set(ENDPOINTS)
    for path, params in calls.items():
        response = client.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"] == "application/json"
        check(schema, path, response.json())


def test_pages_versions_and_events(client: TestClient, web_archive: WebArchive) -> None:
    pages = {p["url"]: p for p in client.get("/api/pages").json()["items"]}
    assert pages[web_archive.peer]["status"] == "ok" and pages[web_archive.peer]["versions"] == 4
    assert pages[web_archive.query]["status"] == "failing"
    assert pages[web_archive.query]["last_error"] == "HTTP 503"
    assert pages[web_archive.empty]["status"] == "unchecked"
    assert client.get("/api/pages", params={"source": "unicef"}).json()["total"] == 1
    versions = client.get("/api/versions", params={"url": web_archive.peer}).json()["items"]
    assert [v["version"] for v in versions] == [1, 2, 3, 4]
    assert [v["fetched_at"] for v in versions] == [iso(t) for t in web_archive.peer_times]
    one = client.get("/api/version", params={"url": web_archive.peer, "at": "2024-06-03"}).json()
    assert one["version"] == 2 and "This sentence was added in revision 1." in one["text"]
    events = client.get("/api/events", params={"url": web_archive.peer}).json()["items"]
    assert [e["kind"] for e in events] == ["new", "content", "metadata", "content"]
    diff = client.get("/api/diff", params={"url": web_archive.peer}).json()
    assert (diff["from"]["version"], diff["to"]["version"]) == (3, 4)
    assert diff["lines_added"] == 1 and diff["lines_removed"] == 1
    cited = client.get("/api/citation", params={"url": web_archive.peer, "version": 1}).json()
    assert set(cited["citations"]) == set(STYLES)
    mla = client.get("/api/citation", params={"url": web_archive.peer, "version": 1, "style": "mla"})
    assert mla.json()["citation"].startswith("UNESCO. “Azerbaijan | Technology.” Education Profiles, ")


def test_pagination(client: TestClient, web_archive: WebArchive) -> None:
    first = client.get("/api/versions", params={"url": web_archive.peer, "limit": 3})
    body = first.json()
    assert [v["version"] for v in body["items"]] == [1, 2, 3] and body["total"] == 4
    assert first.headers["link"] == f'<{body["next"]}>; rel="next"'
    second = client.get(body["next"]).json()
    assert [v["version"] for v in second["items"]] == [4] and second["next"] is None
    ids = []
    page = client.get("/api/events", params={"limit": 2}).json()
    while True:
        ids += [e["id"] for e in page["items"]]
        if page["next"] is None:
            break
        page = client.get(page["next"]).json()
    everything = client.get("/api/events").json()["items"]
    assert ids == [e["id"] for e in everything] and len(ids) == len(set(ids)) > 2


def test_etags(client: TestClient, web_archive: WebArchive) -> None:
    first = client.get("/api/versions", params={"url": web_archive.peer})
    etag = first.headers["etag"]
    again = client.get("/api/versions", params={"url": web_archive.peer},
                       headers={"If-None-Match": f'W/"nope", {etag}'})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = client.get("/api/versions", params={"url": web_archive.query},
                       headers={"If-None-Match": etag})
    assert other.status_code == 200


@pytest.mark.parametrize(("path", "params", "status", "error"), [
    ("/api/versions", {}, 400, "the url parameter is required"),
    ("/api/versions", {"url": "https://nowhere.example/"}, 404,
     "https://nowhere.example/ is not a watched page"),
    ("/api/version", {"url": "PEER", "version": 9}, 404, "PEER has no version 9 (versions 1-4)"),
    ("/api/version", {"url": "PEER", "version": "two"}, 400, "version must be an integer, not 'two'"),
    ("/api/version", {"url": "PEER", "at": "2020-01-01"}, 404,
     "PEER has no version at or before 2020-01-01"),
    ("/api/version", {"url": "PEER", "at": "soon"}, 400,
     "cannot read time 'soon': use ISO-8601, e.g. 2024-06-01 or 2024-06-01T12:00:00Z"),
    ("/api/versions", {"url": "PEER", "limit": 0}, 400, "limit must be 1..1000, not 0"),
    ("/api/events", {"kind": "edit"}, 400, "kind must be one of new, content, metadata, gone"),
    ("/api/citation", {"url": "PEER", "style": "harvard"}, 400,
     "unknown citation style 'harvard' (styles: apa, mla, chicago, bibtex, csl-json)"),
    ("/api/nothing", {}, 404, "no such page here"),
])
def test_errors_are_one_line_json(client: TestClient, web_archive: WebArchive, path: str,
                                  params: dict[str, Any], status: int, error: str) -> None:
    params = {k: (web_archive.peer if v == "PEER" else v) for k, v in params.items()}
    response = client.get(path, params=params)
    assert response.status_code == status
    assert response.json() == {"error": error.replace("PEER", web_archive.peer)}


def test_read_only(client: TestClient) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        response = client.request(method, "/api/pages")
        assert response.status_code == 405
        assert response.json() == {"error": "this archive is read-only: use GET or HEAD"}
