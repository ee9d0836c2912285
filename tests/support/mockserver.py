"""A local HTTP server for tests (modelled on Scrapy's ``tests/mockserver``).

Started once per test session on port 0 of 127.0.0.1 (see ``conftest.py``). Tests program it:

- ``server.page(path, html, ...)`` serves a body (with ETag/Last-Modified and 304s by default) and
  can be changed between runs; ``server.sample(path, name, variant=...)`` serves a bundled sample
  page in a variant (``base``, ``churn:N``, ``edit:N``, ``meta:N`` …);
- built-in behaviours: ``/status/<code>``, ``/slow?seconds=``, ``/drip``, ``/challenge``,
  ``/maintenance``, ``/huge?mb=``, ``/endless``, ``/binary``, ``/gzip-bomb``,
  ``/redirect?to=``, ``/redirect-loop``, ``/robots.txt`` (programmable);
- the pages a moved or retired page lands on (login, consent, chooser, search, listing, home,
  meta refresh) are built by ``tests/support/interstitials.py`` and served with ``server.page``
  (a redirect: ``server.page(path, b"", status=301, headers={"Location": to})``);
- ``server.requests`` logs every request (path, headers, arrival time) for assertions
  (``assert_paced``: their pace);
- reliability behaviours (``tests/e2e/reliability``): ``/gate/<name>`` (answers once the test opens
  ``server.gate(name)``), ``/counter/<name>`` (a new text on every request), ``/firehose`` (endless,
  counting the bytes it got out in ``server.sent``), ``/abort`` (resets the connection mid-body),
  ``/bomb?mb=&coding=`` (gzip, deflate, br or zstd bomb).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import socket
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qs, urlsplit

from profilewatch import samples

CHALLENGE_HTML = """<!DOCTYPE html><html lang="en"><head><title>Just a moment...</title>
<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script></head>
<body><div id="cf-browser-verification"><h1>Checking if the site connection is secure</h1>
<p>Enable JavaScript and cookies to continue</p></div></body></html>"""
MAINTENANCE_HTML = """<!DOCTYPE html><html lang="en"><head><title>Site under maintenance</title>
</head><body><main><h1>We'll be back soon!</h1><p>The site is undergoing scheduled maintenance.
Please check back later.</p></main></body></html>"""


@dataclass
class Route:
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = True        # answer If-None-Match / If-Modified-Since with 304
    last_modified: float = field(default_factory=time.time)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)   # when the request arrived


class _Server(ThreadingHTTPServer):
    # a run opens dozens of connections at once: with the default backlog of 5, connections past
    # it wait for a SYN retransmission (1 s, then 3 s) and look like slow pages
    request_queue_size = 128


class MockServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host   # another loopback address (127.0.0.2 …) is another site
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.robots: str | None = None
        self.gates: dict[str, threading.Event] = {}
        self.counters: dict[str, int] = {}
        self.sent: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = _Server((host, 0), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> MockServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.routes.clear()
            self.requests.clear()
            self.robots = None
            for gate in self.gates.values():
                gate.set()          # nothing stays blocked past its test
            self.gates.clear()
            self.counters.clear()
            self.sent.clear()

    # --- programming ------------------------------------------------------------------------------

    def page(self, path: str, body: str | bytes, *, status: int = 200,
             content_type: str = "text/html; charset=utf-8", headers: dict[str, str] | None = None,
             conditional: bool = True) -> str:
        """Serve ``body`` at ``path``; returns the full URL. Replacing a body bumps Last-Modified."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        all_headers = {"Content-Type": content_type, **(headers or {})}
        with self._lock:
            previous = self.routes.get(path)
            stamp = time.time()
            if previous is not None and previous.body == data:
                stamp = previous.last_modified
            elif previous is not None and stamp <= previous.last_modified + 1:
                stamp = previous.last_modified + 1   # HTTP dates have 1 s resolution
            self.routes[path] = Route(data, status, all_headers, conditional, stamp)
        return self.url + path

    def sample(self, path: str, name: str, variant: str = "base", **kw: Any) -> str:
        return self.page(path, render_variant(name, variant), **kw)

    def gate(self, name: str) -> threading.Event:
        """The gate ``/gate/<name>`` waits on: ``.set()`` it to let the answer go."""
        with self._lock:
            return self.gates.setdefault(name, threading.Event())

    def paths_requested(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.requests]


def render_variant(name: str, variant: str) -> str:
    """``base``, ``churn:N``, ``edit:N``, ``meta:N``, ``title:T`` or ``+``-joined combinations."""
    html = samples.load_sample(name)
    for part in variant.split("+"):
        kind, _, arg = part.partition(":")
        if kind == "base":
            continue
        if kind == "churn":
            html = samples.churn(html, int(arg or 1))
        elif kind == "edit":
            html = samples.edit_text(html, int(arg or 1))
        elif kind == "meta":
            day = int(arg or 1)
            html = samples.bump_last_modified(html, f"2025-01-{day:02d}T10:00:00Z",
                                              f"{_weekday(2025, 1, day)}, {day:02d}/01/2025 - 11:00")
        elif kind == "title":
            html = samples.set_title(html, arg)
        else:
            raise ValueError(f"unknown variant {part!r}")
    return html


def _weekday(year: int, month: int, day: int) -> str:
    import datetime

    return datetime.date(year, month, day).strftime("%a")


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def _handler_for(server: MockServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        mock = server

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            with server._lock:
                server.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path) or server.routes.get(parts.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if route is not None:
                return self._route(route)
            if parts.path == "/robots.txt":
                if server.robots is None:
                    return self._send(404, b"not found", "text/plain")
                return self._send(200, server.robots.encode(), "text/plain")
            behaviour = BEHAVIOURS.get(parts.path.split("/")[1] if "/" in parts.path else "")
            if behaviour is not None:
                return behaviour(self, parts.path, query)
            return self._send(404, b"<html><body><h1>Not found</h1></body></html>", "text/html")

        def _route(self, route: Route) -> None:
            etag = _etag(route.body)
            modified = formatdate(route.last_modified, usegmt=True)
            if route.conditional and route.status == 200 and (
                    self.headers.get("If-None-Match") == etag or (
                        self.headers.get("If-Modified-Since") == modified
                        and "If-None-Match" not in self.headers)):
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            headers = dict(route.headers)
            if route.conditional:
                headers.setdefault("ETag", etag)
                headers.setdefault("Last-Modified", modified)
            self._send(route.status, route.body, headers.pop("Content-Type", "text/html"), headers)

        def _send(self, status: int, body: bytes, content_type: str,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return Handler


Behaviour = Callable[[Any, str, dict[str, str]], None]


def _status(h: Any, path: str, query: dict[str, str]) -> None:
    code = int(path.split("/")[2])
    h._send(code, f"<html><body><h1>Error {code}</h1></body></html>".encode(), "text/html",
            {"Retry-After": query["retry_after"]} if "retry_after" in query else None)


def _slow(h: Any, path: str, query: dict[str, str]) -> None:
    time.sleep(float(query.get("seconds", "5")))
    h._send(200, samples.load_sample("ngo-news").encode(), "text/html")


def _drip(h: Any, path: str, query: dict[str, str]) -> None:
    """Headers at once, then one byte every ``interval`` seconds: never completes in time."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    try:
        for _ in range(100000):
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(float(query.get("interval", "0.5")))
    except OSError:
        pass


def _challenge(h: Any, path: str, query: dict[str, str]) -> None:
    h._send(200, CHALLENGE_HTML.encode(), "text/html")


def _maintenance(h: Any, path: str, query: dict[str, str]) -> None:
    h._send(200, MAINTENANCE_HTML.encode(), "text/html")


def _huge(h: Any, path: str, query: dict[str, str]) -> None:
    size = int(float(query.get("mb", "50")) * 1024 * 1024)
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(size))
    h.end_headers()
    chunk = b"<p>" + b"x" * 65530 + b"</p>"
    sent = 0
    try:
        while sent < size:
            piece = chunk[: size - sent]
            h.wfile.write(piece)
            sent += len(piece)
    except OSError:
        pass


def _binary(h: Any, path: str, query: dict[str, str]) -> None:
    body = bytes(range(256)) * 64
    h._send(200, body, query.get("type", "text/html"))


def _gzip_bomb(h: Any, path: str, query: dict[str, str]) -> None:
    body = gzip.compress(b"<html><body>" + b"0" * (int(query.get("mb", "200")) * 1024 * 1024), 9)
    h._send(200, body, "text/html", {"Content-Encoding": "gzip"})


def _redirect(h: Any, path: str, query: dict[str, str]) -> None:
    h.send_response(int(query.get("code", "301")))
    h.send_header("Location", query.get("to", "/"))
    h.send_header("Content-Length", "0")
    h.end_headers()


def _redirect_loop(h: Any, path: str, query: dict[str, str]) -> None:
    n = int(query.get("n", "0"))
    h.send_response(302)
    h.send_header("Location", f"/redirect-loop?n={(n + 1) % 2}")
    h.send_header("Content-Length", "0")
    h.end_headers()


def counter_text(name: str, n: int) -> str:
    """The text of answer ``n`` (1, 2 …) of ``/counter/<name>``."""
    return f"Revision {n} of the {name} page: the figures were updated {n} times."


def counter_html(name: str, n: int) -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><title>Counter {name}</title></head><body><main>"
            f"<h1>Counter {name}</h1><p>{counter_text(name, n)}</p><p>This page reports the "
            "enrolment figures of the region; the figures are revised whenever new data "
            "arrive.</p></main></body></html>")


def _gate(h: Any, path: str, query: dict[str, str]) -> None:
    name = path.split("/")[2]
    h.mock.gate(name).wait(timeout=60)
    h._send(200, counter_html(f"gate-{name}", 1).encode(), "text/html; charset=utf-8")


def _counter(h: Any, path: str, query: dict[str, str]) -> None:
    name = path.split("/")[2]
    with h.mock._lock:
        n = h.mock.counters[name] = h.mock.counters.get(name, 0) + 1
    h._send(200, counter_html(name, n).encode(), "text/html; charset=utf-8")


def _endless(h: Any, path: str, query: dict[str, str]) -> None:
    """Endless chunked body; ``server.sent[NAME]`` (``endless``, ``firehose``) counts the bytes
    the client accepted."""
    name = path.strip("/").split("/")[0]
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    chunk = b"<p>" + b"z" * 65530 + b"</p>"
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    try:
        while True:
            h.wfile.write(frame)
            with h.mock._lock:
                h.mock.sent[name] = h.mock.sent.get(name, 0) + len(chunk)
    except OSError:
        h.close_connection = True


def _abort(h: Any, path: str, query: dict[str, str]) -> None:
    """Announce 50,000 bytes, send a few, then reset the connection (RST, not a clean close)."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "50000")
    h.end_headers()
    h.wfile.write(b"<html><body><p>partial")
    h.wfile.flush()
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    h.close_connection = True
    h.rfile.close()      # the socket is closed for real only once its read file is
    h.connection.close()


@functools.lru_cache(maxsize=8)
def bomb_body(mb: int, coding: str) -> bytes:
    """``mb`` MB of one repeated byte, compressed with ``coding`` (cached: building it takes time)."""
    raw = b"<html><body><p>" + b"0" * (mb * 1024 * 1024)
    if coding == "gzip":
        return gzip.compress(raw, 9)
    if coding == "deflate":
        return zlib.compress(raw, 9)
    if coding == "br":
        import brotli

        return bytes(brotli.compress(raw, quality=5))
    if coding == "zstd":
        import zstandard

        return zstandard.ZstdCompressor(level=3).compress(raw)
    raise ValueError(f"unknown coding {coding!r}")


def _bomb(h: Any, path: str, query: dict[str, str]) -> None:
    coding = query.get("coding", "gzip")
    h._send(200, bomb_body(int(query.get("mb", "100")), coding), "text/html",
            {"Content-Encoding": coding})


BEHAVIOURS: dict[str, Behaviour] = {
    "status": _status, "slow": _slow, "drip": _drip, "challenge": _challenge,
    "maintenance": _maintenance, "huge": _huge, "endless": _endless, "binary": _binary,
    "gzip-bomb": _gzip_bomb, "redirect": _redirect, "redirect-loop": _redirect_loop,
    "gate": _gate, "counter": _counter, "firehose": _endless, "abort": _abort, "bomb": _bomb,
}


def assert_paced(times: list[float], delay: float) -> None:
    """Requests to one host (their ``Seen.at``) arrived at least ``delay`` apart: a host's turn
    counts from the end of its previous request (crawler.politeness), so this holds where the
    server sees them, robots.txt included."""
    spaced = [b - a for a, b in pairwise(times)]
    assert min(spaced) >= delay, spaced
