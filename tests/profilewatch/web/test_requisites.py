"""``/requisite/{version key}/{URL}``: the copy a version shows, with what a sandboxed frame needs."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from profilewatch.web.app import create_app
from storage.requisites import RequisiteFetch, RequisiteStore
from storage.store import Store
from tests.support.archive import add_sources, unesco_history

PAGE = "https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology"
CSS = "https://education-profiles.org/css/site.css"
FONT = "https://education-profiles.org/fonts/f.woff2"
SVG = "https://education-profiles.org/img/logo.svg"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, int]]:
    store = Store.open(f"sqlite:///{tmp_path_factory.mktemp('req') / 'store.db'}")
    add_sources(store, {PAGE: ("unesco-peer", "UNESCO")})
    times = unesco_history(store, PAGE)
    bodies = {CSS: (b'@import "other.css"; @font-face { src: url(../fonts/f.woff2) } '
                    b'a { background: url(/img/logo.svg), url(https://cdn.example/x.png) }', "text/css"),
              FONT: (b"wOF2" + b"\0" * 60, "font/woff2"),
              SVG: (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                    "image/svg+xml")}
    RequisiteStore(store).save(
        [RequisiteFetch(url, times[0] + timedelta(seconds=1), 200, hashlib.sha256(body).hexdigest(),
                        mtype, len(body), body=body) for url, (body, mtype) in bodies.items()],
        None, (PAGE, 1))
    yield store, RequisiteStore(store).version_id(PAGE, 1)
    store.close()


def test_a_stylesheet_is_served_rewritten_in_its_version(archive: tuple[Store, int],
                                                         tmp_path: Path) -> None:
    store, key = archive
    with TestClient(create_app(store)) as client:
        answer = client.get(f"/requisite/{key}/{quote(CSS, safe='')}")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/css; charset=utf-8"
        assert answer.headers["access-control-allow-origin"] == "*"
        assert answer.headers["cross-origin-resource-policy"] == "cross-origin"
        css = answer.text
        assert f"/requisite/{key}/{quote(FONT, safe='')}" in css
        assert f"/requisite/{key}/{quote(SVG, safe='')}" in css
        assert "other.css" not in css and "cdn.example" not in css      # not captured: removed
        font = client.get(f"/requisite/{key}/{quote(FONT, safe='')}")
        assert font.headers["content-type"] == "font/woff2" and font.content.startswith(b"wOF2")
        svg = client.get(f"/requisite/{key}/{quote(SVG, safe='')}")
        assert svg.headers["content-security-policy"].startswith("sandbox")
        assert svg.headers["x-content-type-options"] == "nosniff"
        missing = client.get(f"/requisite/{key}/{quote(CSS + 'x', safe='')}")
        assert missing.status_code == 404
        later = store.history(PAGE)[1]          # version 2 captured nothing: version 1's copies
        key2 = RequisiteStore(store).version_id(PAGE, later.version)
        assert client.get(f"/requisite/{key2}/{quote(FONT, safe='')}").status_code == 200


def test_the_replayed_page_allows_only_the_archive(archive: tuple[Store, int]) -> None:
    store, _ = archive
    version = store.history(PAGE)[0]
    with TestClient(create_app(store), base_url="http://archive.test:8080") as client:
        answer = client.get(f"/web/{version.fetched_at.strftime('%Y%m%d%H%M%S')}/{PAGE}")
    policy = answer.headers["content-security-policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy
    assert "img-src 'self' http://archive.test:8080 data:" in policy
    assert "font-src 'self' http://archive.test:8080 data:" in policy
    assert "script-src" not in policy
