"""``profilewatch prune --captures-before TIME``: the raw captures of superseded versions go;
versions, texts, events, digests and chains stay; shared blobs and keyframes of kept deltas stay;
SQLite gives the space back."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from storage import keyframes
from storage.copy import copy_store
from storage.engine import normalise_url
from storage.requisites import RequisiteFetch, RequisiteStore
from storage.store import Store
from tests.support.archive import add_sources, record, unesco_history
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


def _requisite_fetch(url: str, body: bytes | None, at: datetime, status: int = 200,
                     reason: str | None = None, sha: str | None = None) -> RequisiteFetch:
    digest = hashlib.sha256(body).hexdigest() if body is not None else sha
    return RequisiteFetch(url, at, status, digest, "text/css" if url.endswith(".css")
                          else "image/png", len(body) if body else None, reason, body)


def test_requisites_only_pruned_versions_show_go_and_kept_versions_replay_as_before(
        db_url: str, tmp_path: Path) -> None:
    page = "https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology"
    css, logo, banner = (f"https://education-profiles.org/{p}"
                         for p in ("css/site.css", "img/logo.png", "img/banner.png"))
    sheets = {n: f"h1{{color:{c}}}".encode() * 200 for n, c in ((1, "red"), (2, "blue"), (4, "teal"))}
    picture, old_banner = b"\x89PNG" + os.urandom(3000), b"\x89PNG" + os.urandom(2000)
    store = Store.open(db_url)
    try:
        add_sources(store, {page: ("unesco-peer", "UNESCO")})
        t = unesco_history(store, page)          # versions 1-4
        minute = timedelta(minutes=1)
        requisites = RequisiteStore(store)
        logo_sha = hashlib.sha256(picture).hexdigest()
        # v1: its own sheet, logo and banner; v2: a new sheet, the logo confirmed (304);
        # v3: the sheet failed (it shows v2's, the nearest earlier); v4: a new sheet, the logo
        requisites.save([_requisite_fetch(css, sheets[1], t[0] + minute),
                         _requisite_fetch(logo, picture, t[0] + minute),
                         _requisite_fetch(banner, old_banner, t[0] + minute)], None, (page, 1))
        requisites.save([_requisite_fetch(css, sheets[2], t[1] + minute),
                         _requisite_fetch(logo, None, t[1] + minute, 304, sha=logo_sha)],
                        None, (page, 2))
        requisites.save([_requisite_fetch(css, None, t[2] + minute, 503, "HTTP 503")],
                        None, (page, 3))
        requisites.save([_requisite_fetch(css, sheets[4], t[3] + minute),
                         _requisite_fetch(logo, None, t[3] + minute, 304, sha=logo_sha)],
                        None, (page, 4))
        keys = {n: requisites.version_id(page, n) for n in (1, 2, 3, 4)}
        shown = {n: requisites.resolve(keys[n], [css, logo, banner]) for n in (3, 4)}
        before = t[2] + timedelta(hours=1)          # v3 is live then: v1 and v2 are superseded

        dry = store.prune_captures(before, dry_run=True)
        summary = store.prune_captures(before)
        assert summary == dry
        assert summary.versions == 2 - summary.keyframes - summary.shared
        pruned = {v.version for v in store.history(page) if v.capture_pruned_at is not None}
        codecs = _blob_codecs(db_url)
        digest = {name: hashlib.sha256(body).hexdigest() for name, body in
                  (("sheet1", sheets[1]), ("sheet2", sheets[2]), ("sheet4", sheets[4]),
                   ("logo", picture), ("banner", old_banner))}
        # only v1 showed the first sheet, and v2's copy of the URL came before any kept version:
        # it goes with v1's capture. v3 shows v2's sheet (its own failed), v4 its own and the
        # logo: they stay. The banner, captured only with v1, is the nearest earlier copy for
        # v3 and v4, which have none of their own: it stays (the rule does not read pages)
        gone = {name for name, sha in digest.items() if codecs[sha] == "pruned"}
        assert 1 in pruned and gone == {"sheet1"}
        assert summary.requisite_blobs == 1 and summary.requisite_bytes > 0
        assert "1 requisites only they used" in summary.line(dry_run=False)
        assert requisites.resolve(keys[3], [banner])[banner].sha256 == digest["banner"]
        # kept versions replay exactly as before
        for n in (3, 4):
            assert requisites.resolve(keys[n], [css, logo, banner]) == shown[n]
            for copy in shown[n].values():
                assert requisites.content(copy.sha256 or "")
        assert requisites.resolve(keys[3], [css])[css].sha256 == digest["sheet2"]
        # v1's copies are gone; none of them is picked any more nor exported
        assert css not in requisites.resolve(keys[1], [css]) or \
            requisites.resolve(keys[1], [css])[css].sha256 != digest["sheet1"]
        exported = {c.sha256 for c in requisites.captures_of([(page, n) for n in (1, 2, 3, 4)])}
        assert digest["sheet1"] not in exported and digest["banner"] in exported
        assert {c.sha256 for c in requisites.all_captures()} == exported
        assert store.verify().ok
        # a second prune finds nothing more
        again = store.prune_captures(before)
        assert (again.versions, again.requisite_blobs) == (0, 0)
        # the pruned store copies, and verifies there
        target = f"sqlite:///{tmp_path / 'copy.db'}"
        copy_store(db_url, target)
        copied = Store.open(target)
        try:
            assert copied.verify().ok
            assert RequisiteStore(copied).resolve(keys[3], [css, logo, banner]) == shown[3]
        finally:
            copied.close()
    finally:
        store.close()
        keyframes.close()
