"""A command loads what it uses: the read commands start without the crawler, the scheduler's
runner or the extraction stack (Scrapy, Twisted, trafilatura, APScheduler), which take most of a
second to import."""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path

import pytest

from profilewatch.cli import COMMAND_MODULES, cli
from profilewatch.config import SourceConfig
from storage.store import Store
from tests.support.processes import pw_command, pw_env

URL = "https://a.example/page"
HEAVY = ("scrapy", "twisted", "trafilatura", "apscheduler", "crawler", "scheduler.daemon")


def test_every_command_is_listed_under_the_module_that_defines_it() -> None:
    for module, names in COMMAND_MODULES.items():
        assert tuple(c.name for c in importlib.import_module(module).COMMANDS) == names, module
    assert cli.list_commands(None) == sorted(n for names in COMMAND_MODULES.values()  # type: ignore[arg-type]
                                             for n in names)


def imported(db: str, config: Path, *args: str) -> set[str]:
    command = pw_command(db, config, *args)
    done = subprocess.run([command[0], "-X", "importtime", *command[1:]], env=pw_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


@pytest.mark.parametrize("args", [("changes", "--json"), ("history", URL, "--json"),
                                  ("status", "--json"), ("sources", "--json")])
def test_a_read_command_loads_neither_the_crawler_nor_the_extraction_stack(
        tmp_path: Path, args: tuple[str, ...]) -> None:
    db = f"sqlite:///{tmp_path / 'store.db'}"
    config = tmp_path / "profilewatch.toml"
    config.write_text(f'[[source]]\nname = "s"\nurls = ["{URL}"]\n', encoding="utf-8")
    store = Store.open(db)
    store.sync_sources([SourceConfig(name="s", urls=(URL,))])
    store.close()
    modules = imported(db, config, *args)
    assert "sqlalchemy" in modules                      # it did read the store
    loaded = sorted(m for m in modules if m.split(".")[0] in {h.split(".")[0] for h in HEAVY}
                    and any(m == h or m.startswith(h + ".") for h in HEAVY))
    assert loaded == []
