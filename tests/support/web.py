"""One archive for all web tests (built through the store API once per session), served by the
app in process (Starlette's TestClient) and by uvicorn on an ephemeral port for real clients
(:class:`LiveApp`, any ASGI app). The fixtures ``web_archive``, ``client`` and ``live`` are
registered for the whole suite by ``tests/conftest.py``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from profilewatch import samples
from profilewatch.cli.archive import bind_socket
from profilewatch.web.app import create_app
from storage.store import Store
from tests.support.archive import DAY, T0, add_sources, record, unesco_history
from tests.support.mockserver import MockServer, render_variant
from tests.support.processes import wait_for

XSS_TITLE = '"><script>window.pwned="title";alert("title")</script>'
XSS_TEXT = '<script>window.pwned="text";alert("text")</script> & <b onclick="x">bold?</b>'
PAYLOAD = """
<script>window.pwned = "script"; fetch("/beacon?script"); alert("script")</script>
<img src="/beacon?img" onerror="window.pwned='onerror'; alert('onerror')" alt="">
<img src="https://live.example.org/tracker.gif" alt="">
<svg onload="window.pwned='svg'; alert('svg')"><script>window.pwned='svg-script'</script></svg>
<a href="javascript:window.pwned='href'">a javascript link</a>
<iframe src="/beacon?iframe"></iframe>
<div style="background:url(/beacon?css)">styled</div>
"""


def xss_page(revision: int = 0) -> str:
    html = samples.set_title(samples.load_sample("ngo-news"), escape(XSS_TITLE))
    html = html.replace("<body>", '<body onload="window.pwned=\'body\'; alert(\'body\')">' + PAYLOAD, 1)
    html = html.replace("</head>", '<meta http-equiv="refresh" content="0;url=/beacon?refresh">'
                        '<link rel="stylesheet" href="https://live.example.org/site.css"></head>', 1)
    html = html.replace("<p>After the meetings", f"<p>Injected: {escape(XSS_TEXT)}</p>\n"
                        "<p>After the meetings", 1)
    return samples.edit_text(html, revision) if revision else html


@dataclass
class WebArchive:
    store: Store
    peer: str                  # UNESCO profile, 4 versions
    peer_times: list[datetime]
    query: str                 # a URL with a query string, 2 versions, now failing
    xss: str                   # archived HTML full of scripts, 2 versions
    empty: str                 # watched, never captured


@pytest.fixture(scope="session")
def web_archive(tmp_path_factory: pytest.TempPathFactory,
                mockserver_session: MockServer) -> Iterator[WebArchive]:
    # URLs on the mock server: memento-client HEADs the original URL before asking the TimeGate
    base = mockserver_session.url
    archive = WebArchive(Store.open(f"sqlite:///{tmp_path_factory.mktemp('web') / 'store.db'}"),
                         f"{base}/peer/azerbaijan/~technology", [],
                         f"{base}/profile?country=az&theme=tech", f"{base}/ngo/xss",
                         f"{base}/not-yet")
    add_sources(archive.store, {archive.peer: ("unesco-peer", "UNESCO"),
                                archive.query: ("unicef", "UNICEF"),
                                archive.xss: ("cnc", "Caucasus Network for Children"),
                                archive.empty: ("cnc", "Caucasus Network for Children")})
    archive.peer_times = unesco_history(archive.store, archive.peer)
    for days, variant in ((0, "base"), (2, "edit:1")):
        record(archive.store, archive.query, "unicef", render_variant("unicef-page", variant),
               T0 + days * DAY, organisation="UNICEF")
    record(archive.store, archive.query, "unicef", b"<h1>Service unavailable</h1>", T0 + 3 * DAY,
           status=503)
    for days, revision in ((0, 0), (1, 1)):
        outcome = record(archive.store, archive.xss, "cnc", xss_page(revision), T0 + days * DAY)
        assert outcome.version == revision + 1, outcome
    yield archive
    archive.store.close()


@pytest.fixture(scope="session")
def client(web_archive: WebArchive) -> Iterator[TestClient]:
    with TestClient(create_app(web_archive.store), base_url="http://testserver",
                    follow_redirects=False) as test_client:
        yield test_client


def answering(url: str, status: int | None = None) -> bool:
    """Whether a server answers at ``url`` (with ``status``, when given): poll it with
    ``wait_for`` while a server starts."""
    try:
        response = httpx.get(url, timeout=2)
    except httpx.TransportError:
        return False
    return status is None or response.status_code == status


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
        wait_for(lambda: self.server.started, timeout=10, what="uvicorn to start", interval=0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="session")
def live(web_archive: WebArchive) -> Iterator[LiveApp]:
    with LiveApp(create_app(web_archive.store)) as server:
        yield server

