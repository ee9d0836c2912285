"""The versioned store, on SQLite and PostgreSQL: what each check leaves behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from pipeline.types import ChangeKind, Fetched, Profile
from profilewatch import samples
from profilewatch.config import SourceConfig
from profilewatch.errors import NotFoundError, StoreError
from storage import keyframes, recording
from storage.models import Base
from storage.results import CheckInput
from storage.store import Store
from tests.support.archive import check_input

T0 = datetime(2026, 3, 1, 12, 0, 0, 400_000, tzinfo=UTC)
URL = "https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology"


def check(url: str, html: str | bytes | None, at: datetime, *, status: int = 200,
          error: str | None = None, source: str = "peer") -> CheckInput:
    return check_input(url, html, at, source=source, status=status, error=error,
                       profile=Profile(site="unesco"))


@pytest.fixture
def peer(store: Store) -> Store:
    store.sync_sources([SourceConfig(name="peer", spider="unesco", urls=(URL,),
                                     organisation="UNESCO")])
    return store


def kinds(store: Store, **filters: Any) -> list[str]:
    return [e.kind for e in store.events(**filters)]


def test_schema_matches_the_models(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []


def test_a_page_history(peer: Store) -> None:
    base = samples.load_sample("unesco-profile")
    timeline = [
        (base, 200, ChangeKind.NEW),
        (samples.churn(base, 1), 200, ChangeKind.UNCHANGED),
        (samples.edit_text(base, 1), 200, ChangeKind.CONTENT),
        (samples.bump_last_modified(samples.edit_text(base, 1), "2025-01-07T10:00:00Z",
                                    "Tue, 07/01/2025 - 11:00"), 200, ChangeKind.METADATA),
        ("<h1>Error</h1>", 503, ChangeKind.FAILED),
        (samples.bump_last_modified(samples.edit_text(base, 1), "2025-01-07T10:00:00Z",
                                    "Tue, 07/01/2025 - 11:00"), 200, ChangeKind.UNCHANGED),
        ("gone", 404, ChangeKind.FAILED),
        ("gone", 404, ChangeKind.GONE),
        ("gone", 410, ChangeKind.FAILED),
    ]
    for i, (html, status, expected) in enumerate(timeline):
        outcome = peer.record(check(URL, html, T0 + timedelta(hours=i), status=status))
        assert outcome.kind is expected, (i, outcome)
    assert kinds(peer) == ["new", "content", "metadata", "gone"]
    history = peer.history(URL)
    assert [v.version for v in history] == [1, 2, 3]
    assert history[1].content_sha256 == history[2].content_sha256
    assert history[0].last_modified_text == "Mon, 05/08/2024 - 17:13"
    assert history[2].last_modified == "2025-01-07T10:00:00Z"
    assert history[0].organisation == "UNESCO"
    # the version live at a time: the latest captured at or before it, compared to the second
    assert peer.version(URL, at=T0.replace(microsecond=0)).version == 1
    assert peer.version(URL, at=T0 + timedelta(hours=2, minutes=30)).version == 2
    assert peer.version(URL, at=T0 + timedelta(days=30)).version == 3
    with pytest.raises(NotFoundError, match="no version at or before"):
        peer.version(URL, at=T0 - timedelta(seconds=1))
    assert "added in revision 1" in peer.text(peer.version(URL, number=2))
    assert "added in revision 1" not in peer.text(peer.version(URL, number=1))
    assert peer.body(history[0]) == base.encode()
    gone = peer.events(kind="gone")[0]
    assert (gone.from_version, gone.to_version) == (3, None)
    content = peer.events(kind="content")[0]
    assert (content.lines_added, content.lines_removed) == (1, 1)
    assert content.summary == ("+1 −1 lines; 2.1. Education technology legislative and policy "
                               "framework: 1 line changed")
    page = peer.pages()[0]
    assert page.gone_at is not None and page.fail_count == 3 and page.last_error == "HTTP 410"


def test_recovery_after_failures_makes_no_event_and_clears_the_streak(peer: Store) -> None:
    base = samples.load_sample("unesco-profile")
    peer.record(check(URL, base, T0))
    peer.record(check(URL, None, T0 + timedelta(hours=1), error="timeout"))
    peer.record(check(URL, samples.load_sample("ngo-news").replace("<title>", "<title>x"),
                      T0 + timedelta(hours=2), status=500))
    failing = peer.pages()[0]
    assert failing.fail_count == 2 and failing.failing_since == T0 + timedelta(hours=1)
    assert peer.record(check(URL, samples.churn(base, 3), T0 + timedelta(hours=3))).kind \
        is ChangeKind.UNCHANGED
    assert kinds(peer) == ["new"]
    recovered = peer.pages()[0]
    assert recovered.fail_count == 0 and recovered.failing_since is None
    assert [c["outcome"] for c in peer.checks(URL)] == ["unchanged", "failed", "failed", "new"]


def test_identical_bodies_are_stored_once(peer: Store) -> None:
    other = URL.replace("~technology", "~inclusion")
    peer.add_pages("peer", [other])
    html = samples.load_sample("unesco-profile")
    peer.record(check(URL, html, T0))
    peer.record(check(other, html, T0))
    with peer.session() as s:
        from sqlalchemy import func, select

        from storage.models import BlobRow
        assert s.scalar(select(func.count()).select_from(BlobRow)) == 2   # one body, one text


def test_a_failure_inside_the_transaction_leaves_nothing(peer: Store,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    html = samples.load_sample("unesco-profile")
    peer.record(check(URL, html, T0))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("killed mid-transaction")

    monkeypatch.setattr(recording, "_add_event", broken)
    with pytest.raises(RuntimeError):
        peer.record(check(URL, samples.edit_text(html, 1), T0 + timedelta(hours=1)))
    monkeypatch.undo()
    assert [v.version for v in peer.history(URL)] == [1]
    assert kinds(peer) == ["new"]
    assert len(peer.checks(URL)) == 1
    assert peer.record(check(URL, samples.edit_text(html, 1), T0 + timedelta(hours=2))).version == 2


def test_events_filters(peer: Store) -> None:
    html = samples.load_sample("unesco-profile")
    peer.record(check(URL, html, T0))
    peer.record(check(URL, samples.edit_text(html, 1), T0 + timedelta(days=1)))
    assert kinds(peer, since=T0 + timedelta(days=1)) == ["content"]     # inclusive
    assert kinds(peer, kind="new") == ["new"]
    assert kinds(peer, url=URL) == ["new", "content"]
    assert kinds(peer, source="other") == []
    with pytest.raises(NotFoundError):
        peer.events(url="https://nowhere.example/")


def test_validators_are_kept_for_conditional_requests(peer: Store) -> None:
    peer.record(check(URL, samples.load_sample("unesco-profile"), T0))
    state = peer.page_states("peer")[URL]
    assert state.version is not None and state.etag and state.content_sha256


def test_run_locks_exclude_a_second_holder(peer: Store) -> None:
    held = peer.try_lock("run:peer")
    assert held is not None
    assert peer.try_lock("run:peer") is None
    assert peer.try_lock("run:other") is not None
    held.release()
    again = peer.try_lock("run:peer")
    assert again is not None
    again.release()


def test_unreachable_database_is_one_clear_error() -> None:
    with pytest.raises(StoreError, match="cannot open database"):
        Store.open("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match="does not exist"):
        Store.open("sqlite:////nonexistent-dir/x.db")


def test_new_captures_are_stored_as_deltas_against_the_keyframe(peer: Store) -> None:
    from dataclasses import replace as _replace

    from crawler.extraction import analyse_in_worker
    from storage.blobstore import read_blob
    from storage.models import BlobRow

    url_text = peer.engine.url.render_as_string(hide_password=False)
    bodies = [samples.load_sample("unesco-profile")]
    bodies += [samples.churn(samples.edit_text(bodies[0], n), n) for n in (1, 2, 3)]
    for i, html in enumerate(bodies):
        state = peer.page_states("peer").get(URL)
        plain = check(URL, html, T0 + timedelta(days=i))
        fetched = Fetched(url=URL, source="peer", fetched_at=plain.fetched_at, status=200,
                          headers=plain.headers, body=html.encode())
        analysis = analyse_in_worker(fetched, Profile(site="unesco"), state, url_text)
        peer.record(_replace(plain, analysis=analysis))
    history = peer.history(URL)
    assert [v.version for v in history] == [1, 2, 3, 4]
    with peer.session() as s:
        codecs = [s.get(BlobRow, v.body_sha256).codec for v in history]  # type: ignore[union-attr]
        sizes = [len(s.get(BlobRow, v.body_sha256).data) for v in history]  # type: ignore[union-attr]
        assert codecs[0] == "zstd"
        assert codecs[1:] == [f"zstd-ref:{history[0].body_sha256}"] * 3   # all against v1
        assert max(sizes[1:]) < sizes[0] / 3
        for version, html in zip(history, bodies, strict=True):
            assert read_blob(s, version.body_sha256) == html.encode()
    assert peer.verify().ok
    keyframes.close()


def test_a_page_recorded_by_another_process_meanwhile_is_reloaded_not_lost(peer: Store) -> None:
    base = samples.load_sample("unesco-profile")
    peer.record(check(URL, base, T0))
    stale = peer.page_states("peer")                 # this run's view: latest version 1
    other = Store.open(peer.engine.url.render_as_string(hide_password=False))
    try:                                             # another process records version 2 meanwhile
        other.record(check(URL, samples.edit_text(base, 1), T0 + timedelta(hours=1)))
    finally:
        other.close()
    results = peer.record_batch([check(URL, samples.edit_text(base, 2), T0 + timedelta(hours=2))],
                                stale)
    assert results[0][0].kind is ChangeKind.CONTENT and results[0][0].version == 3
    assert [v.version for v in peer.history(URL)] == [1, 2, 3]
    assert kinds(peer) == ["new", "content", "content"]
    assert peer.verify().ok


def test_another_spelling_of_a_watched_url_finds_the_page(peer: Store) -> None:
    peer.record(check(URL, samples.load_sample("unesco-profile"), T0))
    for spelling in (URL.replace("https://", "http://"), URL + "?utm_source=newsletter",
                     URL.replace("education-profiles.org", "EDUCATION-PROFILES.ORG"), URL + "#s2"):
        assert [v.version for v in peer.history(spelling)] == [1]
    with pytest.raises(NotFoundError):
        peer.history(URL.replace("~technology", "~finance"))


def test_an_older_store_is_migrated_on_first_use(db_url: str) -> None:
    from alembic import command

    from storage.engine import _alembic_config, make_engine, script_heads

    engine = make_engine(db_url)
    command.upgrade(_alembic_config(engine), "0001")      # a store made by the first release
    engine.dispose()
    store = Store.open(db_url)
    try:
        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            assert set(context.get_current_heads()) == script_heads()
            assert compare_metadata(context, Base.metadata) == []
    finally:
        store.close()


def test_the_page_list_reads_one_screen(peer: Store) -> None:
    """The web UI's page list: one screen from an offset, the total, the latest title, and a
    casefolded filter on URL or title."""
    html = samples.load_sample("unesco-profile")
    urls = [f"https://education-profiles.org/p{n}" for n in range(5)]
    for n, url in enumerate(urls):
        peer.record(check(url, html.replace("Azerbaijan | Technology", f"Écoles {n}"), T0))
    peer.record(check(urls[1], samples.edit_text(html, 1).replace("Azerbaijan | Technology",
                                                                  "ÉCOLES X"), T0 + timedelta(days=1)))
    screen, total = peer.page_list(limit=2, offset=2)          # the configured URL comes first
    assert total == 6 and [page.url for page, _ in screen] == urls[1:3]
    assert screen[0][0].versions == 2 and "ÉCOLES X" in (screen[0][1] or "")
    assert screen[1][0].versions == 1 and "Écoles 2" in (screen[1][1] or "")
    found, total = peer.page_list(needle="écoles x")            # the latest title only
    assert total == 1 and [page.url for page, _ in found] == [urls[1]]
    found, total = peer.page_list(needle="/p4", source="peer")
    assert total == 1 and found[0][0].url == urls[4]
    assert peer.page_list(source="other") == ([], 0)
    assert peer.page_list(offset=10) == ([], 6)
