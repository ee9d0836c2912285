"""``profilewatch prune --captures-before TIME``: the raw captures of superseded versions go;
versions, texts, events, digests and chains stay; shared blobs and keyframes of kept deltas stay;
SQLite gives the space back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from storage import keyframes
from storage.engine import normalise_url
from storage.store import Store
from tests.support.archive import record
from tests.support.inprocess import Ran
from tests.support.mockserver import render_variant
from tests.support.realistic_store import DAY, LIFE, PAGES, T0, archive_state, capture

# live at this time: the version captured on day 6 (v4); v1-v3 are superseded before it
PRUNE_AT = T0 + 6 * DAY + timedelta(hours=1)
WHEN = PRUNE_AT.strftime("%Y-%m-%dT%H:%M:%SZ")


def _blob_codecs(db_url: str) -> dict[str, str]:
    engine = create_engine(normalise_url(db_url))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sha256, codec FROM blobs")).all()
    engine.dispose()
    return {sha: codec for sha, codec in rows}


def test_prune_drops_superseded_captures_and_keeps_the_proof(
        archived: tuple[str, dict[str, object]], run_cli: Callable[..., Ran]) -> None:
    db, _ = archived
    urls = [url for _, url, _ in PAGES]
    store = Store.open(db)
    before = archive_state(store)
    store.close()
    blobs_before = _blob_codecs(db)

    dry = run_cli(db, "prune", "--captures-before", WHEN, "--dry-run")
    assert dry.code == 0, dry.stderr
    assert dry.stdout.startswith("would drop the raw captures of ")
    assert "versions of 3 pages" in dry.stdout and " bytes" in dry.stdout
    store = Store.open(db)
    assert archive_state(store) == before                 # the dry run changed nothing
    store.close()

    dry_json = run_cli(db, "prune", "--captures-before", WHEN, "--dry-run", "--json").json()
    done = run_cli(db, "prune", "--captures-before", WHEN, "--json")
    assert done.code == 0, done.stderr
    figures = done.json()
    assert {**figures, "dry_run": True} == dry_json         # the dry run told the truth
    # v1-v3 of each page are superseded; v1 is the keyframe its later deltas need
    assert figures["versions"] + figures["keyframes"] + figures["shared"] == 9
    emptied = [sha for sha, codec in _blob_codecs(db).items() if codec == "pruned"]
    assert figures["versions"] >= 3 and figures["blobs"] == len(emptied) > 0
    assert all(blobs_before[sha] != "pruned" for sha in emptied)

    store = Store.open(db)
    try:
        after = archive_state(store)
        marked = sum(1 for h in after["histories"].values() for v in h  # type: ignore[attr-defined]
                     if v["capture_pruned_at"])
        assert marked == figures["versions"]
        # versions, texts, events and chains stay; only the pruned mark is new
        for url in urls:
            for old, new in zip(before["histories"][url], after["histories"][url], strict=True):  # type: ignore[index]
                pruned = new.pop("capture_pruned_at")
                old.pop("capture_pruned_at")
                assert new == old
                assert (pruned is not None) == (store.version(url, number=new["version"])
                                                .capture_pruned_at is not None)
        for key in ("texts", "events", "chains", "checks", "runs"):
            assert after[key] == before[key], key
        # every kept capture is still readable, deltas whose keyframe was superseded included
        for url in urls:
            for version in store.history(url):
                if version.capture_pruned_at is None:
                    assert store.body(version)
                else:
                    assert version.version <= 3
    finally:
        store.close()

    verified = run_cli(db, "verify")
    assert verified.code == 0, verified.stdout
    assert f"{figures['versions']} pruned captures" in verified.stderr
    url = urls[0]
    pruned_version = next(v["version"] for v in run_cli(db, "history", url, "--json").json()
                          if v["capture_pruned_at"])
    html = run_cli(db, "show", url, "--version", str(pruned_version), "--format", "html")
    assert html.code == 1 and html.stdout == ""
    assert html.stderr.count("\n") == 1 and "capture was pruned on" in html.stderr
    assert run_cli(db, "show", url, "--at", WHEN, "--format", "html").stdout.startswith("<")
    assert run_cli(db, "show", url, "--version", str(pruned_version)).code == 0
    assert run_cli(db, "diff", url, "--from", "1", "--to", "4").code == 0
    cited = run_cli(db, "cite", url, "--at", (T0 + DAY * 3).isoformat(), "--style", "csl-json")
    assert cited.code == 0 and before["histories"][url][1]["content_sha256"] in cited.stdout  # type: ignore[index]
    # a second prune at the same time finds nothing more
    again = run_cli(db, "prune", "--captures-before", WHEN, "--json").json()
    assert again["versions"] == 0 and again["blobs"] == 0


def test_a_capture_shared_with_a_kept_version_of_another_page_stays(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        sample, first, source = PAGES[0]
        _, second, _ = PAGES[1]
        store.sync_sources([type("S", (), {"name": source, "organisation": None, "spider": "generic",
                                           "urls": [first, second]})()])
        base = render_variant(sample, "base").encode()
        capture(store, db_url, first, source, base, T0)
        capture(store, db_url, first, source, render_variant(sample, "edit:1").encode(), T0 + DAY)
        capture(store, db_url, second, source, base, T0 + 5 * DAY)     # same bytes, kept
        keyframes.close()
        summary = store.prune_captures(T0 + 2 * DAY)
        assert (summary.versions, summary.shared, summary.blobs) == (0, 1, 0)
        assert store.history(first)[0].capture_pruned_at is None
        assert store.body(store.history(first)[0]) == base
        # once the other page moves on, both versions with that capture are superseded, but it
        # is the keyframe both pages' later captures are deltas of: it stays, and they read
        capture(store, db_url, second, source, render_variant(sample, "edit:2").encode(),
                T0 + 6 * DAY)
        keyframes.close()
        summary = store.prune_captures(T0 + 7 * DAY)
        assert (summary.versions, summary.keyframes, summary.blobs) == (0, 2, 0)
        for url in (first, second):
            latest = store.history(url)[-1]
            assert store.body(latest) == render_variant(
                sample, "edit:1" if url == first else "edit:2").encode()
        assert store.verify().ok
    finally:
        store.close()
        keyframes.close()


def _file_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def test_sqlite_gives_the_space_back_after_a_prune(tmp_path: Path) -> None:
    """Standalone captures (as stored without the worker's delta compression): 24 versions of a
    page, 23 pruned; the file shrinks by about what was dropped."""
    path = tmp_path / "big.db"
    store = Store.open(f"sqlite:///{path}")
    try:
        sample, url, source = PAGES[0]
        store.sync_sources([type("S", (), {"name": source, "organisation": None, "spider": "generic",
                                           "urls": [url]})()])
        for n in range(24):
            outcome = record(store, url, source, render_variant(sample, f"edit:{n + 1}"),
                             T0 + n * DAY)
            assert outcome.version == n + 1
        store.vacuum()
        size_before = _file_bytes(path)
        summary = store.prune_captures(T0 + 30 * DAY)
        size_after = _file_bytes(path)
        assert summary.versions == 23 and summary.keyframes == 0
        assert size_before - size_after >= 0.8 * summary.bytes > 0, (size_before, size_after)
        assert store.verify().ok and store.verify().pruned == 23
    finally:
        store.close()


def test_the_version_live_at_the_time_keeps_its_capture(db_url: str) -> None:
    """Superseded means a later version was captured at or before TIME, to the second."""
    store = Store.open(db_url)
    try:
        sample, url, source = PAGES[0]
        store.sync_sources([type("S", (), {"name": source, "organisation": None, "spider": "generic",
                                           "urls": [url]})()])
        for n, (variant, days) in enumerate(v for v in LIFE if v[0] in ("base", "edit:1")):
            record(store, url, source, render_variant(sample, str(variant)), T0 + days * DAY)
            assert len(store.history(url)) == n + 1
        v2_time = store.history(url)[1].fetched_at
        just_before = v2_time.replace(microsecond=0) - timedelta(seconds=1)
        assert store.prune_captures(just_before, dry_run=True).versions == 0
        # v2 was captured at 09:15:30.125: at "09:15:30" it is live, and v1 superseded
        assert store.prune_captures(v2_time.replace(microsecond=0), dry_run=True).versions == 1
    finally:
        store.close()


def test_a_page_back_to_a_pruned_capture_stores_it_again(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        sample, url, source = PAGES[0]
        store.sync_sources([type("S", (), {"name": source, "organisation": None, "spider": "generic",
                                           "urls": [url]})()])
        old, new = render_variant(sample, "base"), render_variant(sample, "edit:1")
        record(store, url, source, old, T0)
        record(store, url, source, new, T0 + DAY)
        assert store.prune_captures(T0 + 2 * DAY).versions == 1
        assert record(store, url, source, old, T0 + 3 * DAY).version == 3   # the old text again
        history = store.history(url)
        assert history[0].body_sha256 == history[2].body_sha256
        assert store.body(history[2]) == old.encode()
        report = store.verify()
        assert report.ok and report.pruned == 1
    finally:
        store.close()
