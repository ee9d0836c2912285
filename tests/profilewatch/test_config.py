"""Config loading: every accepted spelling normalised, every mistake one line naming file/source/key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profilewatch.config import builtin_config, config_from_mapping, load_config
from profilewatch.errors import ConfigError
from tests.conftest import Cli

GOOD = """
[settings]
obey_robots = false
concurrency = 4
user_agent = "profilewatch/1.0 (+https://example.org/contact)"

[[source]]
name = "unesco-profiles"
spider = "unesco"
urls = ["https://education-profiles.org/northern-africa-and-western-asia/azerbaijan/~technology"]
schedule = "0 6 * * *"
ignore = ["css:.view-count", "xpath://div[@id='share']", "regex:Visitors: \\\\d+"]

[[source]]
name = "ngo"
urls = "http://caucasuschildren.net/news-events"
schedule = "6h"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profilewatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_config_is_normalised(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.settings.obey_robots is False and config.settings.concurrency == 4
    unesco, ngo = config.sources
    assert unesco.schedule.cron == "0 6 * * *" and unesco.schedule.nominal_seconds == 86400
    assert unesco.ignore == ("css:.view-count", "xpath://div[@id='share']", r"regex:Visitors: \d+")
    assert ngo.urls == ("http://caucasuschildren.net/news-events",)      # one string → a list
    assert ngo.spider == "generic" and ngo.schedule.seconds == 6 * 3600
    assert ngo.max_pages == 500


@pytest.mark.parametrize(("text", "message"), [
    ("[[source]]\nname = 'a'\nurls = ['https://x.org/']\ncolour = 'red'\n",
     "source 'a': key 'colour': unknown key"),
    ("[[source]]\nname = 'a'\nurls = ['https://x.org/']\n[[source]]\nname = 'a'\nurls = ['https://y.org/']\n",
     "source 'a': key 'name': duplicate source name"),
    ("[[source]]\nname = 'Bad Name'\nurls = ['https://x.org/']\n", "key 'name': 'bad name' must match"),
    ("[[source]]\nname = 'a'\nurls = ['ftp://x.org/']\n", "key 'urls': 'ftp://x.org/' is not an http(s) URL"),
    ("[[source]]\nname = 'a'\nurls = ['https://x.org/']\nschedule = 'often'\n",
     "key 'schedule': 'often' is neither an interval"),
    ("[[source]]\nname = 'a'\nurls = ['https://x.org/']\nschedule = '99 * * * *'\n",
     "key 'schedule': bad cron expression"),
    ("[[source]]\nname = 'a'\nurls = ['https://x.org/']\nignore = ['css:[[[']\n",
     "key 'ignore': bad CSS selector"),
    ("[[source]]\nname = 'a'\nurls = ['https://x.org/']\nignore = ['jq:.a']\n",
     "key 'ignore': unknown ignore kind 'jq'"),
    ("[[source]]\nname = 'a'\nurls = ['https://x.org/']\nspider = 'bing'\n",
     "key 'spider': must be one of generic, unesco, unicef, undp"),
    ("[settings]\nconcurrency = 0\n[[source]]\nname = 'a'\nurls = ['https://x.org/']\n",
     "key 'settings.concurrency'"),
    ("[settings]\nconcurrency = 0\n", "must be between 1 and 512"),
    ("[[source]]\nname = 'a'\n", "key 'urls': is required"),
    ("[sauce]\nx = 1\n", "key 'sauce': unknown section"),
    ("[[source]\nname = 'a'\n", "invalid TOML"),
    ("[reports]\nnotify = ['mailtos://u:${NOPE_SECRET}@smtp.example.org']\n[[source]]\nname='a'\n"
     "urls=['https://x.org/']\n", "environment variable NOPE_SECRET is not set"),
])
def test_mistakes_are_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    error = str(raised.value)
    assert message in error
    assert error.startswith(str(path)) and "\n" not in error


def test_secrets_are_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, "[reports]\nnotify = [42]\n[[source]]\nname='a'\nurls=['https://x.org/']\n")
    with pytest.raises(ConfigError, match="value not shown"):
        load_config(path)


def test_the_builtin_watchlist_covers_the_seed_pages() -> None:
    urls = {u for s in builtin_config().sources for u in s.urls}
    assert "https://www.unicef.org/azerbaijan/inclusive-education" in urls
    assert "https://education-profiles.org/central-and-southern-asia/kazakhstan/~inclusion" in urls
    assert any(u.startswith("https://azerbaijan.un.org/en/127239-") for u in urls)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["settings", "source", "reports", "serve", "cluster", "x"]),
                       st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                                    lambda inner: st.lists(inner, max_size=3)
                                    | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                                    max_leaves=12)))
def test_arbitrary_documents_give_a_config_or_a_config_error(data: dict[str, object]) -> None:
    try:
        config_from_mapping({k: v for k, v in data.items() if v is not None}, "fuzz.toml")
    except ConfigError as exc:
        assert "\n" not in str(exc)


def test_cli_exits_2_with_one_line(cli: Cli) -> None:
    cli.write_config("[[source]]\nname = 'a'\nurls = ['https://x.org/']\nbogus = 1\n")
    result = cli("run")
    assert result.code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "key 'bogus': unknown key" in result.stderr and "Traceback" not in result.stderr
