"""The web UI over HTTP (no browser): content, escaping, security headers, errors."""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote

import lxml.html
import pytest
from lxml import etree
from markupsafe import escape as markup_escape
from starlette.testclient import TestClient

from profilewatch.web.app import create_app
from tests.support.web import XSS_TEXT, XSS_TITLE, WebArchive

SECURITY = ("content-security-policy", "x-content-type-options", "referrer-policy")


def q(url: str) -> str:
    return quote(url, safe="")


def test_page_list_shows_status_and_last_change(client: TestClient, web_archive: WebArchive) -> None:
    html = client.get("/").text
    assert "Azerbaijan | Technology | Education Profiles" in html
    assert '<span class="status status-failing">failing</span>' in html
    assert '<span class="status status-unchecked">unchecked</span>' in html
    assert '<time datetime="2024-06-06T12:30:45Z">2024-06-06 12:30:45 UTC</time>' in html
    only = client.get("/", params={"source": "unicef"}).text
    assert web_archive.query.replace("&", "&amp;") in only and web_archive.peer not in only
    assert "No watched page matches this filter" in client.get("/", params={"q": "zzz"}).text


def test_timeline_version_diff_and_archived_pages(client: TestClient, web_archive: WebArchive) -> None:
    url = web_archive.peer
    timeline = client.get(f"/page?url={q(url)}").text
    assert timeline.count('<li class="kind-') == 4
    assert "metadata only: Last modified Mon, 05/08/2024 - 17:13 → Tue, 07/01/2025 - 11:00" in timeline
    version = client.get(f"/version?url={q(url)}&version=3").text
    assert "Tue, 07/01/2025 - 11:00 (last modified; read as 2025-01-07T10:00:00Z)" in version
    for heading in ("APA 7", "MLA 9", "Chicago 18 (bibliography)", "BibLaTeX", "CSL-JSON"):
        assert f">{heading}</h3>" in version
    assert ("UNESCO. (2025, January 7). Azerbaijan | Technology. Education Profiles. "
            f"{url} [Archived version 3, captured 2024-06-04") in version
    diff = client.get(f"/diff?url={q(url)}&from=1&to=4").text
    assert "<ins> This sentence was added in revision 2.</ins></td></tr>" in diff   # side by side
    assert re.search(r"<ins[^>]*> This sentence was added in revision 2.</ins>", diff)  # words
    assert '<tr class="gap">' in diff and "unchanged lines" in diff
    archived = client.get(f"/archived?url={q(url)}&version=2").text
    stamp = web_archive.peer_times[1].strftime("%Y%m%d%H%M%S")
    # links inside the replayed page stay in the archive, framed ones in the frame
    about = url.split("/peer/")[0] + "/about"
    assert f'href="/web/{stamp}if_/{about}"' in client.get(f"/web/{stamp}if_/{url}").text
    assert f'href="/web/{stamp}/{about}"' in client.get(f"/web/{stamp}/{url}").text
    assert client.get("/version").status_code == 400
    assert f'<iframe class="replay" sandbox="" referrerpolicy="no-referrer" src="/web/{stamp}if_/{url}"' \
        in archived


def test_archived_content_is_escaped_everywhere(client: TestClient, web_archive: WebArchive) -> None:
    url = web_archive.xss
    pages = [client.get(path).text for path in (
        "/", f"/page?url={q(url)}", f"/version?url={q(url)}&version=1",
        f"/diff?url={q(url)}", f"/archived?url={q(url)}&version=2")]
    for html in pages:
        assert_inert(html)
    assert str(markup_escape(XSS_TITLE)) in pages[0]
    assert str(markup_escape(XSS_TEXT)) in pages[2]
    stamp = web_archive.store.version(url, number=1).fetched_at.strftime("%Y%m%d%H%M%S")
    for mode in ("", "if_"):
        replay = client.get(f"/web/{stamp}{mode}/{url}").text
        assert_inert(replay)
        assert "live.example.org" not in replay and "/beacon" not in replay
        assert "Injected: " + escape(XSS_TEXT, quote=False) in replay     # the text itself stays


def assert_inert(html: str) -> None:
    """No script element, event handler, javascript: URL, frame or refresh in ``html``."""
    document = lxml.html.document_fromstring(html)
    assert not list(document.iter("script", "object", "embed", "base"))
    # the only frame is the UI's own replay frame, fully sandboxed
    assert all(frame.get("sandbox") == "" for frame in document.iter("iframe"))
    for element in document.iter(etree.Element):
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            assert "javascript:" not in value.lower(), (element.tag, name, value)
        if element.tag == "meta":
            assert element.get("http-equiv") is None


def test_security_headers_on_every_response(client: TestClient, web_archive: WebArchive) -> None:
    stamp = web_archive.peer_times[0].strftime("%Y%m%d%H%M%S")
    paths = ["/", f"/page?url={q(web_archive.peer)}", "/static/style.css", "/api/pages",
             "/openapi.json", f"/timegate/{web_archive.peer}", f"/web/{stamp}/{web_archive.peer}",
             f"/web/{stamp}id_/{web_archive.peer}", f"/timemap/link/{web_archive.peer}",
             "/nothing-here", "/page?url=https://nowhere.example/"]
    for path in paths:
        response = client.get(path)
        for header in SECURITY:
            assert header in response.headers, (path, header)
        assert response.headers["x-content-type-options"] == "nosniff"
    ui = client.get("/").headers
    assert ui["content-security-policy"].startswith("default-src 'none'; style-src 'self'")
    assert ui["x-frame-options"] == "DENY"
    replay = client.get(f"/web/{stamp}if_/{web_archive.peer}").headers
    assert replay["content-security-policy"].startswith("sandbox; default-src 'none'")
    assert replay["x-frame-options"] == "SAMEORIGIN"
    missing = client.get("/page?url=https://nowhere.example/")
    assert missing.status_code == 404 and "https://nowhere.example/ is not a watched page" in missing.text
    assert client.post("/").status_code == 405


def test_unexpected_errors_show_no_traceback(web_archive: WebArchive,
                                             monkeypatch: pytest.MonkeyPatch,
                                             caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(web_archive.store)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(app.state.archive, "latest", broken)            # the API's page list
    monkeypatch.setattr(app.state.archive.store, "page_list", broken)   # the UI's, one screen
    with TestClient(app, raise_server_exceptions=False) as failing:
        for path, expected in (("/", "Internal error (see the server log).\n"),
                               ("/api/pages", '{"error":"internal error (see the server log)"}')):
            response = failing.get(path)
            assert response.status_code == 500
            assert response.text == expected
            assert response.headers["content-security-policy"]
            assert response.headers["x-content-type-options"] == "nosniff"
    assert "secret internal detail" in caplog.text          # logged on the server, not sent
