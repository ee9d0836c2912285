"""``[retention] captures_max_age``: the daemon prunes old captures after a run, at most once a
day; the key is validated like every other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from profilewatch.config import Config, RetentionSettings, SourceConfig, load_config, parse_schedule
from profilewatch.errors import ConfigError
from scheduler.daemon import Daemon
from scheduler.protocol import ChildExit
from storage import keyframes
from storage.store import Store
from tests.support.realistic_store import PAGES, T0, build_archive


def test_the_daemon_prunes_old_captures_after_a_run_once_a_day(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        urls = build_archive(store, db_url, gone=False)
        keyframes.close()
        sources = tuple(SourceConfig(name=source, urls=(url,), schedule=parse_schedule("1h"))
                        for (_, url, source) in PAGES)
        sources += (SourceConfig(name="fresh", urls=("https://example.org/",),
                                 schedule=parse_schedule("1h")),)
        now = T0 + timedelta(days=400)
        # captures superseded more than 395 days before `now`: v1-v3 (v4 was live on day 6)
        config = Config(path=None, sources=sources,
                        retention=RetentionSettings(captures_max_age=394 * 86400))
        calls: list[str] = []

        def runner(name: str) -> ChildExit:
            calls.append(name)
            return ChildExit(name, 0, 0.01, "profilewatch run: 1 page checked")

        daemon = Daemon(config, store, runner, jitter_cap=0, timezone=UTC)
        assert daemon.retain(now) is True
        pruned = [v.version for v in store.history(urls[0]) if v.capture_pruned_at]
        assert pruned and max(pruned) <= 3
        assert store.verify().ok
        assert daemon.retain(now + timedelta(hours=2)) is False       # not twice a day
        daemon._fire("fresh")                                          # a run, then retention
        assert calls == ["fresh"]
        assert daemon._last_prune is not None and daemon._last_prune > now
    finally:
        store.close()


def test_without_retention_the_daemon_keeps_every_capture(store: Store) -> None:
    daemon = Daemon(Config(path=None), store, lambda name: None, jitter_cap=0, timezone=UTC)
    assert daemon.retain(datetime.now(UTC)) is False


@pytest.mark.parametrize(("value", "seconds"), [('"365d"', 365 * 86400), ('"12h"', 43200)])
def test_captures_max_age_reads_intervals(tmp_path: Path, value: str, seconds: int) -> None:
    path = tmp_path / "profilewatch.toml"
    path.write_text(f'[retention]\ncaptures_max_age = {value}\n\n[[source]]\nname = "a"\n'
                    'urls = ["https://example.org/"]\n', encoding="utf-8")
    assert load_config(path).retention.captures_max_age == seconds


@pytest.mark.parametrize("body", ['captures_max_age = "a year"', "captures_max_age = 0",
                                  'captures_max_age = "0d"', 'keep = "1d"'])
def test_bad_retention_is_one_config_error_naming_the_key(tmp_path: Path, body: str) -> None:
    path = tmp_path / "profilewatch.toml"
    path.write_text(f'[retention]\n{body}\n\n[[source]]\nname = "a"\n'
                    'urls = ["https://example.org/"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value) and "retention." in str(error.value)
