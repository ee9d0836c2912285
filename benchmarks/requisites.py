"""What page requisites cost (issue 14): storage for 1,000 pages x 10 versions sharing one site's
stylesheet, fonts and logo, and the time they add to recording a cycle.

    python -m benchmarks.requisites [--pages 1000] [--versions 10]

Builds two SQLite stores with the same history (each page's sample HTML edited once per version,
recorded through the store's own path: extraction, deltas against keyframes, hash chains), then adds
to one of them what a crawl with requisites stores: per cycle one capture of each shared requisite
(the first cycle 200s with content, then 304s confirming it), and per version its list. Prints the
file sizes, the overhead in per cent (target: under 5 %) and the time the requisite bookkeeping
adds per cycle. Fetching is not timed here: in a cycle each shared requisite is fetched (or
revalidated with a 304) once, whatever the number of pages.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.analyse import analyse_fetch
from pipeline.types import Fetched, Profile
from profilewatch import samples
from storage.requisites import RequisiteFetch, RequisiteStore
from storage.results import CheckInput
from storage.store import Store

T0 = datetime(2026, 1, 1, tzinfo=UTC)
# One site's shared requisites, at the sizes the watched sites serve (main stylesheet ~120 KB,
# two woff2 fonts, logo, icon).
SHARED = {"https://site.example/css/main.css": (120_000, "text/css"),
          "https://site.example/fonts/a.woff2": (45_000, "font/woff2"),
          "https://site.example/fonts/b.woff2": (42_000, "font/woff2"),
          "https://site.example/img/logo.svg": (9_000, "image/svg+xml"),
          "https://site.example/favicon.ico": (5_000, "image/x-icon")}


def _content(url: str, size: int) -> bytes:
    seed = hashlib.sha256(url.encode()).digest()
    if url.endswith(".css"):   # text compresses like CSS does (~5x)
        rule = b".c%d { color: #%s; margin: 0 auto; padding: 1rem 2rem }\n"
        return b"".join(rule % (i, seed[:3].hex().encode()) for i in range(size // 50))[:size]
    return (seed * (size // 32 + 1))[:size] if url.endswith(".svg") else os.urandom(size)


def build(path: Path, pages: int, versions: int, requisites: bool) -> tuple[float, float]:
    """(seconds recording pages, seconds of requisite bookkeeping)."""
    store = Store.open(f"sqlite:///{path}")
    urls = [f"https://site.example/profile/{i}" for i in range(pages)]
    store.sync_sources([type("S", (), {"name": "site", "spider": "generic", "organisation": None,
                                       "urls": urls})()])
    base = samples.load_sample("unesco-profile")
    blobs = {url: _content(url, size) for url, (size, _) in SHARED.items()}
    shas = {url: hashlib.sha256(body).hexdigest() for url, body in blobs.items()}
    req = RequisiteStore(store)
    pages_s = req_s = 0.0
    for cycle in range(versions):
        at = T0 + timedelta(days=cycle)
        started = time.perf_counter()
        for i, url in enumerate(urls):
            html = samples.edit_text(base, cycle + 1).replace("Azerbaijan", f"Page {i}")
            fetched = Fetched(url=url, source="site", fetched_at=at, status=200, final_url=url,
                              headers={"content-type": "text/html; charset=utf-8"},
                              body=html.encode())
            store.record(CheckInput(url=url, source="site", fetched_at=at,
                                    analysis=analyse_fetch(fetched, Profile()), status=200,
                                    final_url=url, body=html.encode(), body_size=len(html)))
        pages_s += time.perf_counter() - started
        if not requisites:
            continue
        started = time.perf_counter()
        fetches = [RequisiteFetch(url, at, 200 if cycle == 0 else 304, shas[url], mtype, size,
                                  body=blobs[url] if cycle == 0 else None)
                   for url, (size, mtype) in SHARED.items()]
        ids = req.save(fetches, None, None)
        for url in urls:
            req.save([], None, (url, cycle + 1), ids.values())
        req_s += time.perf_counter() - started
    store.close()
    return pages_s, req_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--versions", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain, full = Path(tmp) / "plain.db", Path(tmp) / "requisites.db"
        plain_s, _ = build(plain, args.pages, args.versions, requisites=False)
        full_s, req_s = build(full, args.pages, args.versions, requisites=True)
        a, b = plain.stat().st_size, full.stat().st_size
        print(f"{args.pages} pages x {args.versions} versions, {len(SHARED)} shared requisites "
              f"({sum(s for s, _ in SHARED.values()) / 1000:.0f} KB)")
        print(f"store without requisites: {a / 1e6:9.2f} MB")
        print(f"store with requisites:    {b / 1e6:9.2f} MB   (+{(b - a) / 1e6:.2f} MB, "
              f"{100 * (b - a) / a:.2f} %; target < 5 %)")
        print(f"recording a cycle: {plain_s / args.versions:.2f} s of pages; requisite bookkeeping "
              f"+{req_s / args.versions:.2f} s per cycle ({100 * req_s / full_s:.1f} %)")


if __name__ == "__main__":
    main()
