"""The HTML report renders in headless Chromium (Debian's /usr/bin/chromium) without script errors,
shows the change and its marked insertions and deletions; a screenshot goes to test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from profilewatch.reports.build import build_report
from profilewatch.reports.formats import render
from storage.reporting import ReportWindow
from tests.conftest import REPO
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS
from tests.support.scenario import record_history


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Any:
    from storage.store import Store

    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.close()


def test_html_report_in_chromium(sqlite_store: Any, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    runs = record_history(sqlite_store)
    report = build_report(sqlite_store, ReportWindow(run_ids=tuple(runs[1:])), scope="runs 2, 3",
                          base_url="https://archive.example.org")
    page_file = tmp_path / "report.html"
    page_file.write_text(render(report, "html"), encoding="utf-8")
    errors: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 700, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_file.as_uri())
            assert page.title() == ("profilewatch: 1 content change, 2 metadata-only changes; "
                                    "1 page started failing, 1 recovered")
            assert page.locator("h2").all_inner_texts() == [
                "Content changes", "Metadata-only changes (main text unchanged)",
                "Failing and recovered pages"]
            assert page.locator("ins").all_inner_texts() == [
                "This sentence was added in revision 1.", "2023,", "second"]
            assert page.locator("del").all_inner_texts() == ["2022,"]
            ins_colour = page.locator("ins").first.evaluate(
                "e => getComputedStyle(e).backgroundColor")
            assert ins_colour == "rgb(217, 245, 221)"
            assert page.evaluate("document.scripts.length") == 0
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 700                 # fits an e-mail pane: no horizontal scrolling
            artifacts = REPO / "test-artifacts"
            artifacts.mkdir(exist_ok=True)
            page.screenshot(path=str(artifacts / "report-html.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert requests == [page_file.as_uri()]     # self-contained: nothing else is fetched
