"""The OpenAPI 3.1 description of the JSON API (served at ``/openapi.json``).

Written as data from a small table of endpoints, so the schema and :mod:`profilewatch.web.api`
are reviewed side by side; a test checks every route here exists and answers as described.
"""

from __future__ import annotations

from typing import Any

from profilewatch import __version__
from profilewatch.citation import STYLES
from profilewatch.config import EVENT_KINDS


def _param(name: str, description: str, *, required: bool = False,
           schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or {"type": "string"}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


URL = _param("url", "The watched page's URL, as in the config.", required=True)
LIMIT = _param("limit", "Items per page (1-1000, default 100).",
               schema={"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})
OFFSET = _param("offset", "Items to skip.", schema={"type": "integer", "minimum": 0, "default": 0})
VERSION = _param("version", "Version number (1, 2, 3 … per page).",
                 schema={"type": "integer", "minimum": 1})
AT = _param("at", "The version live at this time (ISO-8601; a bare date is the end of that day).")
NULLABLE_STRING = {"type": ["string", "null"]}
TIME = {"type": ["string", "null"], "format": "date-time"}

SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
    "Source": {"type": "object", "properties": {
        "name": {"type": "string"}, "spider": {"type": "string"},
        "organisation": NULLABLE_STRING, "pages": {"type": "integer"}}},
    "Page": {"type": "object", "properties": {
        "url": {"type": "string"}, "source": {"type": "string"}, "title": NULLABLE_STRING,
        "status": {"enum": ["ok", "failing", "gone", "unchecked", "unwatched"]},
        "versions": {"type": "integer"}, "last_change_at": TIME, "last_checked_at": TIME,
        "last_ok_at": TIME, "failing_since": TIME, "fail_count": {"type": "integer"},
        "last_error": NULLABLE_STRING, "gone_at": TIME, "discovered_at": TIME,
        "discovered_via": {"type": "string"},
        "watched": {"type": "boolean",
                    "description": "False once removed: archived, no longer checked."},
        "links": {"type": "object"}}},
    "Version": {"type": "object", "properties": {
        "url": {"type": "string"}, "version": {"type": "integer"}, "fetched_at": TIME,
        "content_sha256": {"type": "string"}, "body_sha256": {"type": "string"},
        "chain_sha256": {"type": "string"}, "last_modified": NULLABLE_STRING,
        "last_modified_text": NULLABLE_STRING, "last_modified_kind": NULLABLE_STRING,
        "title": NULLABLE_STRING, "http_status": {"type": "integer"},
        "final_url": NULLABLE_STRING, "language": NULLABLE_STRING, "links": {"type": "object"},
        "text": {"type": "string", "description": "Only in /api/version."}}},
    "Event": {"type": "object", "properties": {
        "id": {"type": "integer"}, "url": {"type": "string"}, "source": {"type": "string"},
        "kind": {"enum": list(EVENT_KINDS)}, "detected_at": TIME,
        "from_version": {"type": ["integer", "null"]}, "to_version": {"type": ["integer", "null"]},
        "last_modified_before": NULLABLE_STRING, "last_modified_after": NULLABLE_STRING,
        "title": NULLABLE_STRING, "summary": {"type": "string"},
        "lines_added": {"type": "integer"}, "lines_removed": {"type": "integer"},
        "tables": {"type": "array", "items": _ref("CellChange"),
                   "description": "Content events of HTML pages: every changed table cell."}}},
    "CellChange": {"type": "object", "properties": {
        "table": {"type": "string", "description": "Caption, else nearest heading, else 'table N'."},
        "row": {"type": "string", "description": "The row's header cell (else its first cell)."},
        "column": {"type": "string", "description": "The column's header cell."},
        "before": {"type": ["string", "null"], "description": "null: an added row or column."},
        "after": {"type": ["string", "null"], "description": "null: a removed row or column."}}},
    "Table": {"type": "object", "properties": {
        "table": {"type": "string"}, "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            "header": {"type": "string"},
            "cells": {"type": "object", "additionalProperties": {"type": "string"}}}}}}},
    "Tables": {"type": "object", "properties": {
        "url": {"type": "string"}, "version": {"type": "integer"}, "fetched_at": TIME,
        "tables": {"type": "array", "items": _ref("Table")}}},
    "Diff": {"type": "object", "properties": {
        "url": {"type": "string"}, "from": {"type": "object"}, "to": {"type": "object"},
        "summary": {"type": "string"}, "lines_added": {"type": "integer"},
        "lines_removed": {"type": "integer"}, "hunks": {"type": "array", "items": {"type": "object"}}}},
    "Run": {"type": "object", "properties": {
        "id": {"type": "integer"}, "source": {"type": "string"},
        "status": {"enum": ["running", "completed", "interrupted", "failed"]},
        "trigger": {"type": "string"}, "started_at": TIME, "finished_at": TIME,
        "pages_ok": {"type": "integer"}, "pages_failed": {"type": "integer"},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}}}},
    "PageToWatch": {"type": "object", "required": ["url"], "properties": {
        "url": {"type": "string", "maxLength": 2048,
                "description": "An http(s) URL on one of the source's hosts."}}},
    "WatchChange": {"type": "object", "properties": {
        "url": {"type": "string"}, "source": {"type": "string"},
        "before": {"enum": ["absent", "watched", "unwatched"]}, "watched": {"type": "boolean"},
        "archive": {"type": "string"}, "links": {"type": "object"}}},
    "RunStarted": {"type": "object", "properties": {
        "source": {"type": "string"}, "state": {"const": "started"}, "pid": {"type": "integer"},
        "after_run_id": {"type": ["integer", "null"],
                         "description": "The source's latest run before this one."},
        "follow": {"type": "object", "properties": {
            "runs": {"type": "string", "format": "uri"},
            "events": {"type": "string", "format": "uri"}}}}},
    "Resent": {"type": "object", "properties": {
        "resent": {"type": "integer"}, "delivery_id": {"type": ["integer", "null"]},
        "target": {"type": "string", "description": "Redacted: secrets masked."},
        "ok": {"type": "boolean"}, "attempts": {"type": "integer"}, "error": {"type": "string"}}},
    "Citation": {"type": "object", "properties": {
        "url": {"type": "string"}, "version": {"type": "integer"}, "fetched_at": TIME,
        "content_sha256": {"type": "string"}, "style": {"enum": list(STYLES)},
        "citation": {"type": "string"},
        "citations": {"type": "object", "additionalProperties": {"type": "string"}}}},
}


def _list_of(name: str, cursor: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {"items": {"type": "array", "items": _ref(name)},
                                  "limit": {"type": "integer"},
                                  "next": {"type": ["string", "null"], "format": "uri"}}
    if not cursor:
        properties.update({"total": {"type": "integer"}, "offset": {"type": "integer"}})
    return {"type": "object", "properties": properties}


# path: (summary, parameters, response schema)
ENDPOINTS: dict[str, tuple[str, list[dict[str, Any]], dict[str, Any]]] = {
    "/api/sources": ("Configured sources with their page counts.", [LIMIT, OFFSET],
                     _list_of("Source")),
    "/api/pages": ("Watched pages with their last change and status.",
                   [_param("source", "Only pages of this source."), LIMIT, OFFSET],
                   _list_of("Page")),
    "/api/versions": ("A page's versions, oldest first.", [URL, LIMIT, OFFSET],
                      _list_of("Version")),
    "/api/version": ("One version with its main text (default: the latest).", [URL, VERSION, AT],
                     _ref("Version")),
    "/api/events": ("Change events, oldest first; page with after_id.", [
        _param("url", "Only events of this page."), _param("source", "Only events of this source."),
        _param("kind", "Only events of this kind.", schema={"enum": list(EVENT_KINDS)}),
        _param("since", "Only events detected at or after this time (ISO-8601)."),
        _param("after_id", "Only events with a larger id (the cursor of the next page).",
               schema={"type": "integer", "minimum": 0}), LIMIT], _list_of("Event", cursor=True)),
    "/api/diff": ("The diff between two versions (default: the last two).", [
        URL, _param("from", "Old version.", schema={"type": "integer", "minimum": 1}),
        _param("to", "New version.", schema={"type": "integer", "minimum": 1})], _ref("Diff")),
    "/api/tables": ("The data tables of a version's main text (default: the latest).",
                    [URL, VERSION, AT], _ref("Tables")),
    "/api/citation": ("Citations of a version (one style, or all).", [
        URL, VERSION, AT, _param("style", "Citation style.", schema={"enum": list(STYLES)})],
        _ref("Citation")),
    "/api/runs": ("The latest runs, newest first (follow a run started with POST "
                  "/api/sources/{source}/runs).", [
        _param("source", "Only runs of this source."),
        _param("limit", "How many runs (1-1000, default 50).",
               schema={"type": "integer", "minimum": 1, "maximum": 1000, "default": 50})],
        _list_of("Run", cursor=True)),
}

SOURCE = {"name": "source", "in": "path", "required": True, "description": "A configured source.",
          "schema": {"type": "string", "pattern": "^[a-z0-9-]+$"}}
DELIVERY = {"name": "delivery_id", "in": "path", "required": True,
            "description": "A delivery id (profilewatch report --deliveries).",
            "schema": {"type": "integer", "minimum": 1}}

# path: {method: (summary, parameters, request body schema, {status: (description, schema)})};
# every one needs the bearer token (401 without it, 403 when no token is configured)
WRITE_ENDPOINTS: dict[str, dict[str, tuple[str, list[dict[str, Any]], dict[str, Any] | None,
                                           dict[str, tuple[str, dict[str, Any]]]]]] = {
    "/api/sources/{source}/pages": {
        "post": ("Watch a page as a page of the source. The URL obeys the crawler's address "
                 "rules: http(s) only, one of the source's hosts, no private, loopback or "
                 "link-local address unless written in the config.", [SOURCE],
                 _ref("PageToWatch"), {
                     "201": ("Watched (new, or watched again).", _ref("WatchChange")),
                     "200": ("Already watched.", _ref("WatchChange")),
                     "409": ("The page belongs to another source.", _ref("Error")),
                     "413": ("The body is too large.", _ref("Error")),
                     "415": ("The body is not JSON.", _ref("Error")),
                     "422": ("The URL is refused (scheme, host or address).", _ref("Error"))}),
        "delete": ("Stop checking a page; its versions and events stay in the archive.",
                   [SOURCE, URL], None, {
                       "200": ("No longer checked.", _ref("WatchChange")),
                       "409": ("The page is in the config file: remove it there.", _ref("Error"))}),
    },
    "/api/sources/{source}/runs": {
        "post": ("Start one check cycle of the source (profilewatch run --source) in the "
                 "background; follow it at /api/runs.", [SOURCE], None, {
                     "202": ("Started.", _ref("RunStarted")),
                     "409": ("The source is already being run.", _ref("Error"))}),
    },
    "/api/deliveries/{delivery_id}/resend": {
        "post": ("Send a recorded report again to its target (recorded as a new delivery).",
                 [DELIVERY], None, {
                     "200": ("Delivered.", _ref("Resent")),
                     "502": ("The target did not accept it.", _ref("Resent"))}),
    },
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


def _write_operation(path: str, method: str, summary: str, parameters: list[dict[str, Any]],
                     body: dict[str, Any] | None,
                     answers: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    responses: dict[str, Any] = {
        status: {"description": description, "content": {"application/json": {"schema": schema}}}
        for status, (description, schema) in answers.items()}
    responses.update({
        "400": _error("A parameter or the body is invalid."),
        "401": {**_error("No bearer token, or a wrong one."),
                "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}}},
        "403": _error("Write endpoints are disabled: no token is configured (read-only)."),
        "404": _error("Unknown source or delivery."),
    })
    operation: dict[str, Any] = {
        "summary": summary,
        "operationId": f"{method}_" + path.removeprefix("/api/").replace("/", "_")
        .replace("{", "").replace("}", ""),
        "parameters": parameters, "security": [{"bearerToken": []}], "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": body}}}
    return operation


def openapi_schema(base_url: str) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, operations in WRITE_ENDPOINTS.items():
        paths[path] = {method: _write_operation(path, method, *spec)
                       for method, spec in operations.items()}
    for path, (summary, parameters, schema) in ENDPOINTS.items():
        paths[path] = {"get": {
            "summary": summary,
            "operationId": path.removeprefix("/api/"),
            "parameters": parameters,
            "responses": {
                "200": {"description": "OK",
                        "headers": {"ETag": {"schema": {"type": "string"}}},
                        "content": {"application/json": {"schema": schema}}},
                "304": {"description": "Not modified (If-None-Match matched the ETag)."},
                "400": _error("A parameter is invalid."),
                "404": _error("Unknown page or version."),
            }}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "profilewatch archive API", "version": __version__,
                 "description": "Access to watched pages, their archived versions, "
                                "change events, diffs and citations. Read-only unless the "
                                "server has a token: then the write endpoints (watch or unwatch "
                                "a page, start a run, resend a report) take it as a bearer "
                                "token. Memento (RFC 7089) "
                                "TimeGate, TimeMap and mementos are served beside it at "
                                "/timegate/{URL}, /timemap/link/{URL} and /web/{timestamp}/{URL}."},
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearerToken": {"type": "http", "scheme": "bearer",
                            "description": "[serve] token, or PROFILEWATCH_TOKEN"}}},
    }
