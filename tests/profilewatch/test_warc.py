"""WARC 1.1 export, read back by warcio itself (``warcio check``, ``warcio index`` and its
ArchiveIterator): record order, archived bodies and headers, revisits, metadata, gzip members."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from warcio.archiveiterator import ArchiveIterator

from profilewatch.warc import export_warc, payload_digest
from storage.requisites import RequisiteFetch, RequisiteStore
from storage.results import iso
from storage.store import Store
from tests.conftest import Cli
from tests.support.archive import DAY, T0, add_sources, record, unesco_history
from tests.support.mockserver import render_variant
from tests.support.processes import wait_for
from tests.support.web import answering

PEER = "https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology"
BACK = "https://www.unicef.org/azerbaijan/inclusive-education?lang=en"    # A, B, then A again
MIRROR = "https://mirror.example.org/inclusive-education"                 # A as well


# pywb has its own environment beside the test one (see the README's test set-up): its brotlipy
# dependency replaces the brotli module that Scrapy decodes responses with.
PYWB_BIN = Path(sys.prefix) / "pywb" / "bin"


def warcio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "warcio.cli", *args], capture_output=True,
                          text=True, check=False, timeout=60)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    opened = Store.open(f"sqlite:///{tmp_path_factory.mktemp('warc') / 'store.db'}")
    add_sources(opened, {PEER: ("unesco-peer", "UNESCO"), BACK: ("unicef", "UNICEF"),
                         MIRROR: ("mirror", None)})
    unesco_history(opened, PEER)
    a, b = render_variant("unicef-page", "base"), render_variant("unicef-page", "edit:1")
    for days, html in ((0, a), (1, b), (2, a)):
        record(opened, BACK, "unicef", html, T0 + days * DAY, organisation="UNICEF",
               headers={"content-encoding": "gzip", "transfer-encoding": "chunked",
                        "content-length": "999"})
    record(opened, MIRROR, "mirror", a, T0 + 3 * DAY)
    add_requisites(opened)
    yield opened
    opened.close()


CSS = "https://education-profiles.org/themes/peer/site.css"
LOGO = "https://education-profiles.org/themes/peer/logo.png"
STYLES = {1: b"h1 { color: red }", 2: b"h1 { color: blue }"}
LOGO_BYTES = b"\x89PNG\r\n\x1a\n" + b"logo" * 40


def add_requisites(store: Store) -> None:
    """PEER's first two versions were captured with their own stylesheet and one shared logo
    (fetched whole for version 1, confirmed by a 304 for version 2)."""
    requisites = RequisiteStore(store)
    for number in (1, 2):
        at = store.history(PEER)[number - 1].fetched_at + timedelta(seconds=1)
        css = STYLES[number]
        requisites.save([
            RequisiteFetch(CSS, at, 200, hashlib.sha256(css).hexdigest(), "text/css", len(css),
                           body=css),
            RequisiteFetch(LOGO, at, 200 if number == 1 else 304,
                           hashlib.sha256(LOGO_BYTES).hexdigest(), "image/png", len(LOGO_BYTES),
                           body=LOGO_BYTES if number == 1 else None)], None, (PEER, number))


def test_requisites_are_records_of_their_own_urls(store: Store, tmp_path: Path) -> None:
    """Each requisite capture is a record whose target is the requisite's URL: one response per
    distinct payload, a revisit for the logo confirmed again; ``warcio check`` accepts the file."""
    path = tmp_path / "archive.warc.gz"
    export_warc(store, path)
    assert warcio("check", str(path)).returncode == 0
    with path.open("rb") as stream:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                   for r in ArchiveIterator(stream) if r.rec_type in ("response", "revisit")]
    mine = [(kind, uri, body) for kind, uri, body in records if uri in (CSS, LOGO)]
    assert sorted((kind, uri) for kind, uri, _ in mine) == [
        ("response", LOGO), ("response", CSS), ("response", CSS), ("revisit", LOGO)]
    assert [kind for kind, uri, _ in mine if uri == LOGO] == ["response", "revisit"]
    assert [body for kind, uri, body in mine if uri == CSS] == [STYLES[1], STYLES[2]]


def test_export_is_valid_warc_1_1_with_revisits(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "archive.warc.gz"
    stats = export_warc(store, path)
    # 8 versions (6 responses, 2 revisits) and 4 requisite captures (3 responses, 1 revisit)
    assert (stats.pages, stats.versions, stats.responses, stats.revisits) == (3, 8, 9, 3)
    assert stats.requisites == 4
    assert not (tmp_path / "archive.warc.gz.part").exists()

    checked = warcio("check", "-v", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # revisits carry no payload
    assert checked.stdout.count("digest pass") == 1 + 8 * 3 - 2 + 4 - 1

    fields = "offset,warc-type,warc-target-uri,warc-date,warc-profile,warc-refers-to-target-uri," \
             "warc-refers-to-date,warc-payload-digest"
    index = warcio("index", "-f", fields, str(path))
    assert index.returncode == 0, index.stderr
    entries = [json.loads(line) for line in index.stdout.splitlines()]
    assert entries[0]["warc-type"] == "warcinfo" and len(entries) == 1 + 8 * 3 + 4
    kinds = [e["warc-type"] for e in entries[1:25]]
    assert all(kinds[i:i + 3] in (["request", "response", "metadata"],
                                  ["request", "revisit", "metadata"]) for i in range(0, 24, 3))
    raw = path.read_bytes()
    assert all(raw[int(e["offset"]):int(e["offset"]) + 2] == b"\x1f\x8b" for e in entries)

    history = store.history(BACK)
    revisits = [e for e in entries if e["warc-type"] == "revisit" and e["warc-target-uri"] != LOGO]
    assert revisits == [
        {"offset": revisits[0]["offset"], "warc-type": "revisit", "warc-target-uri": BACK,
         "warc-date": iso(history[2].fetched_at),
         "warc-profile": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
         "warc-refers-to-target-uri": BACK, "warc-refers-to-date": iso(history[0].fetched_at),
         "warc-payload-digest": payload_digest(store.body(history[0]))},
        {"offset": revisits[1]["offset"], "warc-type": "revisit", "warc-target-uri": MIRROR,
         "warc-date": iso(store.version(MIRROR).fetched_at),
         "warc-profile": "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest",
         "warc-refers-to-target-uri": BACK, "warc-refers-to-date": iso(history[0].fetched_at),
         "warc-payload-digest": payload_digest(store.body(history[0]))},
    ]


def parse_warc_fields(data: bytes) -> dict[str, str]:
    """``application/warc-fields`` as a reader would take it: one ``name: value`` per CRLF line."""
    lines = data.decode("utf-8").split("\r\n")
    assert lines[-1] == ""
    return dict(line.split(": ", 1) for line in lines[:-1])


def test_responses_hold_the_archived_capture_and_metadata(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "peer.warc"
    export_warc(store, path, [PEER, BACK], user_agent="research-bot/2.0 (+https://example.org)")
    assert path.read_bytes().startswith(b"WARC/1.1\r\n")
    versions = store.history(PEER) + store.history(BACK)
    responses, metadata, requests = [], [], []
    with path.open("rb") as stream:
        for rec in ArchiveIterator(stream):
            kind = rec.rec_type
            if kind == "warcinfo":
                info = rec.content_stream().read().decode()
                assert "software: profilewatch/" in info and "format: WARC File Format 1.1" in info
            elif kind == "request":
                requests.append(rec.http_headers.protocol + " " + rec.http_headers.statusline)
                assert rec.http_headers.get_header("User-Agent") == \
                    "research-bot/2.0 (+https://example.org)"
            elif kind == "response" and rec.rec_headers.get_header("WARC-Target-URI") not in (CSS, LOGO):
                responses.append((rec.rec_headers.get_header("WARC-Target-URI"),
                                  rec.rec_headers.get_header("WARC-Date"), dict(rec.http_headers.headers),
                                  rec.http_headers.get_statuscode(), rec.content_stream().read()))
            elif kind == "metadata":
                assert rec.rec_headers.get_header("Content-Type") == "application/warc-fields"
                metadata.append(parse_warc_fields(rec.content_stream().read()))
    assert requests[0] == "GET /northern-africa-and-western-asia/azerbaijan/~technology HTTP/1.1"
    assert "GET /azerbaijan/inclusive-education?lang=en HTTP/1.1" in requests
    assert len(responses) == 6 and len(metadata) == 7
    for (uri, date, headers, status, body), version in zip(responses, versions, strict=False):
        assert (uri, date, status) == (version.url, iso(version.fetched_at), "200")
        assert body == store.body(version)
        assert headers["Content-Length"] == str(len(body))
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert "Content-Encoding" not in headers and "Transfer-Encoding" not in headers
        assert hashlib.sha256(body).hexdigest() == version.body_sha256
    for meta, version in zip(metadata, versions, strict=True):
        assert meta["profilewatch-version"] == str(version.version) and meta["url"] == version.url
        text = json.loads(meta["extracted-text"])
        assert text == store.text(version) and "\n" in text
        assert hashlib.sha256(text.encode()).hexdigest() == meta["text-sha256"] == version.content_sha256
        assert meta["chain-sha256"] == version.chain_sha256
        assert meta["fetched-at"] == iso(version.fetched_at)
    assert metadata[2]["declared-date-text"] == "Tue, 07/01/2025 - 11:00"   # the metadata version
    assert metadata[0]["declared-date-text"] == "Mon, 05/08/2024 - 17:13"
    assert metadata[0]["title"] == versions[0].title


def test_export_command(store: Store, cli: Cli, tmp_path: Path) -> None:
    cli.db = str(store.url)
    out = tmp_path / "one.warc.gz"
    done = cli("export", "--warc", str(out), "--url", PEER)
    assert done.code == 0, done.stderr
    assert done.stderr.strip() == (f"profilewatch: wrote {out}: 4 captures of 1 pages and 4 "
                                   "requisites (7 responses, 1 revisits)")
    assert warcio("check", str(out)).returncode == 0
    unknown = cli("export", "--warc", str(tmp_path / "none.warc"), "--url", "https://nowhere.example/")
    assert unknown.code == 1
    assert unknown.stderr == ("profilewatch: error: https://nowhere.example/ is not a watched page "
                              "(see `profilewatch sources`)\n")
    assert not (tmp_path / "none.warc").exists()


def test_pywb_replays_every_version_including_revisits(store: Store, tmp_path: Path) -> None:
    """pywb, an independent replay tool, indexes the export and serves each version's archived
    body at its Memento datetime; revisits (same URL and another URL) resolve to the first
    capture's payload, and metadata records are not mistaken for captures."""
    bin_dir = PYWB_BIN
    assert (bin_dir / "wayback").exists(), (
        f"pywb is not installed in {bin_dir.parent}: run the README's test set-up "
        f"(python3 -m venv {bin_dir.parent} && {bin_dir}/pip install 'pywb>=2.10')")
    export_warc(store, tmp_path / "archive.warc.gz")
    for args in (("init", "coll"), ("add", "coll", "archive.warc.gz")):
        done = subprocess.run([str(bin_dir / "wb-manager"), *args], cwd=tmp_path, capture_output=True,
                              text=True, check=False, timeout=120)
        assert done.returncode == 0, done.stderr
    (tmp_path / "config.yaml").write_text("debug: false\n")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = (tmp_path / "wayback.log").open("wb")
    server = subprocess.Popen([str(bin_dir / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
                              cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/coll"
    try:
        wait_for(lambda: answering(f"{base}/"), 60, "pywb to listen")
        for url in (PEER, BACK, MIRROR):
            versions = store.history(url)
            with urllib.request.urlopen(f"{base}/cdx?{urlencode({'url': url, 'output': 'json'})}") as answer:
                rows = [json.loads(line) for line in answer.read().decode().splitlines()]
            assert [row["timestamp"] for row in rows] == [stamp(v.fetched_at) for v in versions]
            for version in versions:
                with urllib.request.urlopen(f"{base}/{stamp(version.fetched_at)}id_/{url}") as answer:
                    assert answer.status == 200
                    assert answer.read() == store.body(version), (url, version.version)
        # each version's stylesheet as pywb replays it at the version's time; the logo (a revisit
        # the second time) resolves to its one payload
        for version in store.history(PEER)[:2]:
            with urllib.request.urlopen(f"{base}/{stamp(version.fetched_at)}id_/{CSS}") as answer:
                assert answer.read() == STYLES[version.version]
            with urllib.request.urlopen(f"{base}/{stamp(version.fetched_at)}id_/{LOGO}") as answer:
                assert answer.read() == LOGO_BYTES
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")

