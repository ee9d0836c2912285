"""The store's life as a user lives it: crawl with ``profilewatch run`` and copy the store
SQLite → PostgreSQL → SQLite with the real command (processes); compare every history and the
change log, prune and verify in this process (the same CLI, faster)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support.inprocess import Ran
from tests.support.mockserver import MockServer, render_variant

PAGES = {"/unesco": "unesco-profile", "/unicef": "unicef-page"}


@pytest.mark.postgres
def test_crawl_copy_both_ways_prune_and_verify(server: MockServer, tmp_path: Path, pg_url: str,
                                               run_cli: Callable[..., Ran]) -> None:
    cli = Cli(tmp_path, f"sqlite:///{tmp_path / 'live.db'}")
    urls = [server.page(path, render_variant(sample, "base")) for path, sample in PAGES.items()]
    cli.write_config(FAST_SETTINGS + "obey_robots = false\n"
                     + source_toml("edu", urls, spider="generic"))
    for edit in ("base", "edit:1", "edit:1+meta:7"):
        for path, sample in PAGES.items():
            server.page(path, render_variant(sample, edit))
        assert cli("run").code == 0
    pruned_before = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def view(db: str) -> dict[str, object]:
        seen: dict[str, object] = {url: run_cli(db, "history", url, "--json").json()
                                   for url in urls}
        seen["changes"] = run_cli(db, "changes", "--json").json()
        return seen

    original = view(cli.db)
    assert [len(original[url]) for url in urls] == [3, 3]        # type: ignore[arg-type]
    back = f"sqlite:///{tmp_path / 'back.db'}"
    for origin, target in ((cli.db, pg_url), (pg_url, back)):
        copied = Cli(tmp_path, origin)("copy", "--to", target)
        assert copied.code == 0, copied.stderr
        assert view(target) == original
        assert run_cli(target, "verify").code == 0
    refused = run_cli(cli.db, "copy", "--to", back)
    assert refused.code == 2 and "not empty" in refused.stderr

    def restored(*args: str) -> Ran:
        return run_cli(back, *args)

    dry = restored("prune", "--captures-before", pruned_before, "--dry-run", "--json").json()
    done = restored("prune", "--captures-before", pruned_before, "--json").json()
    assert done == {**dry, "dry_run": False} and done["versions"] + done["keyframes"] == 4
    assert done["versions"] >= 2          # v2 of each page; v1 stays when it is v3's keyframe
    verified = restored("verify")
    assert verified.code == 0 and "pruned captures" in verified.stderr
    for url in urls:
        history = restored("history", url, "--json").json()
        assert [{k: v for k, v in h.items() if k != "capture_pruned_at"} for h in history] == \
            [{k: v for k, v in h.items() if k != "capture_pruned_at"} for h in original[url]]  # type: ignore[union-attr]
        assert history[-1]["capture_pruned_at"] is None
        assert restored("show", url, "--format", "html").code == 0
        assert restored("show", url, "--version", "1").code == 0       # the text stays
