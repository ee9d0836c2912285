"""Replay with requisites in headless Chromium (issue 14), the origin server stopped.

Two versions of a page whose stylesheet (same URL) changed between them (the heading's colour),
sharing an @imported stylesheet with a web font, a background image, a logo, srcset images and an
icon. Each version, opened in the web UI's sandboxed frame and as a Memento, shows its own version's styles,
its images load and its font renders — and the browser asks nothing of any host but the archive."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import Browser, Frame, Page

from profilewatch.web.app import create_app
from storage.results import VersionInfo
from storage.store import Store
from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support.mockserver import MockServer
from tests.support.requisite_site import COLOURS, serve_site
from tests.support.web import LiveApp


@dataclass
class Replay:
    live: LiveApp
    origin: str
    url: str
    versions: list[VersionInfo]
    cli: Cli


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    workdir: Path = tmp_path_factory.mktemp("replay")
    origin = MockServer(host="127.0.0.2").start()     # another host than the archive's
    try:
        url = serve_site(origin, 1, "The first text of the profile.")
        cli = Cli(workdir, f"sqlite:///{workdir / 'store.db'}")
        cli.write_config(FAST_SETTINGS + "obey_robots = false\n" + source_toml("site", [url]))
        assert cli("run").code == 0
        serve_site(origin, 2, "The second text of the profile, edited.")
        assert cli("run").code == 0
    finally:
        origin.stop()                                 # replay must not need it
    store = Store.open(cli.db)
    versions = store.history(url)
    assert [v.version for v in versions] == [1, 2]
    with LiveApp(create_app(store)) as live:
        yield Replay(live, f"http://127.0.0.2:{origin.port}", url, versions, cli)
    store.close()


def _look(frame: Frame) -> dict[str, object]:
    return frame.evaluate("""async () => {
        const faces = await document.fonts.load('16px "Archived Sans"');
        await document.fonts.ready;
        const images = [...document.images];
        return {
          colour: getComputedStyle(document.querySelector('h1')).color,
          background: getComputedStyle(document.body).backgroundImage,
          font: faces.map(f => f.status),
          images: images.map(i => [i.id, i.complete, i.naturalWidth]),
        };
    }""")


def _wait_images(frame: Frame) -> None:
    deadline = time.monotonic() + 10
    while not frame.evaluate("() => [...document.images].every(i => i.complete)"):
        assert time.monotonic() < deadline, "images did not finish loading"
        time.sleep(0.05)


@pytest.mark.parametrize("number", [1, 2])
def test_each_version_shows_its_own_styles_images_and_font_without_leaving_the_archive(
        browser: Browser, replay: Replay, number: int) -> None:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    try:
        page: Page = context.new_page()
        page.goto(f"{replay.live.url}/archived?url={quote(replay.url, safe='')}&version={number}")
        page.wait_for_selector("iframe.replay")
        frame = next(f for f in page.frames if "/web/" in f.url)
        frame.wait_for_load_state("load")
        _wait_images(frame)
        look = _look(frame)
        assert look["colour"] == COLOURS[number]
        assert look["font"] == ["loaded"], "the archived web font did not render"
        assert "/requisite/" in str(look["background"])
        images = look["images"]
        assert isinstance(images, list) and len(images) >= 2
        assert all(loaded and width > 0 for _, loaded, width in images), images
        # the memento itself, opened on its own, looks the same
        stamp = replay.versions[number - 1].fetched_at.strftime("%Y%m%d%H%M%S")
        memento = context.new_page()
        memento.goto(f"{replay.live.url}/web/{stamp}/{replay.url}")
        _wait_images(memento.main_frame)
        assert _look(memento.main_frame)["colour"] == COLOURS[number]
    finally:
        context.close()
    archive = urlsplit(replay.live.url).netloc
    elsewhere = [u for u in requested if urlsplit(u).scheme in ("http", "https", "ws", "wss")
                 and urlsplit(u).netloc != archive]
    assert not elsewhere, f"requests left the archive: {elsewhere}"
    assert any("/requisite/" in u for u in requested)


def test_show_html_is_one_self_contained_file(browser: Browser, replay: Replay,
                                              tmp_path: Path) -> None:
    """``show --format html`` writes the version as it looked, its requisites inlined: opened from
    disk, it shows version 1's styles, images and font and asks no host for anything."""
    done = replay.cli("show", replay.url, "--version", "1", "--format", "html")
    assert done.code == 0, done.stderr
    assert "<script" not in done.stdout and "data:text/css" in done.stdout
    path = tmp_path / "v1.html"
    path.write_text(done.stdout, encoding="utf-8")
    context = browser.new_context()
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        _wait_images(page.main_frame)
        look = _look(page.main_frame)
    finally:
        context.close()
    assert look["colour"] == COLOURS[1] and look["font"] == ["loaded"]
    images = look["images"]
    assert isinstance(images, list) and all(width > 0 for _, _, width in images), images
    assert all(urlsplit(u).scheme in ("file", "data") for u in requested), requested
    listing = replay.cli("show", replay.url, "--version", "2", "--format", "json").json()["requisites"]
    by_path = {r["url"].split("/", 3)[3]: r for r in listing}
    assert by_path["css/site.css"]["http_status"] == 200
    assert by_path["img/logo.png"]["http_status"] == 304 and by_path["img/logo.png"]["sha256"]
    raw = replay.cli("show", replay.url, "--version", "1", "--format", "raw")
    assert raw.stdout.startswith("<!DOCTYPE html>") and '<script src="/js/app.js">' in raw.stdout
