"""Test archives built straight through the pipeline and the store API (no crawl: fast).

The one way the tests record a fetch without crawling: :func:`check_input` runs the real pure
pipeline (:func:`pipeline.analyse.analyse_fetch`) on a body and gives what a crawl hands the store;
:func:`record` stores it with :meth:`storage.store.Store.record`, exactly as a crawl would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pipeline.analyse import analyse_fetch
from pipeline.types import Fetched, Profile
from profilewatch import samples
from storage.results import CheckInput, RecordOutcome
from storage.store import Store
from tests.support.mockserver import render_variant

# A capture time with a fraction of a second: the archive must cite and replay it to the second.
T0 = datetime(2024, 6, 1, 12, 30, 45, 250_000, tzinfo=UTC)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Seed:
    sample: str
    url: str
    source: str
    organisation: str


# The seed pages (../shared/seeds) under their real URLs and the built-in watchlist's sources.
SEEDS = {
    "unesco-profile": Seed("unesco-profile", "https://education-profiles.org/northern-africa-and-"
                           "western-asia/azerbaijan/~technology", "unesco-peer", "UNESCO"),
    "unicef-page": Seed("unicef-page", "https://www.unicef.org/azerbaijan/inclusive-education",
                        "unicef-azerbaijan", "UNICEF"),
    "undp-press-release": Seed("undp-press-release", "https://azerbaijan.un.org/en/127239-eu-funded-"
                               "inclusive-vocational-arts-and-crafts-training-centre-successfully-"
                               "relocated-bakus", "un-azerbaijan", "United Nations in Azerbaijan"),
    "ngo-news": Seed("ngo-news", "http://caucasuschildren.net/the-public-was-informed-about-the-"
                     "activities-of-cnc", "caucasus-children", "Caucasus Network for Children"),
}


@dataclass
class Source:
    """What :meth:`Store.sync_sources` reads from a configured source."""

    name: str
    organisation: str | None
    urls: list[str] = field(default_factory=list)
    spider: str = "generic"


def add_sources(store: Store, pages: dict[str, tuple[str, str | None]]) -> None:
    """``pages``: URL -> (source name, organisation)."""
    by_source: dict[str, Source] = {}
    for url, (name, organisation) in pages.items():
        by_source.setdefault(name, Source(name, organisation)).urls.append(url)
    store.sync_sources(by_source.values())


def _bytes(html: str | bytes | None) -> bytes:
    return html.encode("utf-8") if isinstance(html, str) else (html or b"")


def html_headers(html: str | bytes | None) -> dict[str, str]:
    """An HTML response's headers, with an ETag of its body."""
    return {"content-type": "text/html; charset=utf-8", "etag": f'"{hash(_bytes(html)) & 0xffff:x}"'}


def check_input(url: str, html: str | bytes | None, at: datetime, *, source: str,
                status: int = 200, error: str | None = None, profile: Profile | None = None,
                headers: dict[str, str] | None = None, run_id: int | None = None) -> CheckInput:
    """One fetch of ``url`` at ``at`` (``error``: a failed request, no response), analysed."""
    body = _bytes(html)
    headers = html_headers(body) if headers is None else headers
    fetched = Fetched(url=url, source=source, fetched_at=at,
                      status=status if error is None else None, final_url=url, headers=headers,
                      body=body, error=error)
    analysis = analyse_fetch(fetched, profile or Profile())
    return CheckInput(url=url, source=source, fetched_at=at, analysis=analysis,
                      status=fetched.status, final_url=url, headers=headers, run_id=run_id,
                      body=body, body_size=len(body))


def record(store: Store, url: str, source: str, html: str | bytes, at: datetime, *,
           organisation: str | None = None, headers: dict[str, str] | None = None,
           status: int = 200) -> RecordOutcome:
    all_headers = {**html_headers(html), "date": at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
                   **(headers or {})}
    return store.record(check_input(url, html, at, source=source, status=status,
                                    profile=Profile(organisation=organisation),
                                    headers=all_headers))


def seed_archive(store: Store) -> dict[str, Seed]:
    """The four seed pages, one version each, captured at :data:`T0`."""
    add_sources(store, {s.url: (s.source, s.organisation) for s in SEEDS.values()})
    for seed in SEEDS.values():
        outcome = record(store, seed.url, seed.source, samples.load_sample(seed.sample), T0,
                         organisation=seed.organisation)
        assert outcome.version == 1, outcome
    return SEEDS


# The UNESCO profile's life in the archive: (variant, days after T0, expected version or None).
UNESCO_LIFE = (
    ("base", 0, 1),
    ("churn:1", 1, None),                 # boilerplate churn: no version
    ("edit:1+churn:2", 2, 2),             # a sentence added
    ("edit:1+meta:7", 3, 3),              # only the declared "Last modified" changed
    ("edit:2+meta:7", 5, 4),              # another sentence
)


def unesco_history(store: Store, url: str, source: str = "unesco-peer") -> list[datetime]:
    """Record :data:`UNESCO_LIFE` for ``url``; returns the capture times of versions 1-4."""
    times = []
    for variant, days, expected in UNESCO_LIFE:
        at = T0 + days * DAY
        outcome = record(store, url, source, render_variant("unesco-profile", variant), at,
                         organisation="UNESCO")
        assert outcome.version == expected, (variant, outcome)
        if expected:
            times.append(at)
    return times
