"""Replay with requisites: a version's page and the stylesheets, images and fonts it was captured with.

- :func:`replay_page` rewrites a version's HTML (``profilewatch.web.replay``) with a resolver that
  sends each requisite to ``/requisite/{version key}/{URL}`` when the archive holds a copy for that
  version — the one captured with it, else the nearest earlier one (``storage.requisites``) — and
  removes it otherwise: a requisite that was not captured shows as missing, never live;
- ``/requisite/{version key}/{URL}`` serves that copy. A stylesheet is rewritten the same way (its
  ``@import`` and ``url()``, resolved in the same version), so a chain of stylesheets stays inside
  the archive. Requisite responses carry ``Access-Control-Allow-Origin: *`` and
  ``Cross-Origin-Resource-Policy: cross-origin``: a replayed page runs in a sandboxed frame with an
  opaque origin, and fonts (always fetched with CORS) and images would not load from it otherwise.
  A requisite opened directly gets a ``sandbox`` policy like a raw capture: an archived SVG never
  runs a script on the archive's origin.
"""

from __future__ import annotations

import base64
import threading
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from pipeline.css import Resolver, css_references, decode_css, rewrite_css
from pipeline.requisites import page_references
from profilewatch.errors import NotFoundError
from profilewatch.web.replay import Banner, rewrite_html
from profilewatch.web.security import RAW_CSP, etag_response
from storage.requisites import RequisiteCopy, RequisiteStore
from storage.results import VersionInfo
from storage.store import Store

# Media types a requisite is served as; anything else is application/octet-stream (nosniff is set
# on every response, so a browser never guesses a script or a document out of it).
SERVED_PREFIXES = ("image/", "font/", "application/font-", "application/x-font-")
SERVED_TYPES = frozenset({"text/css", "application/vnd.ms-fontobject", "application/font-woff",
                          "application/x-font-woff"})
# Rewritten stylesheets kept in memory (oldest dropped first): a few sites' sheets.
CSS_CACHE_ENTRIES = 32
_CSS_CACHE: dict[tuple[int, str, str], bytes] = {}
_CSS_LOCK = threading.Lock()
REQUISITE_HEADERS = {"Access-Control-Allow-Origin": "*",
                     "Cross-Origin-Resource-Policy": "cross-origin",
                     "Content-Security-Policy": RAW_CSP}


def requisite_path(version_key: int, url: str) -> str:
    return f"/requisite/{version_key}/{quote(url, safe='')}"


def resolver_for(copies: dict[str, RequisiteCopy], version_key: int) -> Resolver:
    def resolve(url: str, kind: str) -> str | None:
        return requisite_path(version_key, url) if url in copies else None
    return resolve


def served_type(media_type: str | None, kind_hint: str | None = None) -> str:
    if media_type and (media_type in SERVED_TYPES or media_type.startswith(SERVED_PREFIXES)):
        return media_type
    return "text/css" if kind_hint == "stylesheet" else "application/octet-stream"


def replay_page(store: Store, version: VersionInfo, body: bytes, content_type: str | None, *,
                prefix: str, banner: Banner | None) -> bytes:
    """The version's HTML with its requisites pointing at the archive (or removed)."""
    requisites = RequisiteStore(store)
    base = version.final_url or version.url
    key = requisites.version_id(version.url, version.version)
    wanted = [r.url for r in page_references(body, content_type, base)]
    copies = requisites.resolve(key, wanted) if wanted else {}
    return rewrite_html(body, content_type, base=base, prefix=prefix, banner=banner,
                        resolve=resolver_for(copies, key))


def _rewritten_css(requisites: RequisiteStore, key: int, url: str, sha256: str,
                   content: bytes) -> bytes:
    """A stylesheet rewritten for one version (kept for the next request: a replayed page asks for
    its sheets on every view, and tokenizing a large one takes a second)."""
    cache_key = (key, url, sha256)
    cached = _CSS_CACHE.get(cache_key)
    if cached is not None:
        return cached
    css = decode_css(content, "text/css")
    copies = requisites.resolve(key, [u for u, _ in css_references(css, url)])
    rewritten = rewrite_css(css, url, resolver_for(copies, key)).encode("utf-8")
    with _CSS_LOCK:
        _CSS_CACHE[cache_key] = rewritten
        while len(_CSS_CACHE) > CSS_CACHE_ENTRIES:
            _CSS_CACHE.pop(next(iter(_CSS_CACHE)))
    return rewritten


def serve_requisite(request: Request) -> Response:
    """``/requisite/{version key}/{URL}``: the copy the version shows, or 404."""
    try:
        key = int(request.path_params["key"])
    except ValueError:
        raise NotFoundError("no such requisite") from None
    url = request.path_params["target"]
    if request.url.query:
        url = f"{url}?{request.url.query}"
    requisites = RequisiteStore(request.app.state.archive.store)
    copy = requisites.resolve(key, [url]).get(url)
    if copy is None or copy.sha256 is None:
        return PlainTextResponse(f"{url} was not captured with this version\n", status_code=404,
                                 headers=REQUISITE_HEADERS)
    content = requisites.content(copy.sha256)
    media_type = served_type(copy.media_type)
    if media_type == "text/css":
        content = _rewritten_css(requisites, key, url, copy.sha256, content)
        media_type = "text/css; charset=utf-8"
    return etag_response(request, content, media_type, dict(REQUISITE_HEADERS))


# Stylesheets nested deeper than this (@import chains) are left out of an offline page.
OFFLINE_CSS_DEPTH = 4


def offline_page(store: Store, version: VersionInfo, body: bytes,
                 content_type: str | None) -> bytes:
    """The version as one self-contained HTML file (``show --format html``): the same rewrite as
    the web replay, with each requisite the version shows inlined as a ``data:`` URI (stylesheets
    rewritten the same way inside) and every other reference removed. Opened from disk it loads
    nothing from anywhere."""
    requisites = RequisiteStore(store)
    base = version.final_url or version.url
    key = requisites.version_id(version.url, version.version)
    inlined: dict[tuple[str, int], str | None] = {}

    def resolve_at(depth: int) -> Resolver:
        def resolve(url: str, kind: str) -> str | None:
            if (url, depth) not in inlined:
                inlined[(url, depth)] = None      # a stylesheet importing itself stops here
                inlined[(url, depth)] = _inline(url, depth)
            return inlined[(url, depth)]
        return resolve

    def _inline(url: str, depth: int) -> str | None:
        copy = requisites.resolve(key, [url]).get(url)
        if copy is None or copy.sha256 is None:
            return None
        content = requisites.content(copy.sha256)
        media_type = served_type(copy.media_type)
        if media_type == "text/css":
            if depth >= OFFLINE_CSS_DEPTH:
                return None
            css = decode_css(content, "text/css")
            content = rewrite_css(css, url, resolve_at(depth + 1)).encode("utf-8")
            media_type = "text/css;charset=utf-8"
        return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"

    return rewrite_html(body, content_type, base=base, prefix="", banner=None,
                        resolve=resolve_at(0))


ROUTES = [Route("/requisite/{key}/{target:path}", serve_requisite, methods=["GET", "HEAD"])]
