"""Console pages at demo scale: p50/p95 per page with TestClient, on SQLite or PostgreSQL.

Seeds the test province (tests.factories) with ``--customers`` customers spread over its
three counties, each with three contacts, two cells and 12 months of usage and bills
(written as the export's ``usage_monthly.parquet`` and loaded by the real importer, whose
time is printed), and ``--orders`` work orders of every kind and status, then times each
page ``--repeat`` times. The dashboard is timed twice: as served (its per-minute cache may
answer) and with the cache emptied before each request (every figure computed), which is
the number that matters.

    .venv/bin/python -m benchmarks.bench_console --customers 100000 --orders 30000
    .venv/bin/python -m benchmarks.bench_console --url postgresql+psycopg://postgres@127.0.0.1:5432/bench

A ``--url`` database is seeded when it has no customers yet, and reused otherwise.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from fastapi.testclient import TestClient
from sqlalchemy import func, insert, make_url, select
from tests.factories import build_province

from weixi.auth.service import hash_password
from weixi.clock import FixedClock
from weixi.config import Settings
from weixi.customers.contacts import CustomerContact
from weixi.customers.models import Customer, CustomerStanding, Product
from weixi.customers.usage import import_usage
from weixi.db.migrate import upgrade
from weixi.db.session import make_engine
from weixi.network.models import Cell, CellKpiMonthly, CustomerCell
from weixi.notifications.ports import LogNotifier
from weixi.web.app import create_app
from weixi.workorders.models import WorkOrder

PASSWORD = "bench-pass-1"
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
COUNTIES = ("JN-LX", "JN-PY", "QD-SN")
KINDS = ("warning", "complaint", "fault", "repair", "onboarding_care", "callback")
STATUSES = ("new", "dispatched", "accepted", "waiting_customer", "resolved", "closed", "reopened")
CHANNELS = ("hall", "ivr", "hotline_ordinary", "hotline_expert", "online", "app", "sms")


#: The 12 months of usage every customer has (the 360 view's chart).
USAGE_MONTHS = [date(2025, m, 1) for m in range(3, 13)] + [date(2026, 1, 1), date(2026, 2, 1)]


def write_usage(path: Path, customers: int) -> Path:
    """The export's ``usage_monthly`` for customers ``B0000000``…: 12 months each."""
    n, k = customers, len(USAGE_MONTHS)
    rng = np.random.default_rng(7)
    codes = pa.array([f"B{i:07d}" for i in range(n)]).take(pa.array(np.repeat(np.arange(n), k)))
    zeros = np.zeros(n * k)
    table = pa.table(
        {
            "customer_id": codes,
            "month": pa.array(USAGE_MONTHS * n, pa.date32()),
            "voice_minutes": np.round(rng.gamma(2.0, 150.0, n * k), 1),
            "sms": rng.poisson(30, n * k),
            "data_mb": np.round(rng.gamma(2.0, 600.0, n * k), 1),
            "roaming_minutes": zeros,
            "dropped_calls": rng.poisson(1.5, n * k),
            "bill_amount": np.round(rng.gamma(4.0, 24.0, n * k), 2),
            "arrears": zeros,
            "topup_amount": zeros,
            "plan_changed": np.zeros(n * k, dtype=bool),
        }
    )
    pq.write_table(table, path, row_group_size=600_000)
    return path


def seed(url: str, customers: int, orders: int) -> dict[str, int]:
    upgrade(url)
    settings = Settings(database_url=url)
    app = create_app(settings, clock=FixedClock(NOW), notifier=LogNotifier())
    factory = app.state.session_factory
    rng = random.Random(7)
    with factory() as s:
        p = build_province(s, password_hash=hash_password(PASSWORD))
        s.commit()
        units = {c: p.units[c] for c in COUNTIES}
        managers = {c: [p.staff[f"{c}-am1"].id, p.staff[f"{c}-am2"].id] for c in COUNTIES}
        rows = []
        for i in range(customers):
            county = units[COUNTIES[i % 3]]
            rows.append(
                {
                    "code": f"B{i:07d}",
                    "name": f"客户{i}",
                    "phone": f"13{i:09d}",
                    "id_number": f"37010219800101{i % 10000:04d}",
                    "county_id": county.id,
                    "city_id": county.city_id,
                    "rural": county.rural,
                    "activated_on": date(2020, 1, 1) + timedelta(days=i % 2000),
                    "account_manager_id": rng.choice(managers[COUNTIES[i % 3]]),
                    "segment": "personal",
                    "device_is_iphone": False,
                    "row_hash": "-",
                }
            )
        s.execute(insert(Customer), rows)
        ids = list(s.scalars(select(Customer.id).order_by(Customer.id)))
        s.execute(
            insert(CustomerStanding),
            [
                {
                    "customer_id": cid,
                    "tier": rng.choice(["gold", "silver", "regular"]),
                    "lifecycle_stage": rng.choice(["stable"] * 6 + ["warning", "churned"]),
                    "control_group": rng.random() < 0.05,
                }
                for cid in ids
            ],
        )
        s.execute(
            insert(Product),
            [
                {
                    "code": f"BP{cid}",
                    "customer_id": cid,
                    "kind": "mobile_3g",
                    "plan_code": "3G-96",
                    "plan_name": "3G 96元套餐",
                    "monthly_fee": Decimal("96"),
                    "started_on": date(2024, 1, 1),
                    "row_hash": "-",
                }
                for cid in ids
            ],
        )
        s.execute(
            insert(CustomerContact),
            [
                {
                    "code": f"BK{cid}-{k}",
                    "customer_id": cid,
                    "at": NOW - timedelta(days=rng.randint(1, 360), minutes=k),
                    "channel": rng.choice(CHANNELS),
                    "kind": rng.choice(["enquiry", "complaint", "transaction"]),
                    "description": "查询话费",
                    "resolved": rng.random() < 0.9,
                    "row_hash": "-",
                }
                for cid in ids
                for k in range(3)
            ],
        )
        cells = []
        for c in COUNTIES:
            for k in range(customers // 400 // 3 + 3):
                cells.append(
                    {
                        "code": f"{c}-C{k:05d}",
                        "county_id": units[c].id,
                        "technology": "wcdma" if k % 3 else "gsm",
                        "band": "WCDMA2100" if k % 3 else "GSM900",
                        "lat": 36.0,
                        "lon": 117.0,
                        "row_hash": "-",
                    }
                )
        s.execute(insert(Cell), cells)
        cell_ids = list(s.scalars(select(Cell.id)))
        months = [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
        s.execute(
            insert(CellKpiMonthly),
            [
                {
                    "cell_id": cell,
                    "month": m,
                    "rrc_att": 30000,
                    "rrc_succ": 29500,
                    "rab_att": 29500,
                    "rab_succ": 29300,
                    "rab_abnormal_rel": rng.randint(50, 1500),
                    "ho_att": 9000,
                    "ho_succ": 8900,
                    "samples": 300000,
                    "weak_samples": rng.randint(3000, 40000),
                    "thr_sum": 27000.0,
                    "thr_days": 30,
                    "kpi_days": 30,
                }
                for cell in cell_ids
                for m in months
            ],
        )
        s.execute(
            insert(CustomerCell),
            [
                {
                    "customer_id": cid,
                    "cell_id": cell,
                    "traffic_share": share,
                    "window_start": months[0],
                    "window_end": months[-1],
                }
                for cid in ids
                for cell, share in zip(rng.sample(cell_ids, 2), (0.8, 0.2), strict=True)
            ],
        )
        handlers = [st.id for st in p.staff.values()]
        order_rows = []
        for _ in range(orders):
            cid = ids[rng.randrange(len(ids))]
            county = units[COUNTIES[(cid - ids[0]) % 3]]
            opened = NOW - timedelta(hours=rng.randint(1, 24 * 360))
            status = rng.choice(STATUSES)
            due = opened + timedelta(hours=48)
            order_rows.append(
                {
                    "kind": rng.choice(KINDS),
                    "category": rng.choice(["network", "billing", "service", None]),
                    "status": status,
                    "title": "工单",
                    "description": "",
                    "channel": "system",
                    "customer_id": cid,
                    "county_id": county.id,
                    "city_id": county.city_id,
                    "handler_id": rng.choice(handlers),
                    "opened_at": opened,
                    "resolution_due": due,
                    "warn_at": due - timedelta(hours=12),
                    "resolved_at": due - timedelta(hours=rng.randint(-24, 40))
                    if status in ("resolved", "closed")
                    else None,
                    "sla_policy": {},
                    "sla_breached": rng.random() < 0.1,
                    "outcome": rng.choice([None, "retained", "not_retained"]),
                    "escalation_level": "none",
                    "dispatch_reason": "",
                    "version": 1,
                }
            )
        s.execute(insert(WorkOrder), order_rows)
        s.commit()
        started = time.perf_counter()
        usage = write_usage(Path(tempfile.mkdtemp()) / "usage_monthly.parquet", customers)
        report = import_usage(s, usage, now=NOW)
        s.commit()
        print(
            f"imported {report.inserted:,} months of usage in "
            f"{time.perf_counter() - started:.0f} s (writing the file included)"
        )
        return {
            "customer": ids[0],
            "order": int(s.scalar(select(WorkOrder.id).limit(1)) or 1),
            "admin_target": p.staff["JN-LX-am1"].id,
        }


def timed(
    client: TestClient, url: str, repeat: int, before: object = None
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per request. The app runs in this process (TestClient),
    so the process's CPU time during a request is what the request cost, however loaded the
    shared machine is; wall-clock time adds the wait for a core."""
    wall, cpu = [], []
    for _ in range(repeat):
        if before is not None:
            before()  # type: ignore[operator]
        start, start_cpu = time.perf_counter(), time.process_time()
        r = client.get(url)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, (url, r.status_code)
    return wall, cpu


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def login(app: object, who: str) -> TestClient:
    import re

    client = TestClient(app)  # type: ignore[arg-type]
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/login").text)
    assert token
    r = client.post(
        "/console/login",
        data={"login": who, "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", type=Path, default=None, help="reuse a seeded SQLite file")
    parser.add_argument(
        "--url", default=None, help="a database URL instead (PostgreSQL; seeded if empty)"
    )
    args = parser.parse_args()
    if args.url:
        url = args.url
        upgrade(url)
        probe = make_engine(url)
        with probe.connect() as conn:
            fresh = not conn.scalar(select(func.count()).select_from(Customer))
        probe.dispose()
        where = url
    else:
        path = args.db or Path(tempfile.mkdtemp()) / "console.db"
        url = f"sqlite:///{path}"
        fresh = not path.exists()
        where = str(path)
    started = time.perf_counter()
    ids = seed(url, args.customers, args.orders) if fresh else None
    if fresh:
        print(f"seeded {where} in {time.perf_counter() - started:.0f} s")
    else:
        upgrade(url)
    app = create_app(Settings(database_url=url), clock=FixedClock(NOW), notifier=LogNotifier())
    if ids is None:
        with app.state.session_factory() as s:
            ids = {
                "customer": int(s.scalar(select(Customer.id).order_by(Customer.id).limit(1)) or 1),
                "order": int(s.scalar(select(WorkOrder.id).limit(1)) or 1),
                "admin_target": 0,
            }
    print(f"{make_url(url).get_backend_name()}, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at the start")  # fmt: skip

    def clear() -> None:
        app.state.dashboard_cache = {}

    cases = [
        ("JN-LX-am1", "home", "/console/", None),
        ("JN-LX-am1", "my work", "/console/work", None),
        ("hotline-1", "phone search", "/console/customers?phone=0001234", None),
        ("JN-LX-am1", "customer 360", f"/console/customers/{ids['customer']}", None),
        ("admin", "order page", f"/console/orders/{ids['order']}", None),
        ("SD-sup", "area list", "/console/work?area=true", None),
        ("admin", "staff list", "/console/admin/staff", None),
        ("SD-sup", "dashboard (cached)", "/console/dashboard", None),
        ("SD-sup", "dashboard, province, uncached", "/console/dashboard", clear),
        ("JN-sup", "dashboard, city, uncached", "/console/dashboard", clear),
    ]
    if ids["admin_target"]:
        cases.insert(
            7, ("admin", "staff edit", f"/console/admin/staff/{ids['admin_target']}", None)
        )
    clients: dict[str, TestClient] = {}
    print(f"{'page':34} {'wall p50':>9} {'wall p95':>9} {'CPU p50':>8} {'CPU p95':>8}  (ms)")
    for who, name, url, before in cases:
        client = clients.get(who) or clients.setdefault(who, login(app, who))
        timed(client, url, 2, before)  # warm up
        wall, cpu = timed(client, url, args.repeat, before)
        print(
            f"{name:34} {statistics.median(wall):9.1f} {p95(wall):9.1f}"
            f" {statistics.median(cpu):8.1f} {p95(cpu):8.1f}"
        )
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
