"""``cite``, ``verify`` and ``serve`` as a user runs them (subprocesses, one store file)."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import update

from profilewatch.citation import citations
from profilewatch.cli.archive import bind_socket
from profilewatch.errors import UsageError
from storage.models import VersionRow
from storage.results import iso
from storage.store import Store
from tests.conftest import FAST_SETTINGS, REPO, Cli, source_toml
from tests.support.archive import SEEDS, seed_archive
from tests.support.citation_pages import PAGES
from tests.support.mockserver import MockServer
from tests.support.processes import pw_command, pw_env, wait_for
from tests.support.web import answering

PEER = SEEDS["unesco-profile"].url


@pytest.fixture
def archive(cli: Cli) -> Store:
    store = Store.open(cli.db)
    seed_archive(store)
    cli.write_config('[serve]\npublic_url = "https://archive.example.org/"\n\n'
                     '[[source]]\nname = "unesco-peer"\nurls = ["' + PEER + '"]\n')
    return store


def test_cite(archive: Store, cli: Cli) -> None:
    v = archive.version(PEER)
    memento = f"https://archive.example.org/web/20240601123045/{PEER}"
    note = (f"Archived version 1, captured 2024-06-01T12:30:45Z, SHA-256 {v.content_sha256}, "
            f"{memento}")
    apa = cli("cite", PEER, "--at", "2024-06-01T12:30:45Z", "--style", "apa")
    assert (apa.code, apa.stdout) == (
        0, f"UNESCO. (2024, August 5). Azerbaijan | Technology. Education Profiles. {PEER} [{note}]\n")
    csl = cli("cite", PEER, "--style", "csl-json")
    assert csl.code == 0, csl.stderr
    assert json.loads(csl.stdout) == [{
        "id": "unesco20240601123045azerbaijan", "type": "webpage", "title": "Azerbaijan | Technology",
        "author": [{"literal": "UNESCO"}], "container-title": "Education Profiles",
        "issued": {"date-parts": [[2024, 8, 5]]}, "accessed": {"date-parts": [[2024, 6, 1]]},
        "URL": PEER, "archive": "profilewatch", "archive_location": memento, "note": note}]
    early = cli("cite", PEER, "--at", "2024-06-01T12:30:44Z")
    assert (early.code, early.stdout) == (1, "")
    assert early.stderr == (f"profilewatch: error: {PEER} has no version at or before "
                            "2024-06-01T12:30:44Z (first captured 2024-06-01T12:30:45Z)\n")


def test_cite_a_crawled_page(server: MockServer, cli: Cli) -> None:
    """``run`` on the mock server (extraction workers store the citation metadata), then the
    citation: the fields of the golden CSL-JSON, the served URL, and no date from the HTTP
    Last-Modified header the mock server sends."""
    graph = server.page("/cite/graph", PAGES["jsonld-graph"].html)
    undated = server.page("/cite/undated", PAGES["meta-author-inverted"].html)
    cli.write_config(FAST_SETTINGS + source_toml("cited", [graph, undated]))
    ran = cli("run")
    assert ran.code == 0, ran.stderr
    golden = json.loads((REPO / "tests/profilewatch/golden/jsonld-graph.json").read_text("utf-8"))[0]
    store = Store.open(cli.db)
    for url, apa_start in (
            (graph, "Sultanova, D. (2023, August 28). Back to school. UNICEF Kazakhstan. "),
            (undated, "Mammadova, L. (n.d.). Inclusive classrooms. Example Blog. Retrieved ")):
        version = store.version(url)
        assert "cite" in version.metadata          # stored at analysis time, not re-read
        every = citations(version)
        item = json.loads(every["csl-json"])[0]
        assert item["URL"] == url
        assert item["note"] == (f"Archived version 1, captured {iso(version.fetched_at)}, SHA-256 "
                                f"{version.content_sha256}, /web/"
                                f"{version.fetched_at.strftime('%Y%m%d%H%M%S')}/{url}")
        assert every["apa"].startswith(apa_start), every["apa"]
        if url == graph:
            fields = ("type", "title", "author", "container-title", "issued")
            assert {k: item[k] for k in fields} == {k: golden[k] for k in fields}
        else:
            assert "issued" not in item and item["author"] == [{"family": "Mammadova", "given": "Leyla"}]
    store.close()


def test_verify(archive: Store, cli: Cli) -> None:
    ok = cli("verify")
    assert (ok.code, ok.stdout) == (0, "")
    assert ok.stderr == ("profilewatch: checked 8 blobs and 4 versions of 4 pages: all digests "
                         "and hash chains match\n")
    with archive.engine.begin() as connection:
        connection.execute(update(VersionRow).where(VersionRow.number == 1)
                           .values(title="Forged title"))
    bad = cli("verify")
    assert bad.code == 1
    assert len(bad.stdout.splitlines()) == 4 and "Traceback" not in bad.stderr
    assert f"{PEER} v1: hash chain broken: stored " in bad.stdout
    assert bad.stderr.endswith("4 mismatch(es)\n")
    as_json = json.loads(cli("verify", "--json").stdout)
    assert {m["url"] for m in as_json} == {s.url for s in SEEDS.values()}
    assert {m["version"] for m in as_json} == {1}


def test_serve(archive: Store, cli: Cli, tmp_path: Path) -> None:
    command = pw_command(cli.db, cli.config, "serve", "--port", "0")
    process = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                               env=pw_env())
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert line.startswith("profilewatch: serving http://127.0.0.1:"), line
        base = line.split()[2].rstrip("/")
        wait_for(lambda: answering(f"{base}/api/runs"), timeout=10, what="serve to answer")
        response = httpx.get(f"{base}/api/citation", params={"url": PEER, "style": "apa"})
        assert response.status_code == 200
        assert response.json()["citation"].endswith(
            f", https://archive.example.org/web/20240601123045/{PEER}]")
    finally:
        process.send_signal(signal.SIGINT)
        _, rest = process.communicate(timeout=10)
    assert process.returncode == 0
    assert rest.endswith("profilewatch: stopped\n") and "Traceback" not in rest


def test_serve_on_a_busy_port_is_one_clear_error() -> None:
    busy = bind_socket("127.0.0.1", 0)
    try:
        with pytest.raises(UsageError, match=r"cannot serve on 127\.0\.0\.1:\d+: Address already in use"):
            bind_socket("127.0.0.1", busy.getsockname()[1])
    finally:
        busy.close()
