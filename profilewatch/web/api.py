"""The JSON HTTP API under ``/api`` (schema at ``/openapi.json``, see :mod:`profilewatch.web.openapi`).

Read-only. Lists are paginated: ``limit`` and ``offset`` (events: ``after_id``, a cursor over their
increasing ids) with the page in ``items`` and the next page's URL in ``next`` and in a
``Link: <…>; rel="next"`` header. Every answer carries a strong ETag; ``If-None-Match`` gets 304.
Errors are ``{"error": "one line"}`` with 400 (bad parameter) or 404 (unknown page or version).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from profilewatch.config import EVENT_KINDS
from profilewatch.diffs.export import diff_as_json
from profilewatch.errors import UsageError
from profilewatch.timeutil import parse_user_time
from profilewatch.web.archive import Archive, int_param, page_status, version_links
from profilewatch.web.memento import base_url
from profilewatch.web.openapi import openapi_schema
from profilewatch.web.security import etag_response
from storage.results import VersionInfo, iso

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def json_response(request: Request, data: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return etag_response(request, body, "application/json", headers)


def _archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


def _required(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if not value:
        raise UsageError(f"the {name} parameter is required")
    return value


def _next_url(request: Request, **changes: int) -> str:
    params = dict(request.query_params)
    params.update({k: str(v) for k, v in changes.items()})
    return f"{base_url(request)}{request.url.path}?{urlencode(params)}"


def _window(request: Request) -> tuple[int, int]:
    """``(offset, limit)`` of the request."""
    limit = int_param(request.query_params.get("limit"), "limit", minimum=1, maximum=MAX_LIMIT,
                      default=DEFAULT_LIMIT)
    offset = int_param(request.query_params.get("offset"), "offset", default=0)
    assert limit is not None and offset is not None
    return offset, limit


def paginated(request: Request, items: list[Any]) -> Response:
    """One page of ``items`` by ``limit``/``offset``."""
    offset, limit = _window(request)
    return _screen(request, items[offset:offset + limit], len(items), offset, limit)


def _screen(request: Request, chunk: list[Any], total: int, offset: int, limit: int) -> Response:
    next_url = _next_url(request, offset=offset + limit) if offset + limit < total else None
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
    return json_response(request, {"items": chunk, "total": total, "offset": offset,
                                   "limit": limit, "next": next_url}, headers)


def version_json(base: str, version: VersionInfo) -> dict[str, Any]:
    return {"url": version.url, **version.as_json(), "chain_sha256": version.chain_sha256,
            "last_modified_kind": version.last_modified_kind, "links": version_links(base, version)}


def sources(request: Request) -> Response:
    return paginated(request, _archive(request).store.sources())


def pages(request: Request) -> Response:
    archive = _archive(request)
    base = base_url(request)
    offset, limit = _window(request)
    # one screen read from the store, not every page (100,000 pages: see docs/scaling.md)
    found, total = archive.store.page_list(request.query_params.get("source") or None,
                                           offset=offset, limit=limit)
    items = []
    for page, title in found:
        items.append({
            "url": page.url, "source": page.source, "title": title,
            "status": page_status(page), "versions": page.versions,
            "last_change_at": iso(page.last_change_at), "last_checked_at": iso(page.last_checked_at),
            "last_ok_at": iso(page.last_ok_at), "failing_since": iso(page.failing_since),
            "fail_count": page.fail_count, "last_error": page.last_error,
            "gone_at": iso(page.gone_at), "discovered_at": iso(page.discovered_at),
            "discovered_via": page.discovered_via, "watched": page.watched,
            "links": {"versions": f"{base}/api/versions?{urlencode({'url': page.url})}",
                      "timemap": f"{base}/timemap/link/{page.url}",
                      "timegate": f"{base}/timegate/{page.url}",
                      "ui": f"{base}/page?{urlencode({'url': page.url})}"}})
    return _screen(request, items, total, offset, limit)


def versions(request: Request) -> Response:
    base = base_url(request)
    _, found = _archive(request).history(_required(request, "url"))
    return paginated(request, [version_json(base, v) for v in found])


def _version(request: Request) -> VersionInfo:
    number = int_param(request.query_params.get("version"), "version", minimum=1)
    return _archive(request).version(_required(request, "url"), number,
                                     request.query_params.get("at") or None)


def version(request: Request) -> Response:
    archive = _archive(request)
    found = _version(request)
    data = version_json(base_url(request), found)
    data.update({"source": found.source, "organisation": found.organisation,
                 "metadata": found.metadata, "headings": list(found.headings),
                 "text": archive.store.text(found)})
    return json_response(request, data)


def events(request: Request) -> Response:
    params = request.query_params
    limit = int_param(params.get("limit"), "limit", minimum=1, maximum=MAX_LIMIT,
                      default=DEFAULT_LIMIT)
    after_id = int_param(params.get("after_id"), "after_id")
    kind = params.get("kind") or None
    if kind is not None and kind not in EVENT_KINDS:
        raise UsageError(f"kind must be one of {', '.join(EVENT_KINDS)}")
    since = parse_user_time(params["since"]) if params.get("since") else None
    archive = _archive(request)
    url = params.get("url") or None
    if url is not None:
        url, _ = archive.history(url)
    assert limit is not None
    found = archive.store.events(since=since, url=url, kind=kind, source=params.get("source") or None,
                                 after_id=after_id, limit=limit + 1)
    items = [e.as_json() for e in found[:limit]]
    next_url = _next_url(request, after_id=found[limit - 1].id) if len(found) > limit else None
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else None
    return json_response(request, {"items": items, "limit": limit, "next": next_url}, headers)


def diff(request: Request) -> Response:
    params = request.query_params
    comparison = _archive(request).compare(
        _required(request, "url"), int_param(params.get("from"), "from", minimum=1),
        int_param(params.get("to"), "to", minimum=1))
    return json_response(request, diff_as_json(comparison.old, comparison.new, comparison.old_text,
                                               comparison.new_text, comparison.diff))


def tables(request: Request) -> Response:
    found = _version(request)
    return json_response(request, {
        "url": found.url, "version": found.version, "fetched_at": iso(found.fetched_at),
        "tables": [t.as_json() for t in _archive(request).store.tables(found)]})


def citation(request: Request) -> Response:
    archive = _archive(request)
    found = _version(request)
    data: dict[str, Any] = {"url": found.url, "version": found.version,
                            "fetched_at": iso(found.fetched_at),
                            "content_sha256": found.content_sha256}
    style = request.query_params.get("style")
    if style:
        data.update({"style": style, "citation": archive.citation(found, style)})
    else:
        data["citations"] = archive.citations(found)
    return json_response(request, data)


def openapi(request: Request) -> Response:
    return json_response(request, openapi_schema(base_url(request)))


ROUTES = [
    Route("/openapi.json", openapi, methods=["GET", "HEAD"]),
    Route("/api/sources", sources, methods=["GET", "HEAD"]),
    Route("/api/pages", pages, methods=["GET", "HEAD"]),
    Route("/api/versions", versions, methods=["GET", "HEAD"]),
    Route("/api/version", version, methods=["GET", "HEAD"]),
    Route("/api/events", events, methods=["GET", "HEAD"]),
    Route("/api/diff", diff, methods=["GET", "HEAD"]),
    Route("/api/tables", tables, methods=["GET", "HEAD"]),
    Route("/api/citation", citation, methods=["GET", "HEAD"]),
]
