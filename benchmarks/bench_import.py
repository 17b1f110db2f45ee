"""`weixi customers import` at scale: customers + products into a fresh database.

    .venv/bin/weixi synth --customers 1000000 --months 1 --seed 1 --out /tmp/imp1m
    .venv/bin/python -m benchmarks.bench_import /tmp/imp1m --backend both

For each export directory and backend: org units and staff first (untimed), then the
timed import of customers and of products (one transaction, as the CLI does), then a
re-import of the same files (everything unchanged). Beside it, in the same run, the time
to read the same files with plain pyarrow and to validate them (no database), so the
import's cost can be read as a ratio to the reading; and the CPU seconds of the client
(all its threads) and of the PostgreSQL backend (not its parallel index-build workers),
which depend less than wall time on what else the machine runs. Give several
directories of different sizes to see that the time grows linearly.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import text
from tests.conftest import drop_pg_database, fresh_pg_database

from weixi.clock import SystemClock
from weixi.customers.importer import import_customers, import_products
from weixi.db.migrate import upgrade
from weixi.db.session import make_engine, make_session_factory
from weixi.importing import ImportReport
from weixi.ingest.validate import iter_validated
from weixi.org.importer import import_org_units, import_staff

FILES = ("customers", "products")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def read_plain(export: Path) -> dict[str, float]:
    out = {}
    for name in FILES:
        t0 = time.perf_counter()
        pq.read_table(export / f"{name}.parquet")
        out[name] = time.perf_counter() - t0
    return out


def validate_only(export: Path) -> dict[str, float]:
    out = {}
    for name in FILES:
        t0 = time.perf_counter()
        for _ in iter_validated(export / f"{name}.parquet", name):
            pass
        out[name] = time.perf_counter() - t0
    return out


def _backend_cpu(pid: int | None) -> float:
    """CPU seconds used so far by a PostgreSQL backend process on this machine."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def import_pass(factory: object, export: Path) -> tuple[dict[str, float], list[ImportReport]]:
    timings: dict[str, float] = {}
    now = SystemClock().now()
    with factory() as s:  # type: ignore[operator]
        pg = s.get_bind().dialect.name == "postgresql"
        pid = s.execute(text("SELECT pg_backend_pid()")).scalar() if pg else None
        cpu0, server0 = time.process_time(), _backend_cpu(pid)
        t0 = time.perf_counter()
        customers = import_customers(s, export / "customers.parquet", now=now)
        timings["customers"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        products = import_products(
            s, export / "products.parquet", now=now, customers_file=export / "customers.parquet"
        )
        timings["products"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        s.commit()
        timings["commit"] = time.perf_counter() - t0
        timings["cpu_client"] = time.process_time() - cpu0
        timings["cpu_server"] = _backend_cpu(pid) - server0
    return timings, [customers, products]


def run(backend: str, export: Path, tmp: Path) -> None:
    url = fresh_pg_database("import") if backend == "postgresql" else f"sqlite:///{tmp}/imp.db"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as s:
        now = SystemClock().now()
        import_org_units(s, export / "org_units.parquet", now=now)
        import_staff(s, export / "staff.parquet", now=now)
        s.commit()
    for label in ("first import", "re-import"):
        load = _load()
        timings, reports = import_pass(factory, export)
        total = timings["customers"] + timings["products"] + timings["commit"]
        print(
            f"  {backend:10} {label:12} {total:6.1f} s  (load before: {load}; CPU s: "
            f"client {timings['cpu_client']:.1f}, server {timings['cpu_server']:.1f})"
        )
        for r in reports:
            print(
                f"    {Path(r.file).stem:10} {timings[Path(r.file).stem]:6.1f} s  "
                f"read {r.rows_read:,}  inserted {r.inserted:,}  updated {r.updated:,}  "
                f"unchanged {r.unchanged:,}  quarantined {r.quarantined:,}"
            )
        print(f"    commit     {timings['commit']:6.1f} s")
    engine.dispose()
    if backend == "postgresql":
        drop_pg_database(url)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("exports", type=Path, nargs="+", help="directories made by weixi synth")
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    a = ap.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    for export in a.exports:
        rows = {n: pq.read_metadata(export / f"{n}.parquet").num_rows for n in FILES}
        print(f"## {export}: " + ", ".join(f"{v:,} {k}" for k, v in rows.items()))
        plain, valid = read_plain(export), validate_only(export)
        print(
            "  plain pyarrow read "
            + ", ".join(f"{k} {v:.2f} s" for k, v in plain.items())
            + f"  (total {sum(plain.values()):.2f} s)"
        )
        print(
            "  validation only    "
            + ", ".join(f"{k} {v:.2f} s" for k, v in valid.items())
            + f"  (total {sum(valid.values()):.2f} s)"
        )
        for b in ["sqlite", "postgresql"] if a.backend == "both" else [a.backend]:
            with tempfile.TemporaryDirectory() as tmp:
                run(b, export, Path(tmp))


if __name__ == "__main__":
    main()
