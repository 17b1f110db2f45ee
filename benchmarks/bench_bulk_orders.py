"""The nightly path: create N dispatched orders in bulk (not through the API).

    .venv/bin/python -m benchmarks.bench_bulk_orders --orders 400000 --backend both

Prints orders/s per backend; a second pass over the same source keys shows the
idempotent rerun (no inserts).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from tests.conftest import fresh_pg_database

from benchmarks.seed import seed_province
from weixi.clock import utc
from weixi.db.migrate import upgrade
from weixi.db.session import make_engine, make_session_factory
from weixi.workorders.bulk import OrderSpec, create_orders_bulk
from weixi.workorders.service import load_rules


def run(backend: str, n: int, tmp: Path) -> tuple[float, float]:
    url = fresh_pg_database("bulk") if backend == "postgresql" else f"sqlite:///{tmp}/bulk.db"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as s:
        p = seed_province(s, customers_per_county=1, password_hash="-")
        s.commit()
        c = p.customers["JN-LX-0"]
        specs = [
            OrderSpec(
                source_key=f"2026-03-01:warning:{i}",
                kind="warning",
                title="预警",
                customer_id=c.id,
                county_id=c.county_id,
                city_id=c.city_id,
                tier="gold",
                account_manager_id=None if i % 3 else p.staff["JN-LX-am1"].id,
                reasons=[{"feature": "bill_vs_avg_6m", "text_zh": "账单上涨80%"}],
            )
            for i in range(n)
        ]
    timings = []
    for _ in range(2):
        with factory() as s:
            t0 = time.perf_counter()
            create_orders_bulk(s, specs, rules=load_rules(s), now=utc(2026, 3, 1, 18))
            s.commit()
            timings.append(time.perf_counter() - t0)
    engine.dispose()
    return timings[0], timings[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=400_000)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    a = ap.parse_args()
    print(f"# {platform.machine()}, {os.cpu_count()} cores, {a.orders:,} orders")
    for b in ["sqlite", "postgresql"] if a.backend == "both" else [a.backend]:
        with tempfile.TemporaryDirectory() as tmp:
            first, again = run(b, a.orders, Path(tmp))
        print(
            f"{b:10} create {first:6.1f} s ({a.orders / first:8,.0f} orders/s)   "
            f"rerun (all exist) {again:5.1f} s"
        )


if __name__ == "__main__":
    main()
