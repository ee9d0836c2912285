"""Local receivers for report deliveries: an SMTP server (aiosmtpd, with a password) and a webhook
receiver (HTTP, basic auth), both on 127.0.0.1; plus a free port nobody listens on."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

SMTP_PASSWORD = "smtp-S3cret-pw"
HOOK_PASSWORD = "hook-S3cret-pw"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    """Poll ``condition()`` until true (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)


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
class Hook:
    path: str
    auth: str | None
    body: dict[str, Any]


@dataclass
class WebhookSink:
    port: int
    posts: list[Hook] = field(default_factory=list)

    def url(self, path: str = "hook", password: str = HOOK_PASSWORD) -> str:
        return f"json://bot:{password}@127.0.0.1:{self.port}/{path}"


@pytest.fixture
def webhook() -> Iterator[WebhookSink]:
    sink = WebhookSink(0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            data = json.loads(self.rfile.read(length))
            sink.posts.append(Hook(self.path, self.headers.get("Authorization"), data))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield sink
    server.shutdown()
    server.server_close()


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
