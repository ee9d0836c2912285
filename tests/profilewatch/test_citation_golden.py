"""Golden citations: pages with every kind of embedded metadata (the four seed pages and
:mod:`tests.support.citation_pages`) analysed by the real pipeline, recorded in a store, and cited.

CSL-JSON is compared exactly with ``golden/<name>.json`` and APA with ``golden/<name>.apa.txt``
(``{sha256}`` there stands for the version's content SHA-256, which the extraction decides).
``PROFILEWATCH_UPDATE_GOLDEN=1`` rewrites the files from the current output, to be reviewed by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from profilewatch import samples
from profilewatch.citation import cite
from storage.results import VersionInfo
from storage.store import Store
from tests.support.archive import SEEDS, T0, add_sources, record
from tests.support.citation_pages import PAGES

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PROFILEWATCH_UPDATE_GOLDEN") == "1"
CASES = [*SEEDS, *PAGES]


@pytest.fixture(scope="module")
def cited() -> Iterator[dict[str, VersionInfo]]:
    store = Store.open("sqlite:///:memory:")
    pages = {s.url: (s.source, s.organisation) for s in SEEDS.values()}
    pages.update({p.url: (f"golden-{i}", p.organisation) for i, p in enumerate(PAGES.values())})
    add_sources(store, pages)
    for seed in SEEDS.values():
        record(store, seed.url, seed.source, samples.load_sample(seed.sample), T0,
               organisation=seed.organisation)
    for name, cited_page in PAGES.items():
        outcome = record(store, cited_page.url, pages[cited_page.url][0], cited_page.html, T0,
                         organisation=cited_page.organisation)
        assert outcome.version == 1, (name, outcome)
    urls = {**{k: s.url for k, s in SEEDS.items()}, **{k: p.url for k, p in PAGES.items()}}
    yield {name: store.version(url) for name, url in urls.items()}
    store.close()


def _golden(path: Path, actual: str, version: VersionInfo) -> str:
    if UPDATE:
        path.write_text(actual.replace(version.content_sha256, "{sha256}") + "\n", encoding="utf-8")
    return path.read_text(encoding="utf-8").rstrip("\n").replace("{sha256}", version.content_sha256)


@pytest.mark.parametrize("name", CASES)
def test_csl_json(cited: dict[str, VersionInfo], name: str) -> None:
    version = cited[name]
    actual = cite(version, "csl-json")
    assert json.loads(actual) == json.loads(_golden(GOLDEN / f"{name}.json", actual, version))


@pytest.mark.parametrize("name", CASES)
def test_apa(cited: dict[str, VersionInfo], name: str) -> None:
    version = cited[name]
    actual = cite(version, "apa")
    assert actual == _golden(GOLDEN / f"{name}.apa.txt", actual, version)


def test_at_least_fifteen_pages_of_varied_metadata() -> None:
    assert len(CASES) >= 15
    assert sorted(p.name for p in GOLDEN.glob("*.json")) == sorted(f"{n}.json" for n in CASES)
