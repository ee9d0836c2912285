"""Benchmark: one run over a very large watchlist, then the read commands on that store.

    python -m benchmarks.scale --pages 1000,100000      # takes a while: run it with nohup

For each N: N small generated pages served by nginx on 127.0.0.1, one ``profilewatch run`` of them
all (``delay = 0``), its wall and CPU time and peak RSS; then how long ``changes --json`` (every
event, and one page of 100 from the start and from the end), ``history URL``, ``status --json``
and the web UI's page list (first and last page of the list, through ``serve``) take on that
store, each a whole command (Python's start-up included). Memory should stay flat in N (peak RSS
of the largest run within 1.2× of the smallest), time linear, every read under 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.cycle import _run
from benchmarks.nginx import INSTALL_HINT, Nginx, ServerProblem, find_nginx

PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Profile {n}</title>
</head><body><nav><a href="/">Home</a> <a href="/about">About</a></nav><main><h1>Profile {n}</h1>
<p>Country profile {n} of the education watchlist: laws, policies and programmes on inclusion,
technology and the financing of education, reviewed by the ministry in year {year}.</p>
<p>Teachers, learners and schools of region {region}, with their rights and the services
that support them.</p><p>Last modified: 2025-0{month}-1{day}</p></main>
<footer>Visitors: {n}</footer></body></html>"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _timed(command: list[str], cwd: Path) -> tuple[float, int]:
    # with its bytecode kept, like an installed copy (as benchmarks.cycle._run runs the run)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, check=False, env=env)
    return time.perf_counter() - start, done.returncode


def _serve_times(command: list[str], cwd: Path, total: int) -> list[tuple[str, float]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    server = subprocess.Popen([*command, "serve", "--port", str(port)], cwd=cwd, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    return [("serve did not start", float("nan"))]
                time.sleep(0.1)
        found = []
        for label, path in (("web UI page list", "/"),
                            ("web UI page list, last page", f"/?offset={max(total - 50, 0)}"),
                            ("API pages", "/api/pages?limit=50")):
            start = time.perf_counter()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as answer:
                answer.read()
            found.append((label, time.perf_counter() - start))
        return found
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(pages: int, root: Path, port: int) -> dict[str, object]:
    www = root / f"www-{pages}"
    www.mkdir(parents=True, exist_ok=True)
    (root / "www").unlink(missing_ok=True)
    (root / "www").symlink_to(www)
    if not (www / f"p{pages - 1}.html").exists():     # generated once per work directory
        for n in range(pages):
            (www / f"p{n}.html").write_text(PAGE.format(n=n, year=2000 + n % 25, region=n % 97,
                                                        month=1 + n % 9, day=n % 10))
    for stale in root.glob(f"scale-{pages}.db*"):
        stale.unlink()
    server = Nginx(root, [f"127.0.0.1:{port}"])
    server.start()
    try:
        server.check(f"http://127.0.0.1:{port}/p0.html", (www / "p0.html").read_bytes())
        urls = [f"http://127.0.0.1:{port}/p{n}.html" for n in range(pages)]
        config = root / f"scale-{pages}.toml"
        config.write_text("[settings]\ndelay = 0\nconcurrency = 64\nper_domain_concurrency = 64\n"
                          f"retries = 0\n[[source]]\nname = \"scale\"\nurls = {json.dumps(urls)}\n",
                          encoding="utf-8")
        db = root / f"scale-{pages}.db"
        command = [sys.executable, "-m", "profilewatch", "-q", "--config", str(config),
                   "--db", f"sqlite:///{db}"]
        wall, cpu, tree_peak, main_peak, done = _run([*command, "run"], root)
        result: dict[str, object] = {
            "pages": pages, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "pages_per_s": round(pages / wall, 1), "peak_rss_mb": round(main_peak),
            "peak_tree_mb": round(tree_peak), "exit": done.returncode,
            "store_mb": round(sum(p.stat().st_size for p in root.glob(db.name + "*")) / 2**20, 1),
            "load_average": round(os.getloadavg()[0], 1)}
        reads = [("start-up only (--version)", [*command, "--version"]),
                 ("changes --json", [*command, "changes", "--json"]),
                 ("changes --json --limit 100", [*command, "changes", "--json", "--limit", "100"]),
                 ("changes --json, last 100 (--after-id)",
                  [*command, "changes", "--json", "--after-id", str(max(pages - 100, 0))]),
                 ("history", [*command, "history", urls[pages // 2]]),
                 ("status --json", [*command, "status", "--json"])]
        for label, read in reads:
            seconds, code = _timed(read, root)
            result[label] = round(seconds, 2) if code in (0, 1) else f"exit {code}"
        for label, seconds in _serve_times(command, root, pages):
            result[label] = round(seconds, 2)
        return result
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--pages", default="1000,100000", help="comma-separated page counts")
    parser.add_argument("--port", type=int, default=8897)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    if find_nginx() is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    root = args.workdir or Path(tempfile.mkdtemp(prefix="pw-scale-"))
    root.mkdir(parents=True, exist_ok=True)
    results = []
    for pages in (int(n) for n in args.pages.split(",")):
        try:
            results.append(measure(pages, root, args.port))
        except ServerProblem as exc:
            print(exc, file=sys.stderr)
            return 2
        print(json.dumps(results[-1]), flush=True)
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(f"peak RSS {last['peak_rss_mb']} MB vs {first['peak_rss_mb']} MB "
              f"({float(last['peak_rss_mb']) / float(first['peak_rss_mb']):.2f}×); time per page "
              f"{float(last['wall_s']) / int(last['pages']) * 1000:.1f} ms vs "
              f"{float(first['wall_s']) / int(first['pages']) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
