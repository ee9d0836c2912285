"""The per-stage breakdown of a benchmarked run: CPU milliseconds per page per stage.

The run writes its stage totals (``pipeline.stagetimes``, switched on by the environment variable
it names) to a file: the extraction stages as timed in the worker processes, the store writer's
batches (the diff included) and the diff in the main process, and the main process's CPU while it
crawled. What the main process spent outside the store writer is Scrapy's request path, the
downloader middlewares, the item pipelines' glue and moving tasks to and from the workers.
"""

from __future__ import annotations

import json
from pathlib import Path

# the order of a page's way through the run
ORDER = ("screen+body hash", "decode", "parse", "metadata", "date reading", "identity", "pruning",
         "trafilatura", "normalisation", "page screen", "fingerprint", "compression")


def breakdown(path: Path, pages: int, total_cpu: float) -> list[str]:
    """Lines of the breakdown table (ms per page) from the stage file of one run."""
    if not path.exists():
        return ["  (no stage times were written)"]
    runs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    stages: dict[str, float] = {}
    crawl_cpu = 0.0
    for run in runs:
        crawl_cpu += run["crawl_cpu"]
        for name, entry in run["stages"].items():
            stages[name] = stages.get(name, 0.0) + entry["seconds"]
    writer = stages.pop("batch writer", 0.0)
    diff = stages.get("diff", 0.0)
    rows = [(name, stages[name]) for name in ORDER if name in stages]
    rows.append(("diff (in the writer)", diff))
    rows.append(("batch writer (without diff)", writer - diff))
    rows.append(("Scrapy request path, middlewares, glue", crawl_cpu - writer))
    accounted = sum(seconds for _, seconds in rows)
    rows.append(("start-up, worker IPC, other", total_cpu - accounted))
    per = 1000 / max(pages, 1)
    lines = ["| stage | ms/page | share |", "|---|---|---|"]
    for name, seconds in rows:
        lines.append(f"| {name} | {seconds * per:.2f} | {seconds / total_cpu:.0%} |")
    lines.append(f"| total CPU | {total_cpu * per:.2f} | 100% |")
    return lines
