"""Local receivers for notifications, all on 127.0.0.1: a webhook receiver recording JSON POSTs
(a ``json://`` Apprise target), an SMTP server (aiosmtpd, with a password), and a free port nobody
listens on (a dead target). The ``webhook`` and ``smtp`` fixtures (``tests/conftest.py``) use them."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

SMTP_PASSWORD = "smtp-S3cret-pw"
HOOK_PASSWORD = "hook-S3cret-pw"


def free_port() -> int:
    """A port of 127.0.0.1 nobody listens on (a dead notification target)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class SmtpSink:
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def url(self, password: str = SMTP_PASSWORD) -> str:
        return (f"mailto://watcher:{password}@127.0.0.1:{self.port}?smtp=127.0.0.1&mode=insecure"
                "&from=profilewatch@example.org&to=team@example.org")


class _SmtpHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.sink.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok, handled=False)

    sink = SmtpSink(free_port())
    controller = Controller(_SmtpHandler(sink), hostname="127.0.0.1", port=sink.port,
                            authenticator=authenticate, auth_require_tls=False)
    controller.start()
    yield sink
    controller.stop()


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def auth(self) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == "authorization"), None)


class Webhook:
    """An HTTP receiver on port 0 of 127.0.0.1 recording JSON POSTs; a context manager."""

    def __init__(self, password: str = HOOK_PASSWORD) -> None:
        self.posts: list[Post] = []
        self.password = password
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
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    def url(self, path: str = "hook", password: str | None = None) -> str:
        return f"json://bot:{password or self.password}@127.0.0.1:{self.port}/{path}"

    def __enter__(self) -> Webhook:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with Webhook() as sink:
        yield sink


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
