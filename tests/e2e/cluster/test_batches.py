"""Planning batches, the cluster's configuration rules, its locks, and ``run --url``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from profilewatch.config import SourceConfig, config_from_mapping
from profilewatch.errors import ConfigError
from scheduler.cluster import cluster_database_url, plan_batches
from scheduler.locks import batch_locks, run_lock_name, source_locks
from storage.store import Store
from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.e2e.cluster.conftest import cluster_toml, serve_pages
from tests.support.mockserver import MockServer


def _config(cluster: dict[str, object]) -> object:
    return config_from_mapping({"cluster": cluster,
                                "source": [{"name": "s", "urls": ["https://a.example/x"]}]},
                               "/etc/pw.toml")


def test_batches_split_by_domain_in_order_and_only_the_home_domain_discovers() -> None:
    source = SourceConfig(name="unesco", urls=("https://b.example/1", "https://a.example/1"))
    urls = ["https://b.example/1", "https://a.example/1", "https://B.example:8443/2",
            "https://b.example/3", "https://a.example/2", "https://c.example/1"]
    batches = plan_batches(source, urls, pages_per_job=2)
    assert [(b.domain, b.index, b.urls, b.discover) for b in batches] == [
        ("b.example", 0, ("https://b.example/1", "https://B.example:8443/2"), True),
        ("b.example", 1, ("https://b.example/3",), False),
        ("a.example", 0, ("https://a.example/1", "https://a.example/2"), False),
        ("c.example", 0, ("https://c.example/1",), False)]
    # the lock is per host (any port, any source); the queueing lock per source, host and slot
    assert {b.lock for b in batches} == {"domain:a.example", "domain:b.example", "domain:c.example"}
    assert batches[1].queueing_lock == "unesco:b.example:1"


def test_the_queue_lives_in_the_store_database_unless_configured_and_needs_postgresql() -> None:
    store = "postgresql+psycopg://pw:secret@db.internal:5432/watch"
    config = _config({"enabled": True})
    assert cluster_database_url(config, store) == "postgresql://pw:secret@db.internal:5432/watch"
    own = _config({"enabled": True, "database_url": "postgresql://q@queue.internal/jobs"})
    assert cluster_database_url(own, store) == "postgresql://q@queue.internal/jobs"
    with pytest.raises(ConfigError, match=r"cluster mode needs the store on PostgreSQL"):
        cluster_database_url(config, "sqlite:///profilewatch.db")
    with pytest.raises(ConfigError, match=r"key 'cluster.database_url': must be a PostgreSQL"):
        cluster_database_url(_config({"enabled": True, "database_url": "sqlite:///q.db"}), store)
    with pytest.raises(ConfigError, match=r"\[cluster\] enabled = true is not set"):
        cluster_database_url(_config({}), store)


@pytest.mark.postgres
def test_batches_of_one_source_share_it_by_domain_and_a_whole_source_run_excludes_them(
        pg_url: str) -> None:
    store = Store.open(pg_url)
    try:
        with batch_locks(store, "s", ["a.example"]) as first:
            assert first
            with batch_locks(store, "s", ["b.example"]) as other_domain, \
                    batch_locks(store, "t", ["a.example"]) as same_domain:
                assert other_domain and not same_domain
            with source_locks(store, ["s"]) as (locked, busy):
                assert (locked, busy) == ([], ["s"])
            assert store.lock_held(run_lock_name("s"))   # `status` sees the source running
        with source_locks(store, ["s"]) as (locked, _), batch_locks(store, "s", ["c"]) as got:
            assert locked == ["s"] and not got
    finally:
        store.close()


@pytest.mark.slow
def test_run_url_checks_only_the_pages_named_and_skips_those_checked_since(
        server: MockServer, cli: Cli) -> None:
    urls = serve_pages([server], per_site=3)
    cli.write_config(FAST_SETTINGS + source_toml("budgets", urls))
    result = cli("run", "--source", "budgets", "--url", urls[1])
    assert result.code == 0, result.stderr
    assert [p for p in server.paths_requested() if p != "/robots.txt"] == ["/page-1"]
    assert "1 page checked" in result.stdout
    # a retried batch: page 1 was checked since the cycle began, page 2 was not
    again = cli("run", "--source", "budgets", "--url", urls[1], "--url", urls[2],
                "--unchecked-since", "2000-01-01T00:00:00Z")
    assert again.code == 0 and "1 page checked" in again.stdout
    assert [p for p in server.paths_requested() if p != "/robots.txt"] == ["/page-1", "/page-2"]
    done = cli("run", "--source", "budgets", "--url", urls[1], "--unchecked-since", "2000-01-01")
    assert done.stdout.strip() == "Nothing to check: the 1 page given was checked already."
    assert server.paths_requested().count("/page-1") == 1
    wrong = cli("run", "--url", urls[1])
    assert wrong.code == 2
    assert wrong.stderr.strip() == ("profilewatch: error: --url and --unchecked-since need "
                                    "exactly one --source and one --url")


@pytest.mark.slow
def test_cluster_commands_refuse_a_sqlite_store_or_a_config_without_cluster(
        server: MockServer, cli: Cli) -> None:
    source = source_toml("budgets", [server.url + "/x"])
    cli.write_config(cluster_toml(source, pages_per_job=5))
    result = cli("worker")
    assert result.code == 2
    assert result.stderr.strip().splitlines() == [
        f"profilewatch: error: {cli.config}: key 'cluster.enabled': cluster mode needs the store "
        f"on PostgreSQL (--db or PROFILEWATCH_DB), not {cli.db}"]
    cli.write_config(FAST_SETTINGS + source)
    result = cli("enqueue")
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.strip() == (f"profilewatch: error: {cli.config}: [cluster] enabled = "
                                     "true is not set: workers and the queue are off")


@pytest.mark.slow
@pytest.mark.postgres
def test_the_queue_schema_is_applied_once_and_a_slow_cycle_is_not_enqueued_twice(
        sites: list[MockServer], cluster_db: str, tmp_path: Path) -> None:
    cli = Cli(tmp_path, cluster_db)
    urls = serve_pages(sites[:2], per_site=3)
    cli.write_config(cluster_toml(source_toml("budgets", urls), pages_per_job=2))
    first = cli("worker", "--apply-schema")
    assert (first.code, first.stdout) == (0, "Created the job queue's tables.\n"), first.stderr
    assert cli("worker", "--apply-schema").stdout == "The job queue's tables exist already.\n"
    result = cli("enqueue")
    assert result.stdout == "budgets: enqueued 4 jobs (6 pages on 2 domains)\n", result.stderr
    # no worker ran them: the next cycle finds its batches still waiting and adds nothing
    result = cli("enqueue", "--source", "budgets")
    assert result.stdout == ("budgets: enqueued 0 jobs (6 pages on 2 domains); 4 batches from an "
                             "earlier cycle still waiting\n")
    engine = create_engine(cluster_db)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT lock, queueing_lock, args->'urls' AS urls, args->>'discover' AS discover "
                "FROM procrastinate_jobs ORDER BY id")).all()
    finally:
        engine.dispose()
    assert [(r.lock, r.queueing_lock, r.urls, r.discover) for r in rows] == [
        ("domain:127.0.0.1", "budgets:127.0.0.1:0", urls[0:2], "true"),
        ("domain:127.0.0.1", "budgets:127.0.0.1:1", urls[2:3], "false"),
        ("domain:127.0.0.2", "budgets:127.0.0.2:0", urls[3:5], "false"),
        ("domain:127.0.0.2", "budgets:127.0.0.2:1", urls[5:6], "false")]
