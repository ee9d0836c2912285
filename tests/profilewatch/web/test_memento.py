"""Memento (RFC 7089) through a real, independent client: memento-client resolves datetimes
through our TimeGate and parses our TimeMap; the rest of the protocol is checked over HTTP."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
from memento_client import MementoClient
from starlette.testclient import TestClient

from profilewatch.web.app import create_app
from storage.store import Store
from tests.support.archive import T0, add_sources, record
from tests.support.mockserver import render_variant
from tests.support.web import LiveApp, WebArchive

SECOND = timedelta(seconds=1)


def naive(moment: datetime) -> datetime:
    """memento-client speaks naive UTC datetimes, to the second."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def memento_uri(base: str, url: str, moment: datetime) -> str:
    return f"{base}/web/{moment.strftime('%Y%m%d%H%M%S')}/{url}"


def test_memento_client_resolves_datetimes_through_our_timegate(
        live: LiveApp, web_archive: WebArchive) -> None:
    times, url = web_archive.peer_times, web_archive.peer
    client = MementoClient(timegate_uri=f"{live.url}/timegate/", check_native_timegate=False)
    cases = [
        (times[0] - 30 * SECOND, 0),          # before the first capture: the first
        (times[0], 0),                        # the capture's own second (stored .25 s later)
        (times[1] - SECOND, 0),               # just before version 2: still version 1
        (times[2] + 3600 * SECOND, 2),        # between 3 and 4: version 3
        (times[3] + 400 * 86400 * SECOND, 3),  # after the last: the last
    ]
    for accept, expected in cases:
        info = client.get_memento_info(url, naive(accept))
        mementos = info["mementos"]
        assert mementos["closest"]["uri"] == [memento_uri(live.url, url, times[expected])], accept
        assert mementos["closest"]["datetime"] == naive(times[expected])
        assert mementos["closest"]["http_status_code"] == 200
        assert mementos["first"]["uri"] == [memento_uri(live.url, url, times[0])]
        assert mementos["last"]["datetime"] == naive(times[3])
        if expected > 0:
            assert mementos["prev"]["datetime"] == naive(times[expected - 1])
        if expected < 3:
            assert mementos["next"]["datetime"] == naive(times[expected + 1])
    client.session.close()


def test_memento_client_reads_our_timemap(live: LiveApp, web_archive: WebArchive) -> None:
    url, times = web_archive.peer, web_archive.peer_times
    response = httpx.get(f"{live.url}/timemap/link/{url}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/link-format"
    links = MementoClient.parse_link_header(response.text)
    assert links[url]["rel"] == ["original"]
    assert links[f"{live.url}/timegate/{url}"]["rel"] == ["timegate"]
    self_link = links[f"{live.url}/timemap/link/{url}"]
    assert self_link["rel"] == ["self"] and self_link["type"] == ["application/link-format"]
    assert self_link["from"] == [MementoClient.convert_to_http_datetime(naive(times[0]))]
    mementos = {uri: v for uri, v in links.items() if "memento" in v["rel"]}
    assert [MementoClient.convert_to_datetime(v["datetime"][0]) for v in mementos.values()] == \
        [naive(t) for t in times]
    assert list(mementos) == [memento_uri(live.url, url, t) for t in times]
    assert mementos[memento_uri(live.url, url, times[0])]["rel"] == ["first", "memento"]
    assert mementos[memento_uri(live.url, url, times[3])]["rel"] == ["last", "memento"]


def test_uri_r_keeps_its_query_string(live: LiveApp, web_archive: WebArchive) -> None:
    client = MementoClient(timegate_uri=f"{live.url}/timegate/", check_native_timegate=False)
    info = client.get_memento_info(web_archive.query, datetime(2030, 1, 1))
    versions = web_archive.store.history(web_archive.query)
    assert info["mementos"]["closest"]["uri"] == [
        memento_uri(live.url, web_archive.query, versions[-1].fetched_at)]
    client.session.close()


def test_timegate_errors_and_headers(client: TestClient, web_archive: WebArchive) -> None:
    url = web_archive.peer
    bad = client.get(f"/timegate/{url}", headers={"Accept-Datetime": "yesterday at noon"})
    assert bad.status_code == 400
    assert bad.text.startswith("Accept-Datetime 'yesterday at noon' is not an HTTP date")
    assert client.get("/timegate/https://unknown.example.org/").status_code == 404
    assert client.get(f"/timegate/{web_archive.empty}").text == (
        f"{web_archive.empty} has no memento yet\n")
    latest = client.get(f"/timegate/{url}")           # no Accept-Datetime: the latest
    assert latest.status_code == 302
    assert latest.headers["vary"] == "accept-datetime"
    assert latest.headers["location"] == memento_uri("http://testserver", url,
                                                     web_archive.peer_times[3])
    head = client.head(f"/timegate/{url}", headers={"Accept-Datetime": "Sat, 01 Jun 2024 12:30:45 GMT"})
    assert head.status_code == 302 and head.content == b""
    assert head.headers["location"] == memento_uri("http://testserver", url, web_archive.peer_times[0])
    assert 'rel="original"' in head.headers["link"] and 'rel="timemap"' in head.headers["link"]


def test_memento_headers_raw_mode_and_redirects(client: TestClient, web_archive: WebArchive) -> None:
    url, times = web_archive.peer, web_archive.peer_times
    version = web_archive.store.history(url)[1]
    response = client.get(memento_uri("", url, times[1]))
    assert response.status_code == 200
    assert response.headers["memento-datetime"] == "Mon, 03 Jun 2024 12:30:45 GMT"
    assert "vary" not in response.headers
    links = MementoClient.parse_link_header(response.headers["link"])
    base = "http://testserver"
    assert links[url]["rel"] == ["original"]
    assert links[f"{base}/timegate/{url}"]["rel"] == ["timegate"]
    assert links[f"{base}/timemap/link/{url}"]["rel"] == ["timemap"]
    expected = {0: ["first", "prev", "memento"], 1: ["memento"], 2: ["next", "memento"],
                3: ["last", "memento"]}
    for index, rels in expected.items():
        entry = links[memento_uri(base, url, times[index])]
        assert entry["rel"] == rels
        assert entry["datetime"] == [MementoClient.convert_to_http_datetime(naive(times[index]))]
    assert "This sentence was added in revision 1." in response.text
    assert "Archived copy" in response.text                  # the banner
    assert response.headers["x-archive-orig-etag"]
    framed = client.get(f"/web/{times[1]:%Y%m%d%H%M%S}if_/{url}")
    assert "Archived copy" not in framed.text and framed.headers["memento-datetime"]
    raw = client.get(f"/web/{times[1]:%Y%m%d%H%M%S}id_/{url}")
    assert hashlib.sha256(raw.content).hexdigest() == version.body_sha256
    assert raw.headers["content-type"] == "text/html; charset=utf-8"
    assert raw.headers["content-security-policy"].startswith("sandbox; default-src 'none'")
    head = client.head(memento_uri("", url, times[1]))
    assert head.status_code == 200 and head.content == b""
    assert head.headers["memento-datetime"] == response.headers["memento-datetime"]
    # a timestamp that is not a capture, or a shorter one, redirects to the memento live then
    near = client.get(memento_uri("", url, times[1] + 60 * SECOND))
    assert near.status_code == 302 and near.headers["location"] == memento_uri(base, url, times[1])
    year = client.get(f"/web/2024/{url}")
    assert year.headers["location"] == memento_uri(base, url, times[3])
    assert client.get(f"/web/2024061/{url}").status_code == 400
    assert client.get(f"/web/20241301000000/{url}").status_code == 400
    again = client.get(memento_uri("", url, times[1]), headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_uri_r_is_taken_raw_from_the_path(client: TestClient, web_archive: WebArchive) -> None:
    url = web_archive.query                       # http://127.0.0.1:N/profile?country=az&theme=tech
    assert client.get(f"/timegate/{url}").status_code == 302
    encoded = url.replace("?", "%3F").replace("&", "%26").replace("=", "%3D")
    assert client.get(f"/timegate/{encoded}").status_code == 302      # fully encoded still found
    collapsed = url.replace("http://", "http:/")                       # a proxy merged the "//"
    assert client.get(f"/timegate/{collapsed}").status_code == 302
    assert client.get(f"/timegate/{url}&extra=1").status_code == 404   # another URI-R


def test_non_ascii_urls_are_percent_encoded_in_headers(tmp_path: Path) -> None:
    url = "https://kk.example.org/білім/~инклюзия?тіл=kk"
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    add_sources(store, {url: ("kk", None)})
    record(store, url, "kk", render_variant("unesco-profile", "base"), T0)
    encoded = "https://kk.example.org/%D0%B1%D1%96%D0%BB%D1%96%D0%BC/~%D0%B8%D0%BD%D0%BA%D0%BB%D1" \
              "%8E%D0%B7%D0%B8%D1%8F?%D1%82%D1%96%D0%BB=kk"
    with TestClient(create_app(store), follow_redirects=False) as client:
        gate = client.get(f"/timegate/{encoded}")
        assert gate.status_code == 302
        assert gate.headers["location"] == f"http://testserver/web/20240601123045/{encoded}"
        assert f"<{encoded}>; rel=\"original\"" in gate.headers["link"]
        memento = client.get(gate.headers["location"])
        assert memento.status_code == 200 and memento.headers["memento-datetime"]
    store.close()
