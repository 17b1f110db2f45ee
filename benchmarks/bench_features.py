"""Benchmark of the nightly features step (issue 4) against a plain DuckDB scan.

Run: ``.venv/bin/python -m benchmarks.bench_features --customers 1000000 --months 7``
(add ``--report docs/benchmarks.md`` to append the results section). Uses ``--data DIR``
if given, else generates the export with ``weixi synth`` first.

Each measurement runs in a fresh child process, which reports its own wall time, CPU time
and peak resident memory (``resource.getrusage`` ``ru_maxrss``, or the sampled process tree
if larger: the Spark JVM is a child process; ``--spark`` adds a Spark local-mode run).
The plain scan reads every column of every input file the features read (the max of each
column), the physical floor for this machine; the cache is warmed by one scan before
measuring. Ratios are features / scan, in wall time and in CPU time; the machine's load
average is recorded, because other work on a shared machine inflates wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

SECTION = "## Nightly features (issue 4)"


def _scan(data: Path) -> dict[str, Any]:
    from weixi.analytics.engines.base import export_sources
    from weixi.analytics.engines.duckdb_engine import DuckDBEngine, scan_expression
    from weixi.analytics.features import FEATURE_INPUTS

    con = DuckDBEngine(memory_limit="4GB", threads=2).connect()
    rows = 0
    for source in export_sources(data, FEATURE_INPUTS).values():
        names = [
            r[0]
            for r in con.execute(f"DESCRIBE SELECT * FROM {scan_expression(source)}").fetchall()
        ]
        columns = ", ".join(f'max("{name}")' for name in names)
        result = con.execute(f"SELECT count(*), {columns} FROM {scan_expression(source)}")
        rows += int(result.fetchall()[0][0])
    con.close()
    return {"input_rows": rows}


def _features(
    data: Path, as_of: dt.date, buckets: int, memory_limit: str, engine_name: str
) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from weixi.analytics.engines import make_engine
    from weixi.analytics.features import compute_features

    if engine_name == "spark":
        engine = make_engine("spark", driver_memory=memory_limit.lower().replace("gb", "g"))
    else:
        engine = make_engine("duckdb", memory_limit=memory_limit, threads=2)
    with tempfile.TemporaryDirectory() as tmp:
        out = compute_features(engine, data, as_of, Path(tmp) / "features", buckets)
        rows = sum(pq.read_metadata(part).num_rows for part in out.glob("*.parquet"))
    engine.close()
    return {"output_rows": rows}


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and its descendants (the Spark JVM is a child)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = dict(
                line.split(":", 1) for line in (entry / "status").read_text().splitlines()
            )
        except (OSError, ValueError):
            continue
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip())
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    family, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in family} - family
        family |= more
        grew = bool(more)
    return sum(rss.get(pid, 0) for pid in family)


class _Sampler(threading.Thread):
    """Samples the process tree's resident memory every 0.5 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.peak_kb = max(self.peak_kb, _tree_rss_kb(os.getpid()))


def child(args: argparse.Namespace) -> None:
    """One measurement in this (fresh) process; prints a JSON line."""
    sampler = _Sampler()
    sampler.start()
    started = time.perf_counter()
    if args.phase == "scan":
        extra = _scan(args.data)
    else:
        extra = _features(args.data, args.as_of, args.buckets, args.memory_limit, args.engine)
    wall = time.perf_counter() - started
    sampler.done.set()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb = max(usage.ru_maxrss, sampler.peak_kb) / 1024
    cpu = usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime
    print(json.dumps({"wall_s": wall, "peak_rss_mb": peak_mb, "cpu_s": cpu, **extra}))


def measure(phase: str, args: argparse.Namespace, **kw: Any) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.bench_features", "--phase", phase,
           "--data", str(args.data), "--as-of", args.as_of.isoformat(),
           "--buckets", str(kw.get("buckets", args.buckets)),
           "--memory-limit", kw.get("memory_limit", args.memory_limit),
           "--engine", kw.get("engine", "duckdb")]  # fmt: skip
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["load"] = os.getloadavg()[0]
    return result


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )  # fmt: skip
    return f"nproc {os.cpu_count()}, CPU {cpu}, RAM {mem_kb / 1024 / 1024:.1f} GiB"


def ensure_data(args: argparse.Namespace) -> None:
    if args.data is not None and (args.data / "customers.parquet").exists():
        return
    args.data = args.data or Path(f"var/bench/synth-{args.customers}")
    weixi = Path(sys.executable).parent / "weixi"
    subprocess.run(
        [str(weixi), "synth", "--customers", str(args.customers), "--months", str(args.months),
         "--seed", "4", "--out", str(args.data)],
        check=True,
    )  # fmt: skip


def report(args: argparse.Namespace, rows: list[tuple[str, dict[str, Any]]]) -> str:
    scan = rows[0][1]
    lines = [
        SECTION,
        "",
        f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on: {machine()}. "
        f"Command: `python -m benchmarks.bench_features --data {args.data} "
        f"--as-of {args.as_of}` (export from `weixi synth`, {args.customers:,} customers, "
        f"{scan['input_rows']:,} input rows in the 7 tables the features read; "
        f"{rows[-1][1].get('output_rows', 0):,} customers featured).",
        "",
        "| Run | Wall s | Wall ratio | CPU s | CPU ratio | Peak RSS MB | Load avg |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in rows:
        wall_ratio = r["wall_s"] / scan["wall_s"]
        cpu_ratio = r["cpu_s"] / scan["cpu_s"]
        lines.append(
            f"| {name} | {r['wall_s']:.1f} | {wall_ratio:.1f}× | {r['cpu_s']:.1f} "
            f"| {cpu_ratio:.1f}× | {r['peak_rss_mb']:.0f} | {r['load']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=7)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2010, 12, 1))
    parser.add_argument("--buckets", type=int, default=4)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--phase", choices=["scan", "features"])
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    parser.add_argument("--spark", action="store_true", help="also time the Spark engine")
    parser.add_argument("--report", type=Path, help="append the section to this Markdown file")
    args = parser.parse_args(argv)
    if args.phase:
        child(args)
        return
    ensure_data(args)
    measure("scan", args)  # warm the page cache
    rows = [("plain DuckDB scan of the inputs", measure("scan", args))]
    for buckets in sorted({1, args.buckets}):
        limit = "16GB" if buckets == 1 else args.memory_limit
        result = measure("features", args, buckets=buckets, memory_limit=limit)
        rows.append((f"features, DuckDB, {buckets} bucket(s), memory_limit {limit}", result))
    if args.spark:
        result = measure("features", args, engine="spark", memory_limit="6g")
        rows.append(("features, Spark local[2], driver memory 6g", result))
    text = report(args, rows)
    print(text)
    if args.report:
        with args.report.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
