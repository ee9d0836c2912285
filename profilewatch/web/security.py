"""Headers every response carries, and conditional GETs (ETags).

- a strict Content-Security-Policy: the UI loads only its own stylesheet and frames only its own
  replay pages; replayed archived pages get ``sandbox`` (no script, opaque origin) and load
  stylesheets, images and fonts from the archive's own origin only (:func:`replay_csp`); raw
  captures get ``default-src 'none'`` (no live resource);
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``, ``X-Frame-Options``,
  ``Cross-Origin-Opener-Policy`` and ``Cross-Origin-Resource-Policy``.

:class:`SecurityHeaders` wraps the whole ASGI application, so even the bare 500 page of the
outermost error middleware gets them.
"""

from __future__ import annotations

import hashlib

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UI_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
          "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
REPLAY_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
              "font-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'")


def replay_csp(origin: str) -> str:
    """The policy of a replayed page with requisites: scripts never run (``sandbox``), and
    stylesheets, images and fonts load only from the archive itself (``origin``, written out as
    well as ``'self'``: a sandboxed document's own origin is opaque)."""
    own = f"'self' {origin}"
    return (f"sandbox; default-src 'none'; style-src {own} 'unsafe-inline'; img-src {own} data:; "
            f"font-src {own} data:; media-src 'none'; form-action 'none'; base-uri 'none'; "
            "frame-ancestors 'self'")
RAW_CSP = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
           "form-action 'none'; base-uri 'none'; frame-ancestors 'self'")
DEFAULT_HEADERS = (
    ("content-security-policy", UI_CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
)


class SecurityHeaders:
    """ASGI middleware: adds :data:`DEFAULT_HEADERS` that a response did not set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in DEFAULT_HEADERS:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def etag_response(request: Request, body: bytes, media_type: str,
                  headers: dict[str, str] | None = None, status_code: int = 200) -> Response:
    """``body`` with a strong ETag; 304 without a body when ``If-None-Match`` has it."""
    etag = etag_of(body)
    all_headers = {**(headers or {}), "ETag": etag, "Cache-Control": "no-cache"}
    if status_code == 200 and _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=all_headers)
    return Response(body, status_code=status_code, media_type=media_type, headers=all_headers)
