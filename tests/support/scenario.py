"""A fixed history recorded straight into a store (no crawl): three runs over four sample pages.

Run 1: every page is new. Run 2: a content edit (and a new "Last modified") on the UNESCO profile,
a "Last modified"-only bump on the UNDP release, boilerplate churn on the UNICEF page, a 503 on
the NGO page. Run 3: the NGO page is back, the UNICEF page changes its title.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pipeline.types import Profile
from profilewatch import samples
from profilewatch.config import SourceConfig
from storage.store import Store
from tests.support.archive import check_input

T0 = datetime(2026, 11, 2, 6, 0, 0, tzinfo=UTC)
BASE = "https://profiles.example.org"
PAGES = {
    f"{BASE}/azerbaijan/technology": "unesco-profile",
    f"{BASE}/unicef/education": "unicef-page",
    f"{BASE}/undp/press-release": "undp-press-release",
    f"{BASE}/ngo/news": "ngo-news",
}
SOURCE = SourceConfig(name="profiles", spider="generic", urls=tuple(PAGES), organisation="UNESCO")
DECREE_OLD = "In 2022, the President of the Republic of Azerbaijan signed a decree"
DECREE_NEW = "In 2023, the President of the Republic of Azerbaijan signed a second decree"
ERROR_PAGE = "<html><body><h1>Service unavailable</h1></body></html>"


def _keep(html: str) -> str:
    return html


Edit = Callable[[str], str]
RUNS: list[dict[str, Edit | tuple[int, str]]] = [
    {},
    {
        f"{BASE}/azerbaijan/technology": lambda h: samples.bump_last_modified(
            samples.edit_text(samples.churn(h, 1), 1).replace(DECREE_OLD, DECREE_NEW),
            "2026-11-01T09:30:00Z", "Sun, 11/01/2026 - 10:30"),
        f"{BASE}/undp/press-release": lambda h: samples.bump_last_modified(
            h, "2026-11-01T08:00:00Z", "1 November 2026"),
        f"{BASE}/unicef/education": lambda h: samples.churn(h, 2),
        f"{BASE}/ngo/news": (503, ERROR_PAGE),
    },
    {
        f"{BASE}/unicef/education": lambda h: samples.set_title(samples.churn(h, 3),
                                                                "Education | UNICEF <Renamed>"),
    },
]


def record_history(store: Store, runs: int = 3) -> list[int]:
    """Record the first ``runs`` runs; returns their run ids."""
    store.sync_sources([SOURCE])
    profile = Profile(site="generic", organisation="UNESCO")
    pages = {url: samples.load_sample(name) for url, name in PAGES.items()}
    run_ids = []
    for index, edits in enumerate(RUNS[:runs]):
        run_id = store.start_run(SOURCE.name)
        run_ids.append(run_id)
        for offset, url in enumerate(PAGES):
            at = T0 + timedelta(days=index, seconds=offset)
            edit = edits.get(url, _keep)
            if isinstance(edit, tuple):
                status, html = edit
            else:
                status, html = 200, edit(pages[url])
                pages[url] = html
            store.record(check_input(url, html, at, source=SOURCE.name, status=status,
                                     profile=profile, run_id=run_id,
                                     headers={"content-type": "text/html; charset=utf-8"}))
        store.finish_run(run_id, "completed", {})
    return run_ids
