"""The web UI in headless Chromium (Debian's, driven by Playwright): the key path clicked and
tabbed through, with screenshots in test-artifacts/web/, and archived HTML full of scripts and
event handlers shown everywhere without running any of them or loading anything live."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import BrowserContext, expect

from tests.support.browser import Watch, shot
from tests.support.web import LiveApp, WebArchive


def test_key_path_page_list_timeline_diff_citation(context: tuple[BrowserContext, Watch],
                                                   live: LiveApp, web_archive: WebArchive) -> None:
    ctx, watch = context
    page = ctx.new_page()
    page.goto(f"{live.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Watched pages")
    shot(page, "01-page-list")

    # keyboard: the skip link comes first, then Tab reaches the page's link and Enter follows it
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    title = "Azerbaijan | Technology | Education Profiles"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent") == title:
            break
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live.url}/page?url={quote(web_archive.peer, safe='')}")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("ol.timeline > li")).to_have_count(4)
    shot(page, "02-timeline")

    page.get_by_label("From").select_option("1")
    page.get_by_label("To").select_option("4")
    page.get_by_role("button", name="Show differences").click()
    page.wait_for_url("**/diff?*")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Changes to {title}")
    expect(page.locator("table.sbs ins")).to_have_text(" This sentence was added in revision 2.")
    expect(page.locator(".words ins")).to_be_visible()
    shot(page, "03-diff")

    page.get_by_role("link", name="version 4", exact=True).click()
    page.wait_for_url("**/version?*")
    citation = page.get_by_role("region", name="Cite this version")
    expect(citation.locator("pre").first).to_contain_text(
        "UNESCO. (2025, January 7). Azerbaijan | Technology. Education Profiles. http://")
    expect(citation.locator("pre")).to_have_count(5)
    citation.scroll_into_view_if_needed()
    shot(page, "04-version-citation")

    page.get_by_role("link", name="Archived page", exact=True).click()
    page.wait_for_url("**/archived?*")
    frame = page.frame_locator("iframe.replay")
    expect(frame.get_by_text("This sentence was added in revision 2.")).to_be_visible()
    shot(page, "05-archived-page")
    assert watch == Watch(), "the UI ran into a dialog, a beacon or a live resource"


def test_archived_scripts_never_run(context: tuple[BrowserContext, Watch], live: LiveApp,
                                    web_archive: WebArchive) -> None:
    ctx, watch = context
    page = ctx.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    url = web_archive.xss
    stamp = web_archive.store.version(url, number=2).fetched_at.strftime("%Y%m%d%H%M%S")
    paths = {"timeline": f"/page?url={quote(url, safe='')}",
             "version": f"/version?url={quote(url, safe='')}&version=1",
             "diff": f"/diff?url={quote(url, safe='')}",
             "archived": f"/archived?url={quote(url, safe='')}&version=2",
             "memento": f"/web/{stamp}/{url}",
             "raw": f"/web/{stamp}id_/{url}"}     # the archived bytes, scripts and all
    for name, path in paths.items():
        page.goto(live.url + path, wait_until="load")
        if name in ("timeline", "version", "diff", "archived"):
            assert page.evaluate("() => window.pwned") is None, name
        if name == "archived":
            frame = page.frame_locator("iframe.replay")
            expect(frame.get_by_text("a javascript link")).to_be_visible()
            expect(frame.get_by_text("Injected: <script>")).to_be_visible()
        shot(page, f"xss-{name}")
    expect(page.get_by_text("a javascript link")).to_be_visible()    # the raw page did render
    assert watch.dialogs == [] and watch.beacons == [] and watch.external == []
    assert any("sandbox" in line or "Content Security Policy" in line for line in console)
