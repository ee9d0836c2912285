"""End to end: a run reads its pages' states a chunk at a time (``crawler.writer.PageStates``) and
still sends every page's conditional request and records exactly the events of a run that held
every state at once.

The run is ``profilewatch run`` in a subprocess (one Twisted reactor per process) with the chunk
made small, so a dozen pages span several chunks.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

import pytest

from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support.mockserver import MockServer
from tests.support.processes import pw_env

pytestmark = pytest.mark.slow

PAGES = 12
CHUNK = 5        # three chunks: 5 + 5 + 2 pages
# the real CLI, with a small chunk (the constant is read when a run reads states)
SMALL_CHUNKS = ("import sys; import crawler.writer as writer; writer.STATES_PER_READ = {chunk}; "
                "from profilewatch.cli import main; main(sys.argv[1:])")


def page_html(n: int, edit: int = 0) -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><title>Profile {n}</title></head><body>"
            f"<main><h1>Profile {n}</h1><p>Country profile {n} of the education watchlist: laws, "
            f"policies and programmes on inclusion and the financing of education.</p><p>Teachers,"
            f" learners and schools of region {n}, reviewed in edition {edit}.</p></main>"
            "</body></html>")


def run_in_chunks(cli: Cli, chunk: int = CHUNK) -> str:
    assert cli.config is not None
    done = subprocess.run([sys.executable, "-c", SMALL_CHUNKS.format(chunk=chunk), "--db", cli.db,
                           "--config", str(cli.config), "run"], cwd=cli.workdir, env=pw_env(),
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_run_in_chunks_sends_conditional_requests_and_records_exact_events(
        server: MockServer, cli: Cli) -> None:
    paths = [f"/chunked/p{n}" for n in range(PAGES)]
    for n, path in enumerate(paths):
        server.page(path, page_html(n))
    urls = [server.url + path for path in paths]
    # one page listed twice, and one under a second spelling of the same page: each checked once
    listed = [*urls, urls[3], urls[7] + "#top"]
    cli.write_config(FAST_SETTINGS + source_toml("chunked", listed))

    run_in_chunks(cli)
    first = cli("changes", "--json").json()
    assert sorted(e["url"] for e in first) == sorted(urls)
    assert {e["kind"] for e in first} == {"new"}

    server.requests.clear()
    server.page(paths[1], page_html(1, edit=1))       # in the first chunk
    server.page(paths[11], page_html(11, edit=1))     # in the last
    run_in_chunks(cli)
    asked = [seen for seen in server.requests if seen.path.startswith("/chunked/")]
    assert Counter(seen.path for seen in asked) == Counter(paths)      # once each
    # every page had a version, so every request was conditional, in every chunk
    assert all("if-none-match" in seen.headers for seen in asked), asked
    events = cli("changes", "--json").json()[len(first):]
    assert sorted((e["url"], e["kind"], e["from_version"], e["to_version"]) for e in events) == [
        (urls[1], "content", 1, 2), (urls[11], "content", 1, 2)]
    assert [v["version"] for v in cli("history", urls[11], "--json").json()] == [1, 2]
    assert [v["version"] for v in cli("history", urls[5], "--json").json()] == [1]

    # a third run with nothing changed: 304s everywhere, no event, every page counted
    server.requests.clear()
    summary = run_in_chunks(cli)
    assert cli("changes", "--json").json()[len(first) + 2:] == []
    assert len([s for s in server.requests if s.path.startswith("/chunked/")]) == PAGES
    [status] = cli("status", "--json").json()
    assert status["failing"] == [], summary
