"""Headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) for the browser tests:
the ``browser`` and ``context`` fixtures (registered for the suite by ``tests/conftest.py``), what
a page did that it must not (:class:`Watch`), and screenshots under ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, sync_playwright

from tests.support.processes import REPO

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ARTIFACTS / "web"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What a page did that it must not: dialogs, fetched /beacon URLs, requests off this host."""

    dialogs: list[str] = field(default_factory=list)
    beacons: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)


@pytest.fixture
def context(browser: Browser) -> Iterator[tuple[BrowserContext, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watch = Watch()

    def guard(route: Route) -> None:
        if urlsplit(route.request.url).hostname != "127.0.0.1":
            watch.external.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", guard)
    # a request the CSP blocks never leaves the browser (Playwright still reports it, as failed
    # with "csp"): only responses count
    context.on("response", lambda r: watch.beacons.append(r.url) if "/beacon" in r.url else None)
    context.on("page", lambda p: p.on("dialog", lambda d: (watch.dialogs.append(d.message),
                                                            d.dismiss())))
    yield context, watch
    context.close()


def shot(page: Page, name: str) -> None:
    path: Path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    assert path.stat().st_size > 10_000


