"""A realistic store for the copy, prune and upgrade tests, recorded through the real code.

Each capture is analysed by the extraction worker's code (:func:`crawler.extraction.analyse_in_worker`:
the pipeline plus compression, later captures as deltas against the page's keyframe) and recorded
by :meth:`storage.store.Store.record`, as a crawl does; runs, a delivery and a digest mark are added
through the store API too. :func:`archive_state` is everything a user can see of the archive, to
compare two stores.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from crawler import extraction
from pipeline.types import Fetched, Profile
from storage import keyframes
from storage.copy import copy_store
from storage.engine import normalise_url
from storage.reporting import DeliveryInput
from storage.results import CheckInput
from storage.store import Store
from tests.support.mockserver import render_variant

T0 = datetime(2024, 1, 10, 9, 15, 30, 125_000, tzinfo=UTC)
DAY = timedelta(days=1)

# (sample, watched URL, source) of each page
PAGES = (
    ("unesco-profile", "https://education-profiles.org/europe/azerbaijan/~technology", "unesco"),
    ("unicef-page", "https://www.unicef.org/azerbaijan/inclusive-education", "unicef"),
    ("undp-press-release", "https://www.undp.org/azerbaijan/press-releases/centre", "undp"),
)
# Each page's life: (variant or an HTTP status, days after T0). Edits make `content` versions,
# `meta:N` a `metadata` version, churn no version, 503 a failed check, 404 twice `gone`.
LIFE: tuple[tuple[str | int, int], ...] = (
    ("base", 0), ("churn:1", 1), ("edit:1", 2), (503, 3), ("edit:1+meta:7", 4),
    ("edit:2+meta:7", 6), ("edit:3+meta:7+churn:2", 8), ("edit:4+meta:9", 10),
)


@dataclass
class _Source:
    name: str
    organisation: str | None
    urls: list[str]
    spider: str = "generic"


def capture(store: Store, db_url: str, url: str, source: str, body: bytes | None, at: datetime,
            status: int = 200, run_id: int | None = None) -> None:
    """One fetch of ``url`` analysed and recorded as a crawl records it."""
    headers = {"content-type": "text/html; charset=utf-8",
               "etag": '"' + hashlib.sha256(body or b"").hexdigest()[:12] + '"'}
    fetched = Fetched(url=url, source=source, fetched_at=at, status=status, final_url=url,
                      headers=headers, body=body or b"")
    known = store.page_states(source).get(url)
    analysis = extraction.analyse_in_worker(fetched, Profile(organisation=None), known,
                                            store_url=normalise_url(db_url))
    store.record(CheckInput(url=url, source=source, fetched_at=at, analysis=analysis,
                            status=status, final_url=url, headers=headers, run_id=run_id,
                            body=body or b"", body_size=len(body or b"")))


def build_archive(store: Store, db_url: str, *, pages: int = len(PAGES),
                  gone: bool = True) -> list[str]:
    """Record :data:`LIFE` for the first ``pages`` of :data:`PAGES`; the last page then goes."""
    chosen = PAGES[:pages]
    store.sync_sources([_Source(source, source.upper(), [url]) for _, url, source in chosen])
    for sample, url, source in chosen:
        run_id = store.start_run(source, "schedule")
        for variant, days in LIFE:
            at = T0 + days * DAY
            if isinstance(variant, int):
                capture(store, db_url, url, source, b"busy", at, status=variant, run_id=run_id)
            else:
                capture(store, db_url, url, source, render_variant(sample, variant).encode(), at,
                        run_id=run_id)
        store.finish_run(run_id, "completed", {"content": 4, "failed": 1})
    if gone:
        _, url, source = chosen[-1]
        for days in (12, 13):
            capture(store, db_url, url, source, b"not found", T0 + days * DAY, status=404)
    store.add_delivery(DeliveryInput(target="json://localhost/hook", ok=True, error=None,
                                     attempts=1, subject="3 changes", event_ids=[1, 2],
                                     report={"events": 2}, run_id=None))
    store.claim_digest("daily:2024-01-10", T0, T0 + DAY)
    keyframes.close()
    return [url for _, url, _ in chosen]


def archive_state(store: Store) -> dict[str, Any]:
    """What a user sees of the archive: every page's history, every event, every blob's digest,
    codec and stored bytes, runs, deliveries and digest marks."""
    histories = {p.url: [v.as_json() for v in store.history(p.url)] for p in store.pages()}
    texts = {url: [store.text(v) for v in store.history(url)] for url in histories}
    engine = create_engine(normalise_url(_plain_url(store)))
    try:
        with engine.connect() as connection:
            blobs = {row[0]: (row[1], row[2], hashlib.sha256(row[3]).hexdigest())
                     for row in connection.execute(
                         text("SELECT sha256, codec, size, data FROM blobs"))}
            checks = connection.execute(text(
                "SELECT p.url, c.outcome, c.reason, c.http_status, c.body_sha256 FROM checks c "
                "JOIN pages p ON p.id = c.page_id ORDER BY c.id")).all()
    finally:
        engine.dispose()
    return {
        "pages": [(p.url, p.source, p.versions, p.gone_at, p.watched) for p in store.pages()],
        "histories": histories,
        "texts": texts,
        "events": [e.as_json() for e in store.events()],
        "blobs": blobs,
        "checks": [tuple(row) for row in checks],
        "runs": [(r.id, r.source, r.status, r.counts) for r in store.runs()],
        "deliveries": [(d.id, d.target, d.subject) for d in store.deliveries()],
        "digest": store.last_digest_end("daily:"),
        "chains": {url: [store.version(url, number=v["version"]).chain_sha256 for v in hist]
                   for url, hist in histories.items()},
    }


def _plain_url(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def built_archive(url: str) -> dict[str, Any]:
    """:func:`build_archive` into the store at ``url`` (through the real recording code); its state."""
    store = Store.open(url)
    try:
        build_archive(store, url)
        return archive_state(store)
    finally:
        store.close()
        keyframes.close()


def template_archive(directory: Path) -> tuple[str, dict[str, Any]]:
    """:func:`build_archive` once into a SQLite file in ``directory``; its URL and state."""
    url = f"sqlite:///{directory / 'template.db'}"
    return url, built_archive(url)


def archive_from_template(template_url: str, target_url: str) -> None:
    """The template's store at ``target_url``: the file copied on SQLite, else through
    :func:`storage.copy.copy_store` (for tests that are not about recording or copying)."""
    if target_url.startswith("sqlite:///"):
        shutil.copyfile(template_url[len("sqlite:///"):], target_url[len("sqlite:///"):])
    else:
        copy_store(template_url, target_url)
