"""Every release opens the store the last one wrote: a store holding real data at each earlier
schema revision upgrades to the newest with every history, event, blob and chain unchanged; a
store written by a newer profilewatch is refused and left as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import MetaData, create_engine, select, text

from storage import keyframes
from storage.copy import utc_table
from storage.engine import _alembic_config, make_engine, normalise_url, script_heads, script_revisions
from storage.models import Base
from storage.store import Store
from tests.support.inprocess import Ran
from tests.support.realistic_store import archive_state, build_archive, built_archive

EARLIER = sorted(set(script_revisions()) - script_heads())


def test_the_revisions_are_discovered_from_the_migrations() -> None:
    assert {"0001", "0002_issue5_digest_marks", "0002_issue8b_watched", "0003_merge"} <= set(EARLIER)


@pytest.fixture
def reference(db_url: str) -> tuple[str, dict[str, object]]:
    """A store recorded at the newest revision through the real code, and its state."""
    return db_url, built_archive(db_url)


def _store_at(revision: str, reference_url: str, target_url: str) -> None:
    """An empty store upgraded to ``revision``, holding the reference's rows as that revision's
    schema holds them: its tables only, its columns only (later columns take their defaults)."""
    engine = make_engine(target_url)
    command.upgrade(_alembic_config(engine), revision)
    source = create_engine(normalise_url(reference_url))
    then = MetaData()
    with engine.begin() as writer, source.connect() as reader:
        then.reflect(bind=writer)
        for table in then.sorted_tables:
            if table.name == "alembic_version":
                continue
            target = utc_table(table)
            columns = [Base.metadata.tables[table.name].c[c.name] for c in target.columns]
            rows = [dict(row._mapping) for row in reader.execute(select(*columns))]
            if rows:
                writer.execute(target.insert(), rows)
        if engine.dialect.name == "postgresql":
            from storage.copy import reset_sequences

            reset_sequences(writer, [t for t in then.sorted_tables if t.name != "alembic_version"])
    source.dispose()
    engine.dispose()


@pytest.mark.postgres
def test_a_store_of_every_earlier_revision_upgrades_with_its_archive_intact(
        reference: tuple[str, dict[str, object]], tmp_path: Path,
        new_pg_url: Callable[[], str]) -> None:
    reference_url, state = reference
    for revision in EARLIER:
        old = (f"sqlite:///{tmp_path / f'{revision}.db'}" if reference_url.startswith("sqlite")
               else new_pg_url())
        _store_at(revision, reference_url, old)
        store = Store.open(old)                       # upgrades to the newest revision
        try:
            with store.engine.connect() as connection:
                heads = {r[0] for r in connection.execute(
                    text("SELECT version_num FROM alembic_version"))}
            assert heads == script_heads(), revision
            assert archive_state(store) == state, revision
            report = store.verify()
            assert report.ok, (revision, [m.line() for m in report.mismatches])
            assert report.versions == sum(len(h) for h in state["histories"].values()), revision  # type: ignore[attr-defined]
        finally:
            store.close()


def test_a_store_written_by_a_newer_profilewatch_is_refused_untouched(
        db_url: str, run_cli: Callable[..., Ran], tmp_path: Path) -> None:
    store = Store.open(db_url)
    url = build_archive(store, db_url, pages=1, gone=False)[0]
    store.close()
    keyframes.close()
    engine = create_engine(normalise_url(db_url))
    with engine.begin() as connection:           # what a later release would have done
        connection.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
        connection.execute(text("ALTER TABLE pages ADD COLUMN future_flag INTEGER"))
        before = connection.execute(text("SELECT count(*) FROM versions")).scalar()
    for args in (("history", url, "--json"), ("run",), ("prune", "--captures-before", "2030-01-01"),
                 ("copy", "--to", f"sqlite:///{tmp_path / 'copy.db'}")):
        refused = run_cli(db_url, *args)
        assert refused.code == 1, (args, refused.stdout, refused.stderr)
        assert refused.stderr.count("\n") == 1 and "newer profilewatch" in refused.stderr, args
        assert refused.stdout == ""
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == \
            "0099_future"
        assert connection.execute(text("SELECT count(*) FROM versions")).scalar() == before
        assert connection.execute(text("SELECT count(future_flag) FROM pages")).scalar() == 0
    engine.dispose()
    assert not (tmp_path / "copy.db").exists()
