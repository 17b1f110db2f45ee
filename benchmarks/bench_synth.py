"""Benchmark of the synthetic operator generator (issue 3).

Run: ``.venv/bin/python -m benchmarks.bench_synth --customers 1000000 --months 12``
(add ``--report docs/benchmarks.md`` to write the results section).

Runs ``weixi synth`` under ``/usr/bin/time -v`` and, because ``time`` reports the largest
single process while the generator uses worker processes, also samples the resident memory
of the whole process tree (parent plus workers) every 0.2 s from /proc. The machine's load
average is recorded before and after: other work on the machine slows the run.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

SECTION = "## Synthetic operator (issue 3)"


@dataclass
class Result:
    customers: int
    months: int
    wall_s: float
    cpu_s: float
    time_max_rss_mb: float
    tree_peak_rss_mb: float
    sizes: dict[str, int]
    load_before: float
    load_after: float


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(re.search(r"^PPid:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
        found = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = int(found.group(1)) if found else 0
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run(customers: int, months: int, out: Path, seed: int, workers: int) -> Result:
    weixi = Path(sys.executable).parent / "weixi"
    cmd = ["/usr/bin/time", "-v", str(weixi), "synth", "--customers", str(customers),
           "--months", str(months), "--seed", str(seed), "--out", str(out),
           "--workers", str(workers)]  # fmt: skip
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"weixi synth failed:\n{err}")
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", err).group(1))  # type: ignore[union-attr]
    system = float(re.search(r"System time \(seconds\): ([\d.]+)", err).group(1))  # type: ignore[union-attr]
    max_rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))  # type: ignore[union-attr]
    sizes = {p.name: p.stat().st_size for p in sorted(out.rglob("*.parquet"))}
    return Result(customers, months, wall, user + system, max_rss / 1024, peak / 1024, sizes,
                  load_before, os.getloadavg()[0])  # fmt: skip


def render(results: list[Result]) -> str:
    cpu = platform.processor() or platform.machine()
    lines = [
        SECTION,
        "",
        f"`benchmarks/bench_synth.py` on this machine ({os.cpu_count()} cores, {cpu}, "
        f"Python {platform.python_version()}); `weixi synth` with 2 worker processes, Parquet "
        "(zstd level 1). *time max RSS* is `/usr/bin/time -v`'s figure (the largest single "
        "process); *tree peak* sums the parent and its workers, sampled every 0.2 s. Load is "
        "the 1-minute load average before → after: other engineers' jobs shared the 2 cores.",
        "",
        "| customers | months | wall | CPU (user+sys) | time max RSS | tree peak RSS | output "
        "| load |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        total = sum(r.sizes.values()) / 1e6
        lines.append(
            f"| {r.customers:,} | {r.months} | {r.wall_s:.1f} s | {r.cpu_s:.1f} s | "
            f"{r.time_max_rss_mb:,.0f} MB | {r.tree_peak_rss_mb:,.0f} MB | {total:,.0f} MB | "
            f"{r.load_before:.1f} → {r.load_after:.1f} |"
        )
    last = results[-1]
    lines += ["", f"File sizes at {last.customers:,} customers:", ""]
    lines += [f"- `{name}`: {size / 1e6:,.1f} MB" for name, size in last.sizes.items()]
    return "\n".join(lines) + "\n"


def write_section(report: Path, text: str, notes: str) -> None:
    """Replace this benchmark's section of the report (or append it), leaving the rest."""
    body = text + ("\n" + notes.strip() + "\n" if notes else "")
    current = report.read_text(encoding="utf-8") if report.exists() else "# Benchmarks\n"
    start = current.find(SECTION)
    if start < 0:
        updated = current.rstrip("\n") + "\n\n" + body
    else:
        nxt = current.find("\n## ", start + len(SECTION))
        tail = "" if nxt < 0 else current[nxt:]
        updated = current[:start] + body + tail
    report.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="keep the output here")
    parser.add_argument("--report", type=Path, default=None)
    parser.add_argument("--notes", type=Path, default=None, help="text appended to the section")
    args = parser.parse_args()
    results = []
    for n in args.customers:
        out = args.out or Path(tempfile.mkdtemp(prefix="bench_synth_"))
        try:
            results.append(run(n, args.months, out / f"n{n}", args.seed, args.workers))
        finally:
            if args.out is None:
                shutil.rmtree(out, ignore_errors=True)
        print(render(results))
    if args.report:
        notes = args.notes.read_text(encoding="utf-8") if args.notes else ""
        write_section(args.report, render(results), notes)


if __name__ == "__main__":
    main()
