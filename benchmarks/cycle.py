"""Benchmark: check cycles of N realistic pages served by nginx on 127.0.0.1, side by side with
a lean reference pipeline (:mod:`benchmarks.reference`).

    python -m benchmarks.cycle --pages 1000            # cycles new, edit, churn, same
    python -m benchmarks.cycle --pages 1000 --cycles 10 --edit-every-cycle   # storage growth

Cycle 1 (``new``): every page is new. ``edit``: 10 % of the pages get a main-text edit and every
page gets boilerplate churn. ``churn``: only the boilerplate changes. ``same``: nothing changes,
the server answers conditional requests with 304. After each cycle the events are checked exactly
(N ``new``; exactly the edited pages as ``content``; nothing else; failing pages are explained from
``status --json``), the reference pipeline runs the same cycle on the same pages (it refetches and
re-extracts everything), and the script prints wall time, CPU time (the run and all its worker
processes), pages/s, peak RSS of the process tree, store size, the wall-time ratio to the reference
and where each page's CPU milliseconds went, stage by stage (:mod:`benchmarks.stages`).
Runs from any directory; needs nginx (Debian: ``apt-get install nginx-light``).

``--requisites`` serves the site's stylesheet (the pages link ``/css/style.css?TOKEN``), two web
fonts and a logo it references, and runs with ``requisites = true``; without it the run has
``requisites = false``. Compare the two for the cost of requisites in a cycle (issue 14).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import page
from benchmarks.nginx import INSTALL_HINT, Nginx, ServerProblem, find_nginx
from benchmarks.stages import breakdown
from pipeline.stagetimes import ENV

EDIT_SHARE = 0.10   # the share of pages whose main text changes in an editing cycle
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
    kind: str = "new"


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


def _run(command: list[str], cwd: Path, extra_env: dict[str, str] | None = None
         ) -> tuple[float, float, float, float, subprocess.CompletedProcess[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # like an installed copy, the run may keep its bytecode (this machine sets
    # PYTHONDONTWRITEBYTECODE, which would recompile every module on every run: ~1 s)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra_env or {})
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    peak = main_peak = 0
    # each process's own CPU, last sampled: worker processes are not always reaped into
    # RUSAGE_CHILDREN (a forkserver's children are its own), and when they are, they are there once
    cpu_seen: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, main_peak
        while not done.is_set():
            tree = _tree(process.pid)
            main_peak = max(main_peak, tree.get(process.pid, (0, 0.0))[0])
            peak = max(peak, sum(_pss(pid) or rss for pid, (rss, _) in tree.items()))
            for pid, (_, cpu) in tree.items():
                cpu_seen[pid] = cpu
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # RUSAGE_CHILDREN holds the run (exact) and the descendants it waited for; the samples hold
    # every process of the tree once, each up to its last sample (≤ 50 ms early). Adding the two
    # counted reaped workers twice (a ProcessPoolExecutor's, the reference's: 29 CPU-s in 8 s of
    # wall on 2 cores); the larger of the two is the tree's CPU.
    reaped = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpu = max(reaped, sum(cpu_seen.values()))
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


def _explain_failures(command: list[str], listed: int = 5) -> str:
    """Why pages failed, from ``status --json``: counts per reason and the first failing pages."""
    done = subprocess.run([*command, "status", "--json"], check=False, capture_output=True,
                          text=True)
    try:
        sources = json.loads(done.stdout)
    except ValueError:
        return f"  (status --json failed: {done.stderr.strip()[:300]})"
    reasons: dict[str, int] = {}
    first: list[str] = []
    for source in sources:
        for failing in source.get("failing", []):
            reason = str(failing.get("last_error") or failing.get("reason") or "failed")
            reasons[reason] = reasons.get(reason, 0) + 1
            if len(first) < listed:
                first.append(f"    {failing.get('url')}: {reason}")
    if not reasons:
        return "  no failing pages in the store: the events differ, not the fetches"
    counted = ", ".join(f"{n} × {reason}" for reason, n in sorted(reasons.items(), key=lambda x: -x[1]))
    return "\n".join([f"  failing pages by reason: {counted}", *first])


def _store_size(db: Path) -> float:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*") if p.is_file()) / 2**20


KINDS = ("new", "edit", "churn", "same")


def _plan(args: argparse.Namespace) -> list[str]:
    """The cycle kinds: ``new``, then ``edit`` (10 %% edited + churn), ``churn`` (boilerplate only),
    ``same`` (byte-identical: 304s), repeated up to ``--cycles``."""
    if args.edit_every_cycle:
        return ["new"] + ["edit"] * (args.cycles - 1)
    return ["new"] + [KINDS[1 + i % 3] for i in range(args.cycles - 1)]


def _reference(root: Path, urls: list[str]
               ) -> tuple[float, float, float, dict[str, int]] | str:
    """One cycle of the lean reference pipeline: wall, CPU, peak MB and its counts (or why not)."""
    listed = root / "urls.txt"
    listed.write_text("\n".join(urls))
    command = [sys.executable, "-m", "benchmarks.reference", "--urls", str(listed),
               "--db", str(root / "reference.db")]
    wall, cpu, peak, _, done = _run(command, Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        return done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
    return wall, cpu, peak, json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=4,
                        help="cycles: new, edit, churn, same, edit, churn, same … (default 4)")
    parser.add_argument("--port", type=int, default=8899)
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here (default: temp)")
    parser.add_argument("--workers", default="auto", help="settings.workers for the run")
    parser.add_argument("--requisites", action="store_true",
                        help="serve the site's stylesheet, fonts and logo and capture them")
    parser.add_argument("--edit-every-cycle", action="store_true",
                        help="every cycle after the first edits 10 %% of the pages (storage growth)")
    parser.add_argument("--no-reference", action="store_true",
                        help="do not run the lean reference pipeline after each cycle")
    parser.add_argument("--no-stages", action="store_true", help="no per-stage breakdown")
    args = parser.parse_args()
    if find_nginx() is None:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    root = args.workdir or Path(tempfile.mkdtemp(prefix="pw-bench-"))
    www = root / "www"
    www.mkdir(parents=True, exist_ok=True)
    if args.requisites:
        _write_requisites(www)
    db = root / "bench.db"
    for stale in [*root.glob("bench.db*"), *root.glob("reference.db*"), *root.glob("stages-*")]:
        stale.unlink()
    revisions = [0] * args.pages
    print(f"generating {args.pages} pages in {www} …", file=sys.stderr)
    _write_corpus(www, args.pages, revisions, churn=0)
    sizes = [p.stat().st_size for p in www.glob("p*.html")]
    server = Nginx(root, [f"127.0.0.1:{args.port}"])
    urls = [f"http://127.0.0.1:{args.port}/p{n}.html" for n in range(args.pages)]
    try:
        server.start()
        server.check(urls[0], (www / "p0.html").read_bytes())
    except ServerProblem as exc:
        server.stop()
        print(exc, file=sys.stderr)
        return 2
    workers = "" if args.workers == "auto" else f"workers = {int(args.workers)}\n"
    (root / "profilewatch.toml").write_text(
        "[settings]\ndelay = 0\nconcurrency = 64\nper_domain_concurrency = 64\nretries = 0\n"
        f"requisites = {'true' if args.requisites else 'false'}\n"
        f"{workers}[[source]]\nname = \"bench\"\nurls = {json.dumps(urls)}\n", encoding="utf-8")
    command = [sys.executable, "-m", "profilewatch", "-q", "--config", str(root / "profilewatch.toml"),
               "--db", f"sqlite:///{db}"]
    results: list[Measure] = []
    references: list[tuple[float, float, float, dict[str, int]] | str] = []
    breakdowns: list[list[str]] = []
    plan = _plan(args)
    try:
        for cycle, kind in enumerate(plan, start=1):
            edited: set[int] = set()
            if kind == "edit":
                stride = round(1 / EDIT_SHARE)
                edited = {n for n in range(args.pages) if (n + cycle) % stride == 0}
                for n in edited:
                    revisions[n] += 1
            if kind in ("edit", "churn"):
                _write_corpus(www, args.pages, revisions, churn=cycle)
            expected = {"new": args.pages} if kind == "new" else (
                {"content": len(edited)} if edited else {})
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            time.sleep(1.0)   # events of this cycle are the ones detected after `since`
            stage_file = root / f"stages-{cycle}.jsonl"
            env = {} if args.no_stages else {ENV: str(stage_file)}
            wall, cpu, tree_peak, main_peak, done = _run([*command, "run"], root, env)
            if done.returncode not in (0, 1):     # 1: some pages failed (explained below)
                print(done.stderr, file=sys.stderr)
                return 1
            events = json.loads(subprocess.run([*command, "changes", "--json", "--since", since],
                                               capture_output=True, text=True, check=True).stdout)
            counts: dict[str, int] = {}
            for event in events:
                counts[event["kind"]] = counts.get(event["kind"], 0) + 1
            if kind == "edit":
                changed = {int(e["url"].rsplit("/p", 1)[1].split(".")[0]) for e in events}
                if changed != edited:
                    print(f"cycle {cycle}: wrong pages changed: {sorted(changed ^ edited)[:10]}",
                          file=sys.stderr)
            results.append(Measure(cycle, wall, cpu, main_peak, tree_peak, _store_size(db), counts,
                                   expected, kind))
            m = results[-1]
            status = "ok" if m.events == m.expected else f"WRONG (expected {m.expected})"
            if m.events != m.expected:
                print(_explain_failures(command), file=sys.stderr)
            line = (f"cycle {cycle} ({kind}): {m.wall:6.2f} s wall, {m.cpu:6.2f} s CPU, "
                    f"{args.pages / m.wall:7.1f} pages/s, peak RSS {m.peak_rss_mb:6.1f} MB "
                    f"(with workers {m.peak_tree_mb:6.1f} MB), "
                    f"store {m.store_mb:6.1f} MB, events {m.events} {status}")
            breakdowns.append([] if args.no_stages else breakdown(stage_file, args.pages, cpu))
            if not args.no_reference:
                references.append(_reference(root, urls))
                ref = references[-1]
                line += (f"; reference: {ref}" if isinstance(ref, str) else
                         f"; reference {ref[0]:6.2f} s wall, {ref[1]:6.2f} s CPU "
                         f"→ ratio {m.wall / ref[0]:.2f}")
            print(line, flush=True)
    finally:
        server.stop()
    edits = plan.count("edit")
    print(f"\npages: {args.pages}, {min(sizes) // 1024}-{max(sizes) // 1024} KB "
          f"(mean {sum(sizes) // len(sizes) // 1024} KB); naive raw copy of every version: "
          f"{sum(sizes) * (1 + edits * EDIT_SHARE) / 2**20:.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| cycle | wall s | CPU s | pages/s | peak RSS MB (run / with workers) | store MB | events "
          "| reference wall s / CPU s | wall ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for i, m in enumerate(results):
        ref = references[i] if i < len(references) else "not run"
        ref_cells = (f"{ref} | –" if isinstance(ref, str)
                     else f"{ref[0]:.2f} / {ref[1]:.2f} | {m.wall / ref[0]:.2f}")
        print(f"| {m.cycle} ({m.kind}) | {m.wall:.2f} | {m.cpu:.2f} | {args.pages / m.wall:.0f} | "
              f"{m.peak_rss_mb:.0f} / {m.peak_tree_mb:.0f} | {m.store_mb:.1f} | "
              f"{', '.join(f'{k} {v}' for k, v in sorted(m.events.items())) or 'none'} | "
              f"{ref_cells} |")
    for m, lines in zip(results, breakdowns, strict=True):
        if lines:
            print(f"\nwhere the CPU went, cycle {m.cycle} ({m.kind}):")
            print("\n".join(lines))
    return 0 if all(m.events == m.expected for m in results) else 1


if __name__ == "__main__":
    sys.exit(main())
