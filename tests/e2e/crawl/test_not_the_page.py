"""End to end: the contract's "Not the page" rule, through ``profilewatch run`` and the query
commands, against the mock server.

One store, three cycles shared by every assertion (each page has its own path):

- cycle 1: every watched page serves its article (``new``), except the ``/fresh/…`` pages, which
  have no version yet and already land somewhere else;
- cycle 2: each page lands on one kind of page that is not it — by 301/302/303/307/308, by
  ``<meta http-equiv="refresh">`` or served directly — or, for the moved-page controls, on the same
  document under a new address;
- cycle 3: the failing pages serve their article again (recovered, no event); the moved controls
  serve an edited text at their new address (``content``, the new final URL recorded).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from storage.store import Store
from tests.conftest import FAST_SETTINGS, Cli, source_toml
from tests.support import interstitials as pages
from tests.support.mockserver import MockServer

pytestmark = pytest.mark.slow

EDIT = "The ministry added a new module on inclusive assessment."


def _redirect(server: MockServer, path: str, to: str, code: int = 301) -> None:
    server.page(path, b"", status=code, headers={"Location": to}, conditional=False)


def _article(server: MockServer, path: str, edit: str | None = None) -> None:
    title = path.rsplit("/", 1)[-1].replace("-", " ").capitalize()
    server.page(path, pages.article_html(title, path, edit=edit))


# path: (what cycle 2 serves (a function of the server and the path), the expected failure reason
# (None for the moved controls), the address the page lands on in cycle 2)
Serve = Callable[[MockServer, str], None]
AWAY: dict[str, tuple[Serve, str]] = {
    "/news/login-redirect": (lambda s, p: (_redirect(s, p, "/account/login", 302),
                                           s.page("/account/login", pages.login_html())), "login page"),
    "/news/login-direct": (lambda s, p: s.page(p, pages.login_html()), "login page"),
    "/news/home-redirect": (lambda s, p: (_redirect(s, p, "/", 301), s.page("/", pages.home_html())),
                            "home page"),
    "/sect/a/retired-programme": (lambda s, p: (_redirect(s, p, "/sect/a", 308),
                                                s.page("/sect/a", pages.listing_html())), "home page"),
    "/news/consent-wall": (lambda s, p: (_redirect(s, p, "/consent?continue=1", 303),
                                         s.page("/consent", pages.consent_html())), "consent page"),
    "/news/language-chooser": (lambda s, p: (_redirect(s, p, "/choose", 307),
                                             s.page("/choose", pages.chooser_html())),
                               "language chooser"),
    "/news/to-search": (lambda s, p: (_redirect(s, p, "/search?q=teacher+week", 302),
                                      s.page("/search", pages.search_html("teacher week"))),
                        "search page"),
    "/news/to-listing": (lambda s, p: (_redirect(s, p, "/news-archive", 301),
                                       s.page("/news-archive", pages.listing_html())), "listing page"),
    "/news/meta-away": (lambda s, p: (s.page(p, pages.meta_refresh_html("/news/budget-cuts-announced")),
                                      _article(s, "/news/budget-cuts-announced")),
                        "redirected away to {url}/news/budget-cuts-announced"),
    "/news/other-story": (lambda s, p: (_redirect(s, p, "/news/flood-relief-appeal", 301),
                                        _article(s, "/news/flood-relief-appeal")),
                          "redirected away to {url}/news/flood-relief-appeal"),
    "/news/meta-login": (lambda s, p: (s.page(p, pages.meta_refresh_html("/account/login")),
                                       s.page("/account/login", pages.login_html())), "login page"),
}
# moved controls: cycle 2 lands on the same document at ``target``; cycle 3 edits it there
MOVED: dict[str, str] = {
    "/news/moved-slug": "/news/moved-slug-renamed-2024",
    "/news/moved-path": "/archive/2024/programmes/moved-path-document",
    "/news/moved-slash": "/news/moved-slash/",
    "/news/moved-meta": "/news/moved-meta-here",
}
# pages with no version yet, failing from cycle 1 (reason per cycle 1, 2), then a moved article
FRESH: dict[str, tuple[str, str]] = {
    "/fresh/annual-report-launch": ("login page", "home page"),
    "/fresh/teacher-training": ("redirected away to {url}/fresh/budget-news",
                                "redirected away to {url}/fresh/budget-news"),
}


def serve(server: MockServer, cycle: int) -> None:
    for path, (away, _) in AWAY.items():
        if cycle == 2:
            away(server, path)
        else:
            _article(server, path)
    for path, target in MOVED.items():
        if cycle == 1:
            _article(server, path)
            continue
        if path.endswith("meta"):
            server.page(path, pages.meta_refresh_html(target))
        else:
            _redirect(server, path, target, 301)
        title = path.rsplit("/", 1)[-1].replace("-", " ").capitalize()
        server.page(target, pages.article_html(title, path, edit=EDIT if cycle == 3 else None))
    server.page("/account/login", pages.login_html())
    server.page("/", pages.home_html())
    _article(server, "/fresh/budget-news")
    fresh_login, fresh_other = list(FRESH)
    if cycle == 1:
        _redirect(server, fresh_login, "/account/login", 302)
    elif cycle == 2:
        _redirect(server, fresh_login, "/", 302)
    else:
        _redirect(server, fresh_login, "/fresh/annual-report-launch-2024", 301)
        server.page("/fresh/annual-report-launch-2024",
                    pages.article_html("Annual report launch 2024", "annual"))
    if cycle < 3:
        _redirect(server, fresh_other, "/fresh/budget-news", 301)
    else:
        _article(server, fresh_other)


@pytest.fixture(scope="module")
def story(mockserver_session: MockServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Runs the three cycles once; returns what the query commands said after each."""
    server = mockserver_session
    server.reset()
    workdir = tmp_path_factory.mktemp("not-the-page")
    cli = Cli(workdir, f"sqlite:///{workdir / 'store.db'}")
    urls = [server.url + p for p in (*AWAY, *MOVED, *FRESH)]
    cli.write_config(FAST_SETTINGS + source_toml("site", urls))
    out: dict[str, Any] = {"url": server.url, "cli": cli, "status": [], "times": [], "summary": [],
                           "problems": []}
    for cycle in (1, 2, 3):
        serve(server, cycle)
        started = datetime.now(UTC).isoformat()
        run = cli("run")
        assert run.code == 0, run.stderr
        out["summary"].append(run.stdout)
        out["times"].append(datetime.now(UTC).isoformat())
        out["status"].append(cli("status", "--json").json())
        if cycle > 1:     # the report of this run's period: who started failing, who recovered
            report = cli("report", "--since", started, "--format", "json").json()
            out["problems"].append(report["problems"])
    out["changes"] = cli("changes", "--json").json()
    server.reset()
    return out


def _failing(status: list[dict[str, Any]], base: str) -> dict[str, str]:
    return {p["url"].removeprefix(base): p["last_error"] for s in status for p in s["failing"]}


def _history(story: dict[str, Any], path: str, *, cli: bool = False) -> list[tuple[int, str | None]]:
    """``(version, final_url)`` of a page's history: through ``history --json`` for one page of
    each group (the contract's view), in-process for the rest (one CLI process costs ~1 s)."""
    url = story["url"] + path
    if cli:
        runner: Cli = story["cli"]
        return [(v["version"], v["final_url"]) for v in runner("history", url, "--json").json()]
    store = Store.open(story["cli"].db)
    try:
        return [(v.version, v.final_url) for v in store.history(url)]
    finally:
        store.close()


def _kinds(story: dict[str, Any], path: str) -> list[str]:
    return [e["kind"] for e in story["changes"] if e["url"] == story["url"] + path]


def test_pages_that_are_not_the_page_are_failed_checks_with_their_reason(story: dict[str, Any]) -> None:
    base = story["url"]
    failing = _failing(story["status"][1], base)
    for path, (_, reason) in AWAY.items():
        assert failing.get(path) == reason.format(url=base), path
        assert reason.format(url=base) in story["summary"][1]     # the run summary says why
    assert not set(MOVED) & set(failing)


def test_the_streak_is_reported_when_it_starts_and_when_it_recovers(story: dict[str, Any]) -> None:
    base = story["url"]
    started, recovered = ({p["url"].removeprefix(base): p for p in problems}
                          for problems in story["problems"])
    for path, (_, reason) in AWAY.items():
        assert (started[path]["state"], started[path]["reason"]) == ("failing", reason.format(url=base))
        assert recovered[path]["state"] == "recovered", path
    assert not set(MOVED) & (set(started) | set(recovered))


def test_no_version_and_no_event_come_from_them(story: dict[str, Any]) -> None:
    for n, path in enumerate(AWAY):
        assert _kinds(story, path) == ["new"], path         # recovery in cycle 3: no event
        assert _history(story, path, cli=n == 0) == [(1, story["url"] + path)], path
    # nothing is recorded for the places the redirects landed on
    watched = {story["url"] + p for p in (*AWAY, *MOVED, *FRESH)}
    assert {e["url"] for e in story["changes"]} <= watched
    assert not _failing(story["status"][2], story["url"]).keys() & set(AWAY)


def test_moved_pages_are_followed(story: dict[str, Any]) -> None:
    cli: Cli = story["cli"]
    base = story["url"]
    for n, (path, target) in enumerate(MOVED.items()):
        assert _kinds(story, path) == ["new", "content"], path
        assert _history(story, path, cli=n == 0) == [(1, base + path), (2, base + target)], path
    for path in ("/news/moved-slug", "/news/moved-meta"):
        text = cli("show", base + path, "--at", story["times"][2]).stdout
        assert EDIT in text
        before = cli("show", base + path, "--at", story["times"][1]).stdout
        assert EDIT not in before and before.strip()


def test_a_page_with_no_version_that_lands_elsewhere_fails_until_it_is_itself(story: dict[str, Any]) -> None:
    cli: Cli = story["cli"]
    base = story["url"]
    for path, reasons in FRESH.items():
        for cycle, reason in enumerate(reasons):
            assert _failing(story["status"][cycle], base).get(path) == reason.format(url=base), path
        assert _kinds(story, path) == ["new"], path
    assert _history(story, "/fresh/annual-report-launch", cli=True) == [
        (1, base + "/fresh/annual-report-launch-2024")]
    landed = cli("history", base + "/fresh/budget-news", "--json")      # not a page of the store
    assert landed.code != 0 and landed.stdout == ""
