"""Export-file validation as the nightly ingest step runs it, old code against new.

    .venv/bin/python -m benchmarks.bench_ingest_validate benchmarks/out/synth-10000000-6
    .venv/bin/python -m benchmarks.bench_ingest_validate EXPORT --files customer_cells --which new

"Old" is `weixi.ingest.validate` as committed at ``--rev`` (default HEAD), loaded from
``git show`` into a temporary module; "new" is the working tree. For each, as
`_Steps.ingest` does: the known ids of every file, read once through one cache (timed as
its own row), then `validate_file` with the clean copy and the quarantine written to a
temporary directory. Files run one at a time, largest first, so that each file's wall and
CPU seconds (the whole process: Arrow's and DuckDB's threads too) are its own; with
``--pool`` the files run in two threads as in the step, and only totals are shown. Old and
new alternate file by file, so that a change in the machine's load hits both alike.

First, unless ``--no-check``: old and new must give the same good rows and quarantine
records on a small synthetic export (its clean Parquet files and its corrupted CSV copy),
at the default batch size and at small ones (keys repeated across batches).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import weixi.ingest.validate as new_validate
from weixi.ingest.schema import TABLES
from weixi.synth import SynthConfig, generate
from weixi.synth.corrupt import CORRUPT_DIR

SMALL = SynthConfig(customers=20_000, months=3, seed=3, corrupt=True, workers=1)
CHECK_BATCHES = (1 << 20, 1500, 97)


def load_old(rev: str) -> ModuleType:
    """The validator module as committed at ``rev``, as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{rev}:src/weixi/ingest/validate.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "validate_old.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("weixi_ingest_validate_old", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


def _find(directory: Path, name: str) -> Path | None:
    for suffix in (".parquet", ".csv"):
        if (directory / f"{name}{suffix}").exists():
            return directory / f"{name}{suffix}"
    return None


def export_files(directory: Path, only: list[str] | None = None) -> dict[str, Path]:
    """The importable files of an export, largest first (the order the step uses)."""
    files = {
        name: path
        for name, table in TABLES.items()
        if not table.truth and (only is None or name in only)
        if (path := _find(directory, name)) is not None
    }
    return dict(sorted(files.items(), key=lambda kv: kv[1].stat().st_size, reverse=True))


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def known_ids(module: ModuleType, directory: Path, files: dict[str, Path]) -> dict[str, Any]:
    cache: dict[str, Any] = {}
    return {n: module.known_ids_for(TABLES[n], directory, cache=cache) for n in files}


def validate(
    module: ModuleType, name: str, path: Path, known: dict[str, Any], out: Path, batch: int
) -> Any:
    return module.validate_file(
        path,
        TABLES[name],
        known=known[name],
        good_out=out / f"{name}.parquet",
        quarantine_out=out / f"{name}.quarantine.parquet",
        batch_rows=batch,
    )


# --- Equality check -----------------------------------------------------------------------


REPEATED = ("customers", "customer_cells", "products")


def with_repeats(small: Path, out: Path, *, seed: int = 1) -> Path:
    """Some of ``small``'s files again, shuffled, with a twentieth of their rows repeated (in
    the same batch or a later one) and the first column (an id) broken in one row of a
    hundred: a broken row fails a check and must not claim its key for a later copy."""
    out.mkdir()
    rng = np.random.default_rng(seed)
    for name in REPEATED:
        rows = pq.read_table(small / f"{name}.parquet")
        n = rows.num_rows
        picks = np.concatenate([np.arange(n), rng.integers(0, n, n // 20)])
        rng.shuffle(picks)
        rows = rows.take(picks)
        ids = rows.column(0).to_pylist()
        for i in rng.integers(0, len(ids), len(ids) // 100):
            ids[i] = f"!{ids[i]}"
        rows = rows.set_column(0, rows.schema.field(0), pa.array(ids, pa.string()))
        pq.write_table(rows, out / f"{name}.parquet")
    return out


def check_equal(old: ModuleType, small: Path, repeats: Path) -> bool:
    """Old and new agree on every file of the small export, of its corrupted copy and of
    the copy with repeated keys."""
    same = True
    for directory in (small, small / CORRUPT_DIR, repeats):
        files = export_files(directory)
        known = {m: known_ids(m, small, files) for m in (old, new_validate)}
        for name, path in files.items():
            for batch in CHECK_BATCHES:
                outputs = []
                with tempfile.TemporaryDirectory() as tmp:
                    for m in (old, new_validate):
                        out = Path(tmp) / m.__name__
                        out.mkdir()
                        report = validate(m, name, path, known[m], out, batch)
                        good = pq.read_table(out / f"{name}.parquet")
                        bad = pq.read_table(out / f"{name}.quarantine.parquet")
                        outputs.append((report.rows_good, report.rows_quarantined, good, bad))
                (g0, q0, good0, bad0), (g1, q1, good1, bad1) = outputs
                ok = g0 == g1 and q0 == q1 and good0.equals(good1) and bad0.equals(bad1)
                same &= ok
                if not ok or batch == CHECK_BATCHES[0]:
                    print(
                        f"  {'same' if ok else 'DIFFERENT'}  {path.parent.name}/{path.name} "
                        f"batch {batch}: good {g1:,}, quarantined {q1:,} "
                        f"({bad1.num_rows:,} records)"
                    )
    return same


# --- Timing -------------------------------------------------------------------------------


def time_files(
    modules: dict[str, ModuleType], export: Path, files: dict[str, Path]
) -> dict[str, dict[str, tuple[int, float, float]]]:
    """Per module and file (and "known ids"): rows, wall s, CPU s, one file at a time."""
    rows: dict[str, dict[str, tuple[int, float, float]]] = {label: {} for label in modules}
    known: dict[str, dict[str, Any]] = {}
    for label, module in modules.items():
        known[label], wall, cpu = _timed(lambda m=module: known_ids(m, export, files))
        rows[label]["known ids"] = (0, wall, cpu)
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in files.items():
            for label, module in modules.items():
                out = Path(tmp) / label
                out.mkdir(exist_ok=True)
                report, wall, cpu = _timed(
                    lambda m=module, n=name, p=path, k=known[label], o=out: validate(
                        m, n, p, k, o, 1 << 20
                    )
                )
                rows[label][name] = (report.rows_read, wall, cpu)
                print(
                    f"  {label:4} {name:16} {report.rows_read:>12,} rows {wall:7.2f} s wall "
                    f"{cpu:7.2f} s CPU  (quarantined {report.rows_quarantined:,})",
                    flush=True,
                )
    return rows


def time_pool(module: ModuleType, export: Path, files: dict[str, Path]) -> tuple[float, float]:
    """Wall and CPU seconds of the whole step: known ids, then two threads, largest first."""

    def step() -> None:
        known = known_ids(module, export, files)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            with ThreadPoolExecutor(max_workers=2) as pool:
                list(pool.map(lambda n: validate(module, n, files[n], known, out, 1 << 20), files))

    _, wall, cpu = _timed(step)
    return wall, cpu


def summary(rows: dict[str, dict[str, tuple[int, float, float]]]) -> None:
    labels = list(rows)
    print(
        f"\n  {'file':16} {'rows':>12}"
        + "".join(f"  {lb + ' wall':>9} {lb + ' CPU':>9}" for lb in labels)
    )
    names = list(next(iter(rows.values())))
    totals = {lb: [0.0, 0.0] for lb in labels}
    for name in names:
        line = f"  {name:16} {rows[labels[0]][name][0]:>12,}"
        for lb in labels:
            _, wall, cpu = rows[lb][name]
            totals[lb][0] += wall
            totals[lb][1] += cpu
            line += f"  {wall:9.2f} {cpu:9.2f}"
        print(line)
    print(f"  {'total':16} {'':>12}" + "".join(f"  {w:9.2f} {c:9.2f}" for w, c in totals.values()))
    if len(labels) == 2:
        (w0, c0), (w1, c1) = totals.values()
        print(f"  new/old: wall {w1 / w0:.2f}, CPU {c1 / c0:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("export", type=Path, help="directory made by weixi synth (e.g. 10 M)")
    ap.add_argument("--files", nargs="*", help="only these tables (default: all)")
    ap.add_argument("--which", choices=["old", "new", "both"], default="both")
    ap.add_argument("--rev", default="HEAD", help="git revision of the old validator")
    ap.add_argument("--small", type=Path, help="small corrupted export (made if absent)")
    ap.add_argument("--no-check", action="store_true", help="skip the equality check")
    ap.add_argument("--pool", action="store_true", help="also time the step as a whole")
    a = ap.parse_args()
    old = load_old(a.rev)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    if not a.no_check:
        with tempfile.TemporaryDirectory() as tmp:
            small = a.small or Path(tmp) / "small"
            if not small.exists():
                generate(SMALL, small)
            print(f"## equality check on {small}")
            repeats = with_repeats(small, Path(tmp) / "repeats")
            if not check_equal(old, small, repeats):
                raise SystemExit("old and new validators disagree")
            print("  old and new agree on every file and batch size")
    modules = {"old": old, "new": new_validate}
    if a.which != "both":
        modules = {a.which: modules[a.which]}
    files = export_files(a.export, a.files)
    print(f"## {a.export}: {len(files)} files, one at a time")
    summary(time_files(modules, a.export, files))
    if a.pool:
        for label, module in modules.items():
            wall, cpu = time_pool(module, a.export, files)
            print(f"  {label} as the step (2 threads): {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
