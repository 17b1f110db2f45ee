"""The nightly cycle end to end on a synthetic province, next to a plain DuckDB scan.

    .venv/bin/python -m benchmarks.bench_nightly --customers 1000000 --months 6

Phases, each in a child process of its own so that its wall time, CPU time and peak
resident memory are its own (``os.wait4``):

1. ``synth``: the export, generated once and cached under ``benchmarks/out/``;
2. ``import``: org, staff, customers and products into a fresh operational database
   (skipped when ``--db-url`` names one that already holds the customers);
3. ``train``: the churn model, once (``weixi model train``'s work; a normal night finds
   a model and does not train);
4. ``night``: ``weixi nightly`` for each ``--as-of`` date, step by step;
5. ``scan``: a plain DuckDB scan of the same input files, the physical floor.

PostgreSQL's own memory (a separate server) is not in the peak; DuckDB's is (in-process).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

INPUTS = (
    "customers",
    "products",
    "usage_monthly",
    "contacts",
    "customer_cells",
    "cell_kpi_daily",
    "fixed_orders",
)


# ---------------------------------------------------------------- phases (child side)
def _factory(url: str):  # type: ignore[no-untyped-def]
    from weixi.db.session import make_engine, make_session_factory

    return make_session_factory(make_engine(url))


def phase_import(data: Path, url: str) -> dict[str, object]:
    from sqlalchemy import func, select

    from weixi.clock import SystemClock
    from weixi.customers.importer import import_customers, import_products
    from weixi.customers.models import Customer
    from weixi.db.migrate import upgrade
    from weixi.org.importer import import_org_units, import_staff

    upgrade(url)
    factory = _factory(url)
    with factory() as s:
        if s.scalar(select(func.count()).select_from(Customer)):
            return {"skipped": "customers already imported"}
    now = SystemClock().now()
    with factory() as s:
        import_org_units(s, data / "org_units.parquet", now=now)
        import_staff(s, data / "staff.parquet", now=now)
        customers = import_customers(s, data / "customers.parquet", now=now)
        products = import_products(
            s, data / "products.parquet", now=now, customers_file=data / "customers.parquet"
        )
        s.commit()
    return {"customers": customers.inserted, "products": products.inserted}


def phase_train(
    data: Path, var: Path, as_of: dt.date, buckets: int, engine_name: str
) -> dict[str, object]:
    from weixi.analytics.engines import make_engine as make_analytics_engine
    from weixi.analytics.nightly import scoring

    if scoring.latest_model(var / "models") is not None:
        return {"skipped": "a model exists"}
    engine = make_analytics_engine(engine_name)
    path = scoring.train_from_export(
        engine, data, as_of, var / "training", var / "models", buckets=buckets
    )
    engine.close()
    return {"model": path.name}


def phase_night(
    data: Path, var: Path, url: str, as_of: dt.date, buckets: int, engine_name: str
) -> dict[str, object]:
    from weixi.analytics.engines import make_engine as make_analytics_engine
    from weixi.analytics.nightly.pipeline import NightlyConfig, build_steps
    from weixi.analytics.nightly.runner import RunContext, run_steps
    from weixi.clock import SystemClock

    engine = make_analytics_engine(engine_name)
    cfg = NightlyConfig(
        as_of=as_of,
        data_dir=data,
        var_dir=var,
        engine=engine,
        session_factory=_factory(url),
        clock=SystemClock(),
        buckets=buckets,
    )
    results = run_steps(build_steps(cfg), RunContext(cfg.run_dir))
    engine.close()
    return {"steps": {r.name: round(r.seconds, 1) for r in results}}


def phase_scan(data: Path) -> dict[str, object]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads=2")
    rows = 0
    for name in INPUTS:
        rows += con.execute(
            f"SELECT count(*), max(COLUMNS(*)) FROM read_parquet('{data / name}.parquet')"
        ).fetchone()[0]  # type: ignore[index]
    return {"rows": rows}


def child(argv: list[str]) -> None:
    phase, *rest = argv
    data, var, url, as_of, buckets, engine = (
        Path(rest[0]),
        Path(rest[1]),
        rest[2],
        rest[3],
        int(rest[4]),
        rest[5],
    )
    day = dt.date.fromisoformat(as_of)
    if phase == "import":
        out = phase_import(data, url)
    elif phase == "train":
        out = phase_train(data, var, day, buckets, engine)
    elif phase == "night":
        out = phase_night(data, var, url, day, buckets, engine)
    else:
        out = phase_scan(data)
    print("RESULT " + json.dumps(out, default=str), flush=True)


# ---------------------------------------------------------------- orchestration
def run_phase(name: str, args: list[str]) -> dict[str, object]:
    """Run one phase in a child; its wall, CPU and peak RSS beside what it returned."""
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_nightly", "--child", name, *args],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "OMP_WAIT_POLICY": "passive"},
    )
    assert proc.stdout is not None
    result: dict[str, object] = {}
    for line in proc.stdout:
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT ") :])
        else:
            sys.stderr.write(line)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"phase {name} failed ({proc.returncode})")
    return {
        "phase": name,
        "wall_s": round(time.perf_counter() - t0, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_gb": round(usage.ru_maxrss / 1024 / 1024, 2),
        "load_before": round(load, 1),
        "load_after": round(os.getloadavg()[0], 1),
        **result,
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=6)
    ap.add_argument("--buckets", type=int, default=4)
    ap.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    ap.add_argument("--skip-scan", action="store_true")
    ap.add_argument(
        "--models-from", type=Path, default=None, help="copy this var dir's models (no training)"
    )
    ap.add_argument("--db-url", default="", help="reuse this database (default: a fresh one)")
    ap.add_argument("--var", type=Path, default=None, help="models and runs (default: fresh)")
    ap.add_argument("--as-of", nargs="+", default=["2011-01-01"], help="one night per date")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    a = ap.parse_args()
    data = Path("benchmarks/out") / f"synth-{a.customers}-{a.months}"
    tag = f"{a.customers}-{a.months}"
    var = a.var or Path("benchmarks/out") / f"var-{tag}-{int(time.time())}"
    var.mkdir(parents=True, exist_ok=True)
    if a.models_from is not None and not (var / "models").exists():
        shutil.copytree(a.models_from / "models", var / "models")
    url = a.db_url
    if not url:
        from tests.conftest import fresh_pg_database

        url = fresh_pg_database(f"nightly_{a.customers}")
    results: list[dict[str, object]] = []
    if not (data / "customers.parquet").exists():
        from weixi.synth.generate import generate
        from weixi.synth.world import SynthConfig

        t0 = time.perf_counter()
        generate(SynthConfig(customers=a.customers, months=a.months, seed=1), data)
        results.append({"phase": "synth", "wall_s": round(time.perf_counter() - t0, 1)})
    common = [str(data), str(var), url]
    first, tail = a.as_of[0], [str(a.buckets), a.engine]
    results.append(run_phase("import", [*common, first, *tail]))
    results.append(run_phase("train", [*common, first, *tail]))
    for day in a.as_of:
        results.append({**run_phase("night", [*common, day, *tail]), "as_of": day})
    if not a.skip_scan:
        results.append(run_phase("scan", [*common, first, *tail]))
    print(
        f"# {platform.machine()}, {os.cpu_count()} cores; {a.customers:,} customers × "
        f"{a.months} months; PostgreSQL; {a.engine} with {a.buckets} buckets"
    )
    for r in results:
        print(json.dumps(r, default=str))
    if a.json:
        a.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
