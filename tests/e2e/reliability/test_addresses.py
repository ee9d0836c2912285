"""Address rules (SSRF) in a real run with a fake resolver (the rules alone:
``tests/pipeline/test_addresses.py``, the middleware: ``tests/crawler/test_guard.py``).

The run proves the rules hold *before any connection*: a canary socket on another port must never
see a connection attempt, and the mock server must never see a request for a refused path, even
when the refused name resolves (through the fake resolver) to the very address of the mock server.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.store import Store
from tests.e2e.reliability.conftest import last_check, pw_command, pw_env
from tests.support import proctree
from tests.support.mockserver import MockServer

# --- a real run ------------------------------------------------------------------------------------

@pytest.fixture
def canary() -> Iterator[socket.socket]:
    """A listening socket nothing may connect to."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.setblocking(False)
    yield listener
    listener.close()


def connections(listener: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


@pytest.mark.slow
def test_a_run_refuses_every_other_hop_before_connecting(tmp_path: Path, server: MockServer,
                                                         canary: socket.socket) -> None:
    port, trap = server.port, canary.getsockname()[1]
    named = f"http://example.test:{port}"          # allowed_domains entry: trusted as written
    redirects = {
        "other-port": f"http://127.0.0.1:{trap}/steal",
        "other-host": f"http://localhost:{trap}/steal",
        "file": "file:///etc/passwd",
        "metadata-literal": "http://169.254.169.254/latest/meta-data/",
        "mapped-v6": "http://[::ffff:127.0.0.1]/",
        # names allowed by allowed_domains, on the written port, resolving where they must not
        "name-to-loopback": f"http://www.example.test:{port}/dns-loopback",
        "name-to-metadata": f"http://metadata.example.test:{port}/latest/meta-data/",
    }
    urls = [server.sample("/ok", "ngo-news"), f"{named}/by-name"]
    server.sample("/by-name", "unicef-page")
    urls += [f"{server.url}/redirect?to={target}" for target in redirects.values()]
    urls.append(server.page("/refresh", f'<html><head><meta http-equiv="refresh" content="0; '
                                        f'url=http://localhost:{trap}/"></head><body></body></html>'))
    config = tmp_path / "profilewatch.toml"
    config.write_text("[settings]\ndelay = 0\nretries = 0\ntimeout = 5\n[[source]]\n"
                      f'name = "guarded"\nurls = {json.dumps(urls)}\n'
                      'allowed_domains = ["example.test"]\n')
    db = f"sqlite:///{tmp_path / 'store.db'}"
    fake_dns = {"example.test": "127.0.0.1", "www.example.test": "127.0.0.1",
                "metadata.example.test": "169.254.169.254"}
    run = proctree.run_measured(pw_command(db, config, "run", fake_dns=fake_dns), env=pw_env(),
                                cwd=tmp_path, timeout=60)
    assert run.code == 0, run.stderr

    assert connections(canary) == 0                          # nothing reached the trap
    requested = server.paths_requested()
    assert "/dns-loopback" not in requested and "/latest/meta-data/" not in requested
    assert any(r.headers.get("host") == f"example.test:{port}" for r in server.requests)

    status = proctree.run_measured(pw_command(db, config, "status", "--json"), env=pw_env(),
                                   cwd=tmp_path)
    [source] = json.loads(status.stdout)
    failing = {page["url"]: page["last_error"] for page in source["failing"]}
    store = Store.open(db)
    try:
        not_here = "is not one of this source's hosts (its urls and allowed_domains)"
        expected = {
            # the configured host on another port: not as written, so its address must be public
            "other-port": "refused: host 127.0.0.1 resolves to a loopback address (127.0.0.1)",
            "other-host": f"refused: host localhost {not_here}",
            "file": "refused: file URL: only http and https pages are fetched",
            "metadata-literal": f"refused: host 169.254.169.254 {not_here}",
            "mapped-v6": f"refused: host ::ffff:127.0.0.1 {not_here}",
            "name-to-loopback": "refused: host www.example.test resolves to a loopback address "
                                "(127.0.0.1)",
            "name-to-metadata": "refused: host metadata.example.test resolves to a link-local "
                                "address (169.254.169.254)",
        }
        for name, target in redirects.items():
            url = f"{server.url}/redirect?to={target}"
            check = last_check(store, url)
            assert (check["outcome"], check["reason"]) == ("failed", expected[name]), name
            # the refused hop is on record (a redirect Scrapy would not follow stays the page's)
            assert check["final_url"] == (url if name == "file" else target)
            assert store.history(url) == []
            assert expected[name] in run.stdout and failing[url] == expected[name]
        refresh = last_check(store, server.url + "/refresh")
        assert refresh["reason"] == f"refused: host localhost {not_here}"
        # what the config writes was fetched: the mock server's own address, and a name
        assert len(store.history(server.url + "/ok")) == 1
        assert len(store.history(f"{named}/by-name")) == 1
    finally:
        store.close()
