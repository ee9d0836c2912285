"""Benchmark: politeness at scale — many hosts, each with a delay, in any listing order.

    python -m benchmarks.hosts                     # 1,000 pages over 20 hosts, delay 0.5 s

nginx listens on the loopback addresses 127.0.0.2 … 127.0.0.21 (each one a host, each allowed by
being in the config) and logs every request with the time it was answered (``$msec``). One
``profilewatch run`` per listing order — site by site, then round-robin — with ``delay`` and
``per_domain_concurrency = 1``; each is bounded by the busiest host's queue (pages per host ×
delay), not by the sum. The script prints each order's wall time (the whole process, start-up
included) and crawl time (first to last request nginx saw) against that bound, and the smallest
gap between two requests to one host (robots.txt included), which must not be under the delay,
and the median one (what each request adds to the delay).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

from benchmarks.nginx import INSTALL_HINT, Nginx, ServerProblem, find_nginx

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Profile {n}</title></head>
<body><nav><a href="/">Home</a></nav><main><h1>Profile {n}</h1>
<p>Education policy profile number {n}: inclusion, technology and finance of the education
system, with the laws, strategies and programmes that govern them.</p>
<p>Section {n} describes teachers, learners and schools in some detail for the benchmark.</p>
</main></body></html>"""


def listing(hosts: list[str], pages: int, order: str) -> list[str]:
    """URLs of ``pages`` pages spread evenly over ``hosts``, site by site or round-robin."""
    per_host = pages // len(hosts)
    by_site = [[f"http://{host}/p{n}.html" for n in range(per_host)] for host in hosts]
    if order == "site":
        return [url for site in by_site for url in site]
    return [site[n] for n in range(per_host) for site in by_site]


def gaps(log: Path, since: float) -> tuple[dict[str, list[float]], float, float]:
    """Per host, the times nginx answered it (after ``since``); first and last time overall."""
    times: dict[str, list[float]] = defaultdict(list)
    for line in log.read_text().splitlines():
        at, address, _path, _status = line.split()
        if float(at) >= since:
            times[address].append(float(at))
    every = [t for ts in times.values() for t in ts]
    return times, min(every), max(every)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=None,
                        help="settings.concurrency (default: profilewatch's default)")
    parser.add_argument("--port", type=int, default=8898)
    parser.add_argument("--orders", default="site,round-robin")
    args = parser.parse_args()
    if find_nginx() is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="pw-hosts-"))
    www = root / "www"
    www.mkdir()
    per_host = args.pages // args.hosts
    for n in range(per_host):
        (www / f"p{n}.html").write_text(PAGE.format(n=n))
    (www / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
    hosts = [f"127.0.0.{2 + i}:{args.port}" for i in range(args.hosts)]
    server = Nginx(root, hosts, access_log=True)
    try:
        server.start()
        for host in hosts:
            server.check(f"http://{host}/p0.html", (www / "p0.html").read_bytes())
    except ServerProblem as exc:
        server.stop()
        print(exc, file=sys.stderr)
        return 2
    bound = per_host * args.delay
    failed = False
    try:
        for order in args.orders.split(","):
            db = root / f"{order}.db"
            config = root / f"{order}.toml"
            concurrency = (f"concurrency = {args.concurrency}\n" if args.concurrency else "")
            config.write_text(
                f"[settings]\ndelay = {args.delay}\nper_domain_concurrency = 1\n{concurrency}"
                f"retries = 0\n[[source]]\nname = \"hosts\"\n"
                f"urls = {json.dumps(listing(hosts, args.pages, order))}\n", encoding="utf-8")
            since = time.time()
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "profilewatch", "-q", "--config", str(config),
                 "--db", f"sqlite:///{db}", "run"], cwd=root, capture_output=True, text=True,
                check=False)
            wall = time.perf_counter() - start
            if done.returncode != 0:
                print(f"{order}: run failed ({done.returncode}): {done.stderr.strip()[-500:]}",
                      file=sys.stderr)
                failed = True
                continue
            time.sleep(0.2)     # nginx writes its log lines as requests end
            times, first, last = gaps(server.access_log or root / "access.log", since)
            answered = sum(len(ts) for ts in times.values())
            spaced = sorted(b - a for ts in times.values() for a, b in pairwise(sorted(ts)))
            smallest, median = spaced[0], spaced[len(spaced) // 2]
            crawl = last - first
            ok = crawl <= 1.1 * bound and smallest >= args.delay
            failed |= not ok
            print(f"{order:>11}: wall {wall:6.2f} s, crawl {crawl:6.2f} s (bound {bound:.1f} s: "
                  f"{crawl / bound:.2f}×), {answered} requests on {len(times)} hosts, "
                  f"gaps to one host: smallest {smallest:.3f} s, median {median:.3f} s "
                  f"(delay {args.delay} s) "
                  f"{'ok' if ok else 'OVER'}", flush=True)
    finally:
        server.stop()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
