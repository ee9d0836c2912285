"""Benchmark: check cycles of N realistic pages served by nginx on 127.0.0.1.

    python -m benchmarks.cycle --pages 1000            # cycles 1-3 (the issue's targets)
    python -m benchmarks.cycle --pages 1000 --cycles 10 --edit-every-cycle   # storage growth

Cycle 1: every page is new. Cycle 2 (and every later even cycle): 10 % of the pages get a main-text
edit and every page gets boilerplate churn. Cycle 3 (and later odd cycles): nothing changes, the
server answers conditional requests with 304. After each cycle the events are checked exactly
(N ``new``; exactly the edited pages as ``content``; nothing else) and the script prints wall time,
CPU time (the run and all its worker processes), pages/s, peak RSS of the process tree, and store
size. Needs nginx (Debian: ``apt-get install nginx-light``).

``--requisites`` serves the site's stylesheet (the pages link ``/css/style.css?TOKEN``), two web
fonts and a logo it references, and runs with ``requisites = true``; without it the run has
``requisites = false``. Compare the two for the cost of requisites in a cycle (issue 14).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import page

EDIT_SHARE = 0.10   # the share of pages whose main text changes in an editing cycle
NGINX_CONF = """
worker_processes 2;
daemon on;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 100000;
  default_type text/html;
  types {{ text/html html; text/css css; font/woff2 woff2; image/png png; image/x-icon ico; }}
  server {{ listen 127.0.0.1:{port}; root {root}/www; etag on; }}
}}
"""


@dataclass
class Measure:
    cycle: int
    wall: float
    cpu: float
    peak_rss_mb: float          # the run process
    peak_tree_mb: float         # the run and its workers (PSS: shared pages counted once)
    store_mb: float
    events: dict[str, int]
    expected: dict[str, int]


TICKS = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> dict[int, tuple[int, float]]:
    """``{pid: (memory bytes, cpu seconds)}`` for a process and its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        stats[int(entry)] = (int(fields[21]) * resource.getpagesize(),
                             (int(fields[11]) + int(fields[12])) / TICKS)
    found: dict[int, tuple[int, float]] = {}
    stack = [pid]
    while stack:
        current = stack.pop()
        if current in stats:
            found[current] = stats[current]
        stack.extend(children.get(current, []))
    return found


def _pss(pid: int) -> int | None:
    """Proportional set size: memory shared by forked workers counted once across the tree
    (summing RSS would count the forkserver's pages once per worker)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _run(command: list[str], cwd: Path
         ) -> tuple[float, float, float, float, subprocess.CompletedProcess[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # like an installed copy, the run may keep its bytecode (this machine sets
    # PYTHONDONTWRITEBYTECODE, which would recompile every module on every run: ~1 s)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    peak = main_peak = 0
    cpu_seen: dict[int, float] = {}     # worker processes are not always reaped into RUSAGE_CHILDREN
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, main_peak
        while not done.is_set():
            tree = _tree(process.pid)
            main_peak = max(main_peak, tree.get(process.pid, (0, 0.0))[0])
            peak = max(peak, sum(_pss(pid) or rss for pid, (rss, _) in tree.items()))
            for pid, (_, cpu) in tree.items():
                if pid != process.pid:
                    cpu_seen[pid] = cpu
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # the run itself is reaped by us (exact); its workers are counted from their last sample
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu += sum(cpu_seen.values())
    return (wall, cpu, peak / 2**20, main_peak / 2**20,
            subprocess.CompletedProcess(command, process.returncode, out, err))


def _write_corpus(www: Path, pages: int, revisions: list[int], churn: int) -> None:
    for n in range(pages):
        path = www / f"p{n}.html"
        data = page(n, revisions[n], churn)
        path.write_bytes(data)


def _write_requisites(www: Path) -> None:
    """One site's shared requisites: a ~120 KB stylesheet, two ~45 KB fonts, a logo, an icon."""
    rules = "".join(f".c{i} {{ color: #{i % 4096:03x}; margin: 0 auto; padding: 1rem }}\n"
                    for i in range(2400))
    for sub in ("css", "fonts", "img"):
        (www / sub).mkdir(exist_ok=True)
    (www / "css" / "style.css").write_text(
        '@font-face { font-family: A; src: url("../fonts/a.woff2") format("woff2") }\n'
        '@font-face { font-family: B; src: url("../fonts/b.woff2") format("woff2") }\n'
        "body { font-family: A; background: url(/img/logo.png) no-repeat }\n"
        "h1 { font-family: B } .icon { background: url(/favicon.ico) }\n" + rules)
    for name, size in (("fonts/a.woff2", 45_000), ("fonts/b.woff2", 42_000),
                       ("img/logo.png", 9_000), ("favicon.ico", 5_000)):
        (www / name).write_bytes(os.urandom(size))


def _stop_nginx(root: Path) -> None:
    pid_file = root / "nginx.pid"
    if pid_file.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGQUIT)
        for _ in range(50):
            if not pid_file.exists():
                break
            time.sleep(0.1)


def _store_size(db: Path) -> float:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file()) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here (default: temp)")
    parser.add_argument("--workers", default="auto", help="settings.workers for the run")
    parser.add_argument("--requisites", action="store_true",
                        help="serve the site's stylesheet, fonts and logo and capture them")
    parser.add_argument("--edit-every-cycle", action="store_true",
                        help="every cycle after the first edits 10 %% of the pages (storage growth)")
    args = parser.parse_args()
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        print("benchmark: nginx is needed (apt-get install nginx-light)", file=sys.stderr)
        return 2
    root = args.workdir or Path(tempfile.mkdtemp(prefix="pw-bench-"))
    root.chmod(0o755)       # nginx's workers run as another user: a 0700 temp dir is unreadable
    www = root / "www"
    www.mkdir(parents=True, exist_ok=True)
    if args.requisites:
        _write_requisites(www)
    db = root / "bench.db"
    for stale in root.glob("bench.db*"):
        stale.unlink()
    revisions = [0] * args.pages
    print(f"generating {args.pages} pages in {www} …", file=sys.stderr)
    _write_corpus(www, args.pages, revisions, churn=0)
    sizes = [p.stat().st_size for p in www.glob("p*.html")]
    _stop_nginx(root)
    (root / "nginx.conf").write_text(NGINX_CONF.format(root=root, port=args.port))
    subprocess.run([nginx, "-c", str(root / "nginx.conf")], check=True)
    urls = [f"http://127.0.0.1:{args.port}/p{n}.html" for n in range(args.pages)]
    workers = "" if args.workers == "auto" else f"workers = {int(args.workers)}\n"
    (root / "profilewatch.toml").write_text(
        "[settings]\ndelay = 0\nconcurrency = 64\nper_domain_concurrency = 64\nretries = 0\n"
        f"requisites = {'true' if args.requisites else 'false'}\n"
        f"{workers}[[source]]\nname = \"bench\"\nurls = {json.dumps(urls)}\n", encoding="utf-8")
    command = [sys.executable, "-m", "profilewatch", "-q", "--config", str(root / "profilewatch.toml"),
               "--db", f"sqlite:///{db}"]
    results: list[Measure] = []
    try:
        for cycle in range(1, args.cycles + 1):
            edited: set[int] = set()
            if cycle > 1 and (cycle % 2 == 0 or args.edit_every_cycle):
                stride = round(1 / EDIT_SHARE)
                edited = {n for n in range(args.pages) if (n + cycle) % stride == 0}
                for n in edited:
                    revisions[n] += 1
                _write_corpus(www, args.pages, revisions, churn=cycle)
            expected = {"new": args.pages} if cycle == 1 else (
                {"content": len(edited)} if edited else {})
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            time.sleep(1.0)   # events of this cycle are the ones detected after `since`
            wall, cpu, tree_peak, main_peak, done = _run([*command, "run"], root)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            events = json.loads(subprocess.run([*command, "changes", "--json", "--since", since],
                                               capture_output=True, text=True, check=True).stdout)
            counts: dict[str, int] = {}
            for event in events:
                counts[event["kind"]] = counts.get(event["kind"], 0) + 1
            if cycle > 1 and edited:
                changed = {int(e["url"].rsplit("/p", 1)[1].split(".")[0]) for e in events}
                if changed != edited:
                    print(f"cycle {cycle}: wrong pages changed: {sorted(changed ^ edited)[:10]}",
                          file=sys.stderr)
            results.append(Measure(cycle, wall, cpu, main_peak, tree_peak, _store_size(db), counts,
                                   expected))
            m = results[-1]
            status = "ok" if m.events == m.expected else f"WRONG (expected {m.expected})"
            print(f"cycle {cycle}: {m.wall:6.2f} s wall, {m.cpu:6.2f} s CPU, "
                  f"{args.pages / m.wall:7.1f} pages/s, peak RSS {m.peak_rss_mb:6.1f} MB "
                  f"(with workers {m.peak_tree_mb:6.1f} MB), "
                  f"store {m.store_mb:6.1f} MB, events {m.events} {status}", flush=True)
    finally:
        _stop_nginx(root)
    edits = (args.cycles - 1) if args.edit_every_cycle else args.cycles // 2
    print(f"\npages: {args.pages}, {min(sizes) // 1024}-{max(sizes) // 1024} KB "
          f"(mean {sum(sizes) // len(sizes) // 1024} KB); naive raw copy of every version: "
          f"{sum(sizes) * (1 + edits * EDIT_SHARE) / 2**20:.0f} MB")
    print("| cycle | wall s | CPU s | pages/s | peak RSS MB (run / with workers) | store MB | events |")
    print("|---|---|---|---|---|---|---|")
    for m in results:
        print(f"| {m.cycle} | {m.wall:.2f} | {m.cpu:.2f} | {args.pages / m.wall:.0f} | "
              f"{m.peak_rss_mb:.0f} / {m.peak_tree_mb:.0f} | {m.store_mb:.1f} | "
              f"{', '.join(f'{k} {v}' for k, v in sorted(m.events.items())) or 'none'} |")
    return 0 if all(m.events == m.expected for m in results) else 1


if __name__ == "__main__":
    sys.exit(main())
