"""COPY of an Arrow table into PostgreSQL: binary format against CSV, side by side.

    .venv/bin/python -m benchmarks.bench_copy --rows 1000000 --rounds 3

What `weixi.db.bulk.copy_arrow` does on the nightly dispatch's widest write: customer
standings (integer id, three short strings, two dates, a float, a flag, JSON reasons on
one row in twenty, the first placement). Each round COPYs the same table into an empty
copy of `customer_standing` (its indexes, no rows), once as CSV and once in the binary
format, in alternating order so that a change of the machine's load hits both alike, and
reports the wall time and this process's CPU time of each; the server's share is about
the difference (one COPY at a time, the client waits while the server works).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import time

import numpy as np
import pyarrow as pa
from sqlalchemy import Connection, text
from tests.conftest import drop_pg_database, fresh_pg_database

from weixi.db import bulk
from weixi.db.migrate import upgrade
from weixi.db.session import make_engine


def standings(rows: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    night = dt.date(2011, 1, 1)
    reasons = json.dumps(
        [{"feature": "bill_shock", "text_zh": "账单较6个月均值上涨80%", "contribution": 0.61}],
        ensure_ascii=False,
    )
    tiers = rng.choice(["mass", "silver", "gold", "vip"], rows, p=[0.7, 0.2, 0.08, 0.02])
    stages = rng.choice(["onboarding", "stable", "warning"], rows, p=[0.05, 0.91, 0.04])
    return pa.table(
        {
            "customer_id": pa.array(np.arange(1, rows + 1), pa.int64()),
            "tier": pa.array(tiers),
            "tier_rule": pa.array(np.char.add("tier rule: ", tiers)),
            "lifecycle_stage": pa.array(stages),
            "churn_score": pa.array(rng.random(rows)),
            "scored_on": pa.array([night] * rows, pa.date32()),
            "control_group": pa.array(rng.random(rows) < 0.01),
            "stage_since": pa.array([night] * rows, pa.date32()),
            "churn_reasons": pa.array(np.where(rng.random(rows) < 0.05, reasons, None)),
            "placed_on": pa.array([night] * rows, pa.date32()),
            "placed_tier": pa.array(tiers),
        }
    )


def timed_copy(conn: Connection, rows: pa.Table, binary: bool) -> tuple[float, float]:
    conn.execute(text("TRUNCATE copy_target"))
    conn.commit()
    wall, cpu = time.perf_counter(), time.process_time()
    bulk.copy_arrow(conn, "copy_target", rows, binary=binary)
    conn.commit()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    url = fresh_pg_database("bench_copy")
    upgrade(url)
    engine = make_engine(url)
    rows = standings(a.rows)
    print(
        f"# {platform.machine()}, {os.cpu_count()} cores, load "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; {a.rows:,} standing rows"
    )
    results: dict[str, list[tuple[float, float]]] = {"csv": [], "binary": []}
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE TABLE copy_target (LIKE customer_standing INCLUDING ALL)"))
            conn.commit()
            for r in range(a.rounds):
                order = ("csv", "binary") if r % 2 == 0 else ("binary", "csv")
                for name in order:
                    results[name].append(timed_copy(conn, rows, binary=name == "binary"))
    finally:
        engine.dispose()
        drop_pg_database(url)
    print("| format | wall s (each round) | client CPU s (each round) | median wall |")
    print("|---|---|---|---:|")
    for name, runs in results.items():
        walls = ", ".join(f"{w:.2f}" for w, _ in runs)
        cpus = ", ".join(f"{c:.2f}" for _, c in runs)
        print(f"| {name} | {walls} | {cpus} | {np.median([w for w, _ in runs]):.2f} |")
    csv_wall = np.median([w for w, _ in results["csv"]])
    print(
        f"binary / csv, median wall: {np.median([w for w, _ in results['binary']]) / csv_wall:.2f}"
    )


if __name__ == "__main__":
    main()
