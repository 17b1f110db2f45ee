"""The nightly cycle end to end on a synthetic province, next to a plain DuckDB scan.

    .venv/bin/python -m benchmarks.bench_nightly --customers 1000000 --months 6

Generates the export (cached under benchmarks/out/), imports it into a fresh
database, then times every nightly step, the whole run, and a plain DuckDB scan of
the same input files (the physical floor on this machine), with peak memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import duckdb
from tests.conftest import fresh_pg_database

from weixi.analytics.engines import make_engine as make_analytics_engine
from weixi.analytics.nightly.pipeline import NightlyConfig, build_steps
from weixi.analytics.nightly.runner import RunContext, run_steps
from weixi.clock import SystemClock
from weixi.customers.importer import import_customers, import_products
from weixi.db.migrate import upgrade
from weixi.db.session import make_engine, make_session_factory
from weixi.org.importer import import_org_units, import_staff
from weixi.synth.generate import generate
from weixi.synth.world import SynthConfig

INPUTS = (
    "customers",
    "products",
    "usage_monthly",
    "contacts",
    "customer_cells",
    "cell_kpi_daily",
    "fixed_orders",
)


def peak_rss_gb() -> float:
    kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return kb / 1024 / 1024


def plain_scan(data: Path) -> float:
    con = duckdb.connect()
    con.execute("SET threads=2")
    t0 = time.perf_counter()
    for name in INPUTS:
        con.execute(
            f"SELECT count(*), sum(hash(*)) FROM read_parquet('{data / name}.parquet')"
        ).fetchall()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--months", type=int, default=6)
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    ap.add_argument("--buckets", type=int, default=4)
    a = ap.parse_args()
    data = Path("benchmarks/out") / f"synth-{a.customers}-{a.months}"
    if not (data / "customers.parquet").exists():
        t0 = time.perf_counter()
        generate(SynthConfig(customers=a.customers, months=a.months, seed=1), data)
        print(f"synth {a.customers:,} × {a.months}: {time.perf_counter() - t0:.0f} s")
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_pg_database("nightly") if a.backend == "postgresql" else f"sqlite:///{tmp}/n.db"
        upgrade(url)
        factory = make_session_factory(make_engine(url))
        now = SystemClock().now()
        t0 = time.perf_counter()
        with factory() as s:
            import_org_units(s, data / "org_units.parquet", now=now)
            import_staff(s, data / "staff.parquet", now=now)
            import_customers(s, data / "customers.parquet", now=now)
            import_products(
                s, data / "products.parquet", now=now, customers_file=data / "customers.parquet"
            )
            s.commit()
        print(f"import into {a.backend}: {time.perf_counter() - t0:.0f} s")
        engine = make_analytics_engine("duckdb")
        cfg = NightlyConfig(
            as_of=dt.date(2011, 1, 1),
            data_dir=data,
            var_dir=Path(tmp),
            engine=engine,
            session_factory=factory,
            clock=SystemClock(),
            buckets=a.buckets,
        )
        t0 = time.perf_counter()
        results = run_steps(build_steps(cfg), RunContext(cfg.run_dir))
        total = time.perf_counter() - t0
        engine.close()
    scan = plain_scan(data)
    print(
        f"# {platform.machine()}, {os.cpu_count()} cores; {a.customers:,} customers × "
        f"{a.months} months; backend {a.backend}; buckets {a.buckets}"
    )
    for r in results:
        print(f"  {r.name:<9} {r.seconds:7.1f} s")
    print(
        f"nightly total {total:.1f} s; plain DuckDB scan {scan:.1f} s; ratio {total / scan:.1f}×;"
        f" peak RSS {peak_rss_gb():.2f} GB"
    )


if __name__ == "__main__":
    main()
