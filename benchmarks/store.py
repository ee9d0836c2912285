"""Benchmark: what the store costs to keep, copy and prune.

    python -m benchmarks.store                              # 40 pages x 12 versions
    python -m benchmarks.store --pages 200 --versions 24 --to postgresql://postgres@127.0.0.1/test

Records N pages x M versions through the real recording code (each capture analysed and compressed
as an extraction worker does — later captures as deltas against the page's keyframe — then
recorded by :meth:`storage.store.Store.record`), from :mod:`benchmarks.corpus`'s realistic
82-148 KB pages, each version a main-text edit plus boilerplate churn. Prints the SQLite file's
bytes per page-version, the time to copy the store (to another SQLite file, and to ``--to`` when
given: it must be empty), and what pruning every superseded capture saves, file size before and
after (the prune VACUUMs). Runs from a fresh checkout; no network, no server.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.corpus import page
from crawler.extraction import analyse_in_worker
from pipeline.types import Fetched, Profile
from storage import keyframes
from storage.copy import copy_store
from storage.results import CheckInput
from storage.store import Store

T0 = datetime(2025, 1, 6, 6, 0, tzinfo=UTC)


@dataclass
class _Source:
    name: str
    urls: list[str]
    organisation: str | None = None
    spider: str = "generic"


def file_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())


def record_store(url: str, pages: int, versions: int) -> tuple[int, float]:
    """Record the corpus; returns (captures recorded, seconds)."""
    urls = [f"https://education-profiles.org/bench/{n}" for n in range(pages)]
    store = Store.open(url)
    started = time.monotonic()
    try:
        store.sync_sources([_Source("bench", urls)])
        for revision in range(versions):
            for n, page_url in enumerate(urls):
                body = page(n, revision, churn=revision)
                at = T0 + timedelta(days=revision, seconds=n)
                headers = {"content-type": "text/html; charset=utf-8"}
                fetched = Fetched(url=page_url, source="bench", fetched_at=at, status=200,
                                  final_url=page_url, headers=headers, body=body)
                known = store.page_states("bench").get(page_url) if revision else None
                analysis = analyse_in_worker(fetched, Profile(), known, store_url=url)
                store.record(CheckInput(url=page_url, source="bench", fetched_at=at,
                                        analysis=analysis, status=200, final_url=page_url,
                                        headers=headers, body=body, body_size=len(body)))
        store.vacuum()
    finally:
        store.close()
        keyframes.close()
    return pages * versions, time.monotonic() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--versions", type=int, default=12)
    parser.add_argument("--to", metavar="URL", help="Also copy into this (empty) store.")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pw-store-bench-") as tmp:
        path = Path(tmp) / "store.db"
        url = f"sqlite:///{path}"
        captures, record_seconds = record_store(url, args.pages, args.versions)
        size = file_bytes(path)
        store = Store.open(url)
        try:
            versions = sum(p.versions for p in store.pages())
        finally:
            store.close()
        results: dict[str, object] = {
            "pages": args.pages, "captures": captures, "versions": versions,
            "record_seconds": round(record_seconds, 1), "store_bytes": size,
            "bytes_per_page_version": round(size / versions),
        }
        started = time.monotonic()
        copy_store(url, f"sqlite:///{Path(tmp) / 'copy.db'}")
        results["copy_sqlite_seconds"] = round(time.monotonic() - started, 2)
        if args.to:
            started = time.monotonic()
            copy_store(url, args.to)
            results["copy_to_seconds"] = round(time.monotonic() - started, 2)
        store = Store.open(url)
        try:
            latest = T0 + timedelta(days=args.versions)
            summary = store.prune_captures(latest)
            results.update(pruned_versions=summary.versions, pruned_blob_bytes=summary.bytes,
                           kept_keyframes=summary.keyframes)
            verified = store.verify()
            results["verify_ok_after_prune"] = verified.ok
        finally:
            store.close()
        results["store_bytes_after_prune"] = file_bytes(path)
        results["prune_saved_bytes"] = size - file_bytes(path)
        results["bytes_per_page_version_after_prune"] = round(file_bytes(path) / versions)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
