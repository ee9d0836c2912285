"""The write endpoints of ``profilewatch serve``, behind a bearer token.

- ``POST /api/sources/{source}/pages`` ``{"url": …}`` — watch a page (201; 200 if already watched);
- ``DELETE /api/sources/{source}/pages?url=…`` — stop checking a page; its archive is kept;
- ``POST /api/sources/{source}/runs`` — start ``profilewatch run --source NAME`` in a child process
  (202, follow it at ``/api/runs``; 409 while the source is being run);
- ``POST /api/deliveries/{id}/resend`` — send a recorded report again to its target;
- ``GET /api/runs`` (read-only, no token) — the latest runs, newest first.

Read-only by default: with no ``[serve] token`` (or ``PROFILEWATCH_TOKEN``) every write endpoint
answers 403. With one, a request needs ``Authorization: Bearer <token>`` (compared in constant
time) or gets 401. Nothing else authenticates: no cookie, no query parameter, so cross-site
requests cannot ride on a browser's credentials. A URL added here obeys the crawler's address
rules (:mod:`pipeline.addresses`): http(s) only, one of the source's hosts, no private address
unless written in the config.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pipeline.addresses import HostPolicy, Resolver, system_resolver, url_refusal
from pipeline.urls import page_key
from profilewatch.config import Config, SourceConfig
from profilewatch.errors import NotFoundError, UsageError
from profilewatch.web.archive import Archive, int_param
from profilewatch.web.memento import base_url
from storage.results import RunInfo, iso

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024     # {"url": …} with a 2,048-character URL fits many times over
MAX_URL_CHARS = 2048           # the store's URL column
REALM = 'Bearer realm="profilewatch"'


@dataclass(frozen=True)
class AdminSettings:
    """What the write endpoints need: the config (sources, token, targets) and the store URL."""

    config: Config
    db_url: str = field(repr=False)      # passed to child runs in their environment, never shown
    resolver: Resolver = system_resolver
    command: tuple[str, ...] = (sys.executable, "-m", "profilewatch")

    @property
    def token(self) -> str | None:
        return self.config.serve.token


def prepare(settings: AdminSettings) -> None:
    """Load Apprise's plugins now, from the thread creating the app (resends run in worker
    threads, and the plugin registry is not built for two threads loading it at once)."""
    config = settings.config
    if config.reports.notify or any(s.notify for s in config.sources):
        from profilewatch.reports.targets import load_apprise

        load_apprise()


class RunLauncher:
    """Child ``profilewatch run`` processes started through the API, reaped when they end."""

    def __init__(self) -> None:
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._guard = threading.Lock()

    def running(self, source: str) -> int | None:
        with self._guard:
            child = self._children.get(source)
            return child.pid if child is not None and child.poll() is None else None

    def start(self, settings: AdminSettings, source: str) -> int:
        args = [*settings.command, "--quiet"]
        if settings.config.path is not None:
            args += ["--config", settings.config.path]
        args += ["run", "--source", source]
        # the store URL goes in the environment, not on the command line `ps` shows
        env = {**os.environ, "PROFILEWATCH_DB": settings.db_url}
        child = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 env=env, start_new_session=True)
        with self._guard:
            self._children[source] = child
        threading.Thread(target=self._reap, args=(source, child), daemon=True,
                         name=f"reap-run-{source}").start()
        logger.info("started a run of %s (pid %s) for an API client", source, child.pid)
        return child.pid

    def _reap(self, source: str, child: subprocess.Popen[bytes]) -> None:
        code = child.wait()
        logger.info("the run of %s (pid %s) exited with %s", source, child.pid, code)
        with self._guard:
            if self._children.get(source) is child:
                del self._children[source]


# --- authentication ------------------------------------------------------------------------------

def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


def authorise(request: Request) -> AdminSettings:
    """The admin settings when the request carries the token; else 403 (no token configured)
    or 401 (missing or wrong token)."""
    settings: AdminSettings | None = request.app.state.admin
    if settings is None or not settings.token:
        raise HTTPException(403, "write endpoints are disabled: this archive is read-only "
                                 "(set [serve] token or PROFILEWATCH_TOKEN to enable them)")
    scheme, _, presented = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise HTTPException(401, "a bearer token is required (Authorization: Bearer <token>)",
                            {"WWW-Authenticate": REALM})
    # both sides hashed first: the comparison takes the same time whatever the lengths
    if not hmac.compare_digest(_digest(presented.strip()), _digest(settings.token)):
        client = request.client.host if request.client else "?"
        logger.warning("refused %s %s from %s: wrong bearer token", request.method,
                       request.url.path, client)
        raise HTTPException(401, "the bearer token is not valid",
                            {"WWW-Authenticate": f'{REALM}, error="invalid_token"'})
    return settings


def _source(settings: AdminSettings, name: str) -> SourceConfig:
    for source in settings.config.sources:
        if source.name == name:
            return source
    raise NotFoundError(f"no source named {name!r} in the config")


def _archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


def _answer(data: dict[str, Any], status: int = 200,
            headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store",
                                                           **(headers or {})})


# --- watched pages -------------------------------------------------------------------------------

async def _url_from_body(request: Request) -> str:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise HTTPException(415, 'send the page as JSON: {"url": "https://…"}')
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        data = None
    url = data.get("url") if isinstance(data, dict) else None
    if not isinstance(url, str) or not url.strip():
        raise UsageError('the body must be a JSON object with a "url" string')
    return url.strip()


def _checked_url(settings: AdminSettings, source: SourceConfig, url: str) -> str:
    """``url`` without its fragment, or 422 saying why it cannot be watched."""
    if len(url) > MAX_URL_CHARS or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise HTTPException(422, f"not a URL: longer than {MAX_URL_CHARS} characters or with "
                                 "spaces or control characters")
    url = urldefrag(url).url
    try:
        credentials = urlsplit(url).password is not None or "@" in urlsplit(url).netloc
    except ValueError:
        credentials = False
    if credentials:
        raise HTTPException(422, "URLs with credentials (user:password@) are not watched")
    refusal = url_refusal(url, HostPolicy.for_source(source.urls, source.allowed_domains),
                          settings.resolver)
    if refusal is not None:
        raise HTTPException(422, f"refused: {refusal}")
    return url


def _configured(source: SourceConfig, url: str) -> bool:
    try:
        key = page_key(url)
        return any(page_key(u) == key for u in source.urls)
    except ValueError:
        return url in source.urls


def _page_links(request: Request, url: str) -> dict[str, str]:
    base = base_url(request)
    query = urlencode({"url": url})
    return {"versions": f"{base}/api/versions?{query}", "ui": f"{base}/page?{query}"}


async def add_page(request: Request) -> Response:
    settings = authorise(request)
    source = _source(settings, request.path_params["source"])
    url = await _url_from_body(request)
    return await run_in_threadpool(_add_page, request, settings, source, url)


def _add_page(request: Request, settings: AdminSettings, source: SourceConfig, url: str) -> Response:
    url = _checked_url(settings, source, url)
    store = _archive(request).store
    if source.name not in {s["name"] for s in store.sources()}:
        store.sync_sources([source])
    change = store.watch_page(source.name, url)
    if change.source != source.name:
        raise HTTPException(409, f"{change.url} is a page of source {change.source!r}")
    created = change.before != "watched"
    if created:
        logger.info("watching %s (source %s) for an API client", change.url, source.name)
    links = _page_links(request, change.url)
    return _answer({**change.as_json(), "links": links}, 201 if created else 200,
                   {"Location": links["versions"]} if created else None)


def remove_page(request: Request) -> Response:
    settings = authorise(request)
    source = _source(settings, request.path_params["source"])
    url = request.query_params.get("url")
    if not url:
        raise UsageError("the url parameter is required")
    if _configured(source, url):
        where = settings.config.path or "the built-in watchlist"
        raise HTTPException(409, f"{url} is configured in {where}: remove it there")
    change = _archive(request).store.unwatch_page(source.name, url)
    logger.info("no longer checking %s (source %s) for an API client", change.url, source.name)
    return _answer({**change.as_json(), "archive": "kept",
                    "links": _page_links(request, change.url)})


# --- runs ----------------------------------------------------------------------------------------

def run_json(run: RunInfo) -> dict[str, Any]:
    return {"id": run.id, "source": run.source, "status": run.status, "trigger": run.trigger,
            "started_at": iso(run.started_at), "finished_at": iso(run.finished_at),
            "pages_ok": run.pages_ok, "pages_failed": run.pages_failed, "counts": run.counts}


def runs(request: Request) -> Response:
    limit = int_param(request.query_params.get("limit"), "limit", minimum=1, maximum=1000,
                      default=50)
    assert limit is not None
    found = _archive(request).store.runs(request.query_params.get("source") or None, limit)
    return _answer({"items": [run_json(r) for r in found], "limit": limit, "next": None})


def trigger_run(request: Request) -> Response:
    settings = authorise(request)
    source = _source(settings, request.path_params["source"])
    launcher: RunLauncher = request.app.state.launcher
    store = _archive(request).store
    base = base_url(request)
    follow = {"runs": f"{base}/api/runs?{urlencode({'source': source.name})}",
              "events": f"{base}/api/events?{urlencode({'source': source.name})}"}
    pid = launcher.running(source.name)
    lock = store.try_lock(f"run:{source.name}") if pid is None else None
    if lock is None:
        raise HTTPException(409, f"source {source.name} is already being run"
                                 + (f" (pid {pid}, started through the API)" if pid else ""))
    lock.release()    # the child takes it; if another run wins the race, the child just exits
    previous = store.runs(source.name, 1)
    pid = launcher.start(settings, source.name)
    return _answer({"source": source.name, "state": "started", "pid": pid,
                    "after_run_id": previous[0].id if previous else None, "follow": follow},
                   202, {"Location": follow["runs"]})


# --- reports -------------------------------------------------------------------------------------

def resend_delivery(request: Request) -> Response:
    settings = authorise(request)
    from profilewatch.reports.digest import resend

    delivery_id = int_param(request.path_params["delivery_id"], "delivery id", minimum=1)
    assert delivery_id is not None
    result = resend(settings.config, _archive(request).store, delivery_id)
    data = {"resent": delivery_id, "delivery_id": result.delivery_id, "target": result.target,
            "ok": result.ok, "attempts": result.attempts}
    if not result.ok:
        return _answer({**data, "error": f"could not deliver: {result.error}"}, 502)
    return _answer(data)


ROUTES: Sequence[Route] = [
    Route("/api/sources/{source}/pages", add_page, methods=["POST"]),
    Route("/api/sources/{source}/pages", remove_page, methods=["DELETE"]),
    Route("/api/sources/{source}/runs", trigger_run, methods=["POST"]),
    Route("/api/deliveries/{delivery_id}/resend", resend_delivery, methods=["POST"]),
    Route("/api/runs", runs, methods=["GET", "HEAD"]),
]
