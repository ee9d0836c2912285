"""Tables stored with versions (issue 16): the cell changes of content events, the tables of a
version recorded before tables were kept (computed from its capture, then kept), and the report's
lines for changed cells. In-process, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import null, select, update

from pipeline.analyse import analyse_fetch
from pipeline.types import Fetched, Profile
from profilewatch.config import SourceConfig
from profilewatch.reports.build import build_report
from profilewatch.reports.formats import render
from storage.models import VersionRow
from storage.reporting import ReportWindow
from storage.results import CheckInput
from tests.support import tablepages as tp

URL = "https://education-profiles.example.org/azerbaijan/~technology"
SOURCE = SourceConfig(name="profiles", spider="generic", urls=(URL,), organisation="UNESCO")
T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
EDITED = (("Primary", ("5,120", "6,001", "6,950")), *tp.BROADBAND_ROWS[1:])


def record(store: Any, html: str, day: int, ignores: tuple[str, ...] = ()) -> None:
    at = T0 + timedelta(days=day)
    fetched = Fetched(url=URL, source=SOURCE.name, fetched_at=at, status=200, final_url=URL,
                      headers={"content-type": "text/html; charset=utf-8"},
                      body=html.encode("utf-8"))
    store.record(CheckInput(url=URL, source=SOURCE.name, fetched_at=at,
                            analysis=analyse_fetch(fetched, Profile(ignores=ignores)), status=200,
                            final_url=URL, headers=fetched.headers, body=fetched.body,
                            body_size=len(fetched.body), ignores=ignores))


def test_content_events_carry_cell_changes_and_reports_show_them(store: Any) -> None:
    store.sync_sources([SOURCE])
    record(store, tp.profile_page(), 0)
    record(store, tp.profile_page(broadband=EDITED, most_read="2,000"), 1)
    new, content = store.events()
    assert "tables" not in new.as_json()
    assert content.as_json()["tables"] == [
        {"table": tp.BROADBAND_CAPTION, "row": "Primary", "column": "2022", "before": "6,712",
         "after": "6,950"}]
    report = build_report(store, ReportWindow(), scope="test")
    text = render(report, "text")
    assert f"Table: {tp.BROADBAND_CAPTION}" in text
    assert "Primary · 2022: 6,712 → 6,950" in text
    assert "Primary · 2022: 6,712 → 6,950" in render(report, "markdown")
    assert "Primary · 2022: 6,712 → 6,950" in render(report, "html")
    assert report.from_json(report.to_json()) == report


def test_versions_recorded_before_tables_were_kept(store: Any) -> None:
    store.sync_sources([SOURCE])
    ignores = ("css:span.sponsor",)                 # read again with the source's ignores
    sponsored = '5,120 <span class="sponsor">Sponsored by {}</span>'
    record(store, tp.profile_page().replace("5,120", sponsored.format("A")), 0, ignores)
    with store.session() as s, s.begin():          # as a store migrated from 0003 holds it
        s.execute(update(VersionRow).values(tables=null()))
    record(store, tp.profile_page(broadband=EDITED).replace("5,120", sponsored.format("B")), 1,
           ignores)
    content = store.events()[-1]
    assert [(c["row"], c["before"], c["after"]) for c in content.details["tables"]] == [
        ("Primary", "6,712", "6,950")]
    with store.session() as s:                      # computed once, then kept
        kept = s.scalars(select(VersionRow.tables).order_by(VersionRow.number)).all()
    assert kept[0] is not None and kept[0][0]["table"] == tp.BROADBAND_CAPTION
    first = store.version(URL, number=1)
    assert [t.name for t in store.tables(first)] == [
        tp.BROADBAND_CAPTION, "Participation in education", "Education budget"]
