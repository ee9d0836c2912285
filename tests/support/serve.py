"""Helpers of the serve, secrets and fuzzing reliability tests: a webhook receiver, a DNS table
standing in for the resolver (no test may query real DNS), and the serve token."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import uvicorn

from profilewatch.cli.archive import bind_socket

TOKEN = "pw-" + secrets.token_urlsafe(24)

# What the "DNS" answers for names under example.org (allowed_domains of the test source).
DNS: dict[str, list[str]] = {
    "news.example.org": ["93.184.216.34"],
    "v6.example.org": ["2606:2800:220:1:248:1893:25c8:1946"],
    "intranet.example.org": ["10.0.0.5"],
    "rebind.example.org": ["93.184.216.34", "127.0.0.1"],
    "mapped.example.org": ["::ffff:127.0.0.1"],
    "metadata.example.org": ["169.254.169.254"],
    "cgnat.example.org": ["100.64.0.1"],
    "zero.example.org": ["0.0.0.0"],
    "sixtofour.example.org": ["2002:c0a8:0101::1"],       # 6to4 of 192.168.1.1
    "multicast.example.org": ["224.0.0.251"],
}


@dataclass
class FakeResolver:
    """A resolver from :data:`DNS` that remembers what it was asked."""

    table: dict[str, list[str]] = field(default_factory=lambda: dict(DNS))
    asked: list[str] = field(default_factory=list)

    def __call__(self, host: str) -> Sequence[str]:
        self.asked.append(host)
        if host not in self.table:
            raise OSError(f"[Errno -2] Name or service not known: {host}")
        return self.table[host]


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on (a dead notification target)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(condition: Callable[[], Any], timeout: float = 30.0, interval: float = 0.05) -> Any:
    """Poll ``condition()`` until it returns something true (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(interval)


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class Webhook:
    """An HTTP receiver on 127.0.0.1 recording JSON POSTs (a ``json://`` Apprise target)."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                sink.posts.append(Post(self.path, dict(self.headers.items()),
                                       json.loads(self.rfile.read(length) or b"{}")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    def url(self, path: str = "hook", password: str = "hook-password") -> str:
        return f"json://bot:{password}@127.0.0.1:{self.port}/{path}"

    def __enter__(self) -> Webhook:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class LiveApp:
    """An ASGI app served by uvicorn in a thread, on port 0 of 127.0.0.1 (for real clients)."""

    def __init__(self, app: Any) -> None:
        self.sock = bind_socket("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off",
                                server_header=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True)

    def __enter__(self) -> LiveApp:
        self.thread.start()
        wait_for(lambda: self.server.started, timeout=10, interval=0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
