"""The ASGI application of ``profilewatch serve``: Memento, JSON API, web UI, static files.

Read-only by default: every route answers GET and HEAD only (others get 405), and the write
endpoints of :mod:`profilewatch.web.admin` answer 403 unless a token is configured (then they need
it as a bearer token). Errors are one line in the
format the client asked for (JSON under ``/api``, plain text for Memento, HTML for the UI); an
unexpected error is logged with its traceback on the server and answered with a bare 500. Every
response carries the security headers of :mod:`profilewatch.web.security`.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from profilewatch.errors import NotFoundError, ProfilewatchError, UsageError
from profilewatch.web import admin, api, feed, memento, requisites, ui
from profilewatch.web.archive import Archive
from profilewatch.web.security import SecurityHeaders
from storage.store import Store

logger = logging.getLogger(__name__)

MEMENTO_PREFIXES = ("/timegate/", "/timemap/", "/web/", "/requisite/")
API_PREFIXES = ("/api/", "/openapi.json")
TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 500: "Internal error", 503: "Archive unavailable"}


def error_response(request: Request, status: int, message: str,
                   headers: dict[str, str] | None = None) -> Response:
    path = request.url.path
    if path.startswith(API_PREFIXES):
        return JSONResponse({"error": message}, status_code=status, headers=headers)
    if path.startswith(MEMENTO_PREFIXES):
        return PlainTextResponse(message + "\n", status_code=status, headers=headers)
    response = ui.render(request, "error.html", status_code=status,
                         heading=TITLES.get(status, "Error"), message=message)
    response.headers.update(headers or {})
    return response


def _status_of(exc: ProfilewatchError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, UsageError):
        return 400
    return 503


async def on_profilewatch_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProfilewatchError)
    status = _status_of(exc)
    if status == 503:
        logger.error("serving %s: %s", request.url.path, exc)
        return error_response(request, status, "the archive is unavailable right now")
    return error_response(request, status, str(exc))


async def on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    message = {404: "no such page here", 405: "this archive is read-only: use GET or HEAD"}
    allowed = headers.get("Allow", "")
    if exc.status_code == 405 and allowed and "GET" not in allowed:
        message[405] = f"use {allowed.replace(', ', ' or ')} here"
    return error_response(request, exc.status_code,
                          message.get(exc.status_code, exc.detail or "error"), headers)


async def on_unexpected_error(request: Request, exc: Exception) -> Response:
    logger.error("serving %s failed", request.url.path, exc_info=exc)
    if request.url.path.startswith(API_PREFIXES):
        return JSONResponse({"error": "internal error (see the server log)"}, status_code=500)
    return PlainTextResponse("Internal error (see the server log).\n", status_code=500)


class ArchiveApp:
    """The Starlette application wrapped in the security headers; ``.state`` is the app's."""

    def __init__(self, app: Starlette) -> None:
        self.starlette = app
        self.state = app.state
        self._asgi: ASGIApp = SecurityHeaders(app)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._asgi(scope, receive, send)


def create_app(store: Store, *, public_url: str | None = None,
               admin_settings: admin.AdminSettings | None = None) -> ArchiveApp:
    """The ASGI app over ``store``; ``public_url`` makes absolute links and citation URLs;
    ``admin_settings`` (the config, with its ``[serve] token``) enables the write endpoints."""
    routes = [*memento.ROUTES, *requisites.ROUTES, *api.ROUTES, *admin.ROUTES, *ui.ROUTES, *feed.ROUTES,
              Mount("/static", app=StaticFiles(packages=[("profilewatch.web", "static")]),
                    name="static")]
    app = Starlette(routes=routes, exception_handlers={
        ProfilewatchError: on_profilewatch_error,
        HTTPException: on_http_error,
        Exception: on_unexpected_error,
    })
    app.state.archive = Archive(store, public_url)
    app.state.templates = ui.make_environment()
    app.state.admin = admin_settings
    app.state.launcher = admin.RunLauncher()
    if admin_settings is not None and admin_settings.token:
        admin.prepare(admin_settings)
    return ArchiveApp(app)
