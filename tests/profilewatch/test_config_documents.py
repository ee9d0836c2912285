"""The linked-documents keys (issue 15): ``documents`` per source (on for the site spiders, off for
generic), ``document_max_bytes`` in [settings] or per source."""

from __future__ import annotations

import pytest

from profilewatch.config import builtin_config, config_from_mapping
from profilewatch.errors import ConfigError


def source(**extra: object) -> dict[str, object]:
    return {"name": "s", "urls": ["https://www.unicef.org/azerbaijan/x"], **extra}


def test_defaults_follow_the_spider() -> None:
    config = config_from_mapping({"source": [source(spider="unicef"), {**source(), "name": "g"}]}, None)
    site, generic = config.sources
    assert site.watch_documents is True and generic.watch_documents is False
    assert config.settings.document_max_bytes == 50 * 1024 * 1024


def test_explicit_values_win() -> None:
    config = config_from_mapping({"settings": {"document_max_bytes": 2_000_000},
                                  "source": [source(spider="undp", documents=False),
                                             {**source(documents=True, document_max_bytes=5000),
                                              "name": "g"}]}, None)
    undp, generic = config.sources
    assert undp.watch_documents is False and generic.watch_documents is True
    assert config.settings.document_max_bytes == 2_000_000 and generic.document_max_bytes == 5000


@pytest.mark.parametrize("bad", [{"documents": "yes"}, {"document_max_bytes": 10}])
def test_bad_values_name_the_key(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError, match=next(iter(bad))):
        config_from_mapping({"source": [source(**bad)]}, "pw.toml")


def test_the_builtin_watchlist_watches_documents_of_the_un_sources() -> None:
    watching = {s.spider: s.watch_documents for s in builtin_config().sources}
    assert watching == {"unesco": True, "unicef": True, "undp": True, "generic": False}
