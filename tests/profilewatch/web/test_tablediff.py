"""Changed tables in the web UI's diff (cells highlighted in the table itself) and in the JSON API
(events carry the changed cells; ``/api/tables`` a version's tables). Issue 16."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from pipeline.tables import Row, Table
from profilewatch.diffs.tables import changed_tables
from profilewatch.web.app import create_app
from storage.store import Store
from tests.support import tablepages as tp
from tests.support.archive import DAY, T0, add_sources, record

URL = "https://education-profiles.org/azerbaijan/~technology"
EDITED = (("Primary", ("5,120", "6,001", "6,950")), *tp.BROADBAND_ROWS[1:])


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = Store.open(f"sqlite:///{Path(tmp_path_factory.mktemp('tablediff')) / 'store.db'}")
    add_sources(store, {URL: ("unesco-peer", "UNESCO")})
    record(store, URL, "unesco-peer", tp.profile_page(), T0)
    record(store, URL, "unesco-peer", tp.profile_page(
        broadband=EDITED, budget=(*tp.BUDGET[1:], ("2023", "1,530.2", "14.6"))), T0 + DAY)
    with TestClient(create_app(store), base_url="http://testserver") as test_client:
        yield test_client
    store.close()


def test_the_diff_page_highlights_changed_cells_in_the_table(client: TestClient) -> None:
    html = client.get("/diff", params={"url": URL}).text
    section = html[html.index('id="tables-h"'):html.index('id="words-h"')]
    assert re.search(r'<td class="changed"><del>6,712</del> <ins>6,950</ins></td>', section)
    assert "(1 changed cell)" in section and "(4 changed cells)" in section
    assert re.search(r'<tr class="added"><th scope="row">2023', section)
    assert re.search(r'<td class="removed"><del>1,210.4</del></td>', section)
    assert "Participation in education" not in section        # no changed cell


def test_events_and_tables_in_the_json_api(client: TestClient) -> None:
    events = client.get("/api/events", params={"url": URL, "kind": "content"}).json()["items"]
    assert events[0]["tables"][0] == {"table": tp.BROADBAND_CAPTION, "row": "Primary",
                                      "column": "2022", "before": "6,712", "after": "6,950"}
    found = client.get("/api/tables", params={"url": URL, "version": "1"}).json()
    assert found["version"] == 1
    assert found["tables"][0]["rows"][0]["cells"]["2022"] == "6,712"
    schema = client.get("/openapi.json").json()
    assert "/api/tables" in schema["paths"]
    assert "tables" in schema["components"]["schemas"]["Event"]["properties"]


def test_changed_tables_view() -> None:
    before = [Table("T", ("2021", "2022"), (Row("A", ("1", "2")), Row("B", ("3", "4"))))]
    after = [Table("T", ("2022", "2023"), (Row("A", ("2", "5")), Row("C", ("6", "7"))))]
    (view,) = changed_tables(before, after)
    assert view.columns == (("2022", "same"), ("2023", "added"), ("2021", "removed"))
    assert [(r.header, r.state, [c.state for c in r.cells]) for r in view.rows] == [
        ("A", "same", ["same", "added", "removed"]),
        ("C", "added", ["added", "added", "blank"]),
        ("B", "removed", ["removed", "blank", "removed"])]
    assert changed_tables(before, before) == []
