"""A tiny hand-made export (schema.py types) whose feature values are computed by hand.

As of 2010-07-01: the last month is June, the 6-month window January–June, the previous
5 months January–May, the network window April–June, 90 days back is 2010-04-02 and
180 days back 2010-01-02.

- C1: the busy customer: six months of usage with a bill shock in June, complaints,
  late fixed-line orders, a 3G plan plus broadband, and two cells (A good, B bad).
- C2: a new prepaid customer with zero bills (zero denominators) and a cell whose
  counters are all zero.
- C3: deactivated before as-of (left out). C4: activated after as-of (left out).
- C5: churns on 2010-07-20 (label 1), handset bought after as-of, contract ended.
- C6: churns on 2010-08-01 (label 0: outside the one-month horizon).
- C7: deactivated on the as-of day itself (still in; label 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from weixi.ingest.schema import TABLES

AS_OF = dt.date(2010, 7, 1)
D = dt.date
UTC = dt.UTC


def T(y: int, m: int, d: int, h: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=UTC)


_CUSTOMER: dict[str, Any] = {
    "name": "张三",
    "phone": "13000000000",
    "id_number": "11010519491231002X",
    "home_county_id": "370102",
    "deactivated_on": None,
    "channel": "hall",
    "payment": "postpaid",
    "device_model": "Nokia N97",
    "device_is_iphone": False,
    "device_bought_on": None,
    "contract_end_on": None,
    "household_id": "H1",
    "segment": "personal",
    "account_manager_id": None,
}

CUSTOMERS = [
    {"customer_id": "C1", "activated_on": D(2008, 3, 1), "contract_end_on": D(2010, 7, 21),
     "device_bought_on": D(2009, 7, 1), "device_is_iphone": True, "phone": "13000000001"},
    {"customer_id": "C2", "activated_on": D(2010, 5, 1), "payment": "prepaid",
     "segment": "enterprise", "phone": "13000000002"},
    {"customer_id": "C3", "activated_on": D(2009, 1, 1), "deactivated_on": D(2010, 6, 15),
     "phone": "13000000003"},
    {"customer_id": "C4", "activated_on": D(2010, 7, 10), "phone": "13000000004"},
    {"customer_id": "C5", "activated_on": D(2009, 1, 1), "deactivated_on": D(2010, 7, 20),
     "device_bought_on": D(2010, 7, 5), "contract_end_on": D(2010, 6, 1),
     "phone": "13000000005"},
    {"customer_id": "C6", "activated_on": D(2009, 1, 1), "deactivated_on": D(2010, 8, 1),
     "phone": "13000000006"},
    {"customer_id": "C7", "activated_on": D(2009, 1, 1), "deactivated_on": D(2010, 7, 1),
     "phone": "13000000007"},
]  # fmt: skip

_USAGE: dict[str, Any] = {
    "voice_minutes": 100.0,
    "sms": 10,
    "data_mb": 0.0,
    "roaming_minutes": 0.0,
    "dropped_calls": 0,
    "bill_amount": 100.0,
    "arrears": 0.0,
    "topup_amount": 0.0,
    "plan_changed": False,
}

USAGE = [
    {"customer_id": "C1", "month": D(2009, 12, 1), "bill_amount": 9999.0},  # outside window
    {"customer_id": "C1", "month": D(2010, 1, 1)},
    {"customer_id": "C1", "month": D(2010, 2, 1), "arrears": 20.0},
    {"customer_id": "C1", "month": D(2010, 3, 1), "plan_changed": True},
    {"customer_id": "C1", "month": D(2010, 4, 1)},
    {"customer_id": "C1", "month": D(2010, 5, 1)},
    {"customer_id": "C1", "month": D(2010, 6, 1), "voice_minutes": 50.0, "data_mb": 10.0,
     "bill_amount": 400.0, "dropped_calls": 6, "roaming_minutes": 3.5},
    {"customer_id": "C1", "month": D(2010, 7, 1), "bill_amount": 7777.0},  # as-of month
    {"customer_id": "C2", "month": D(2010, 5, 1), "bill_amount": 0.0, "topup_amount": 50.0},
    {"customer_id": "C2", "month": D(2010, 6, 1), "bill_amount": 0.0, "topup_amount": 100.0},
]  # fmt: skip

_CONTACT: dict[str, Any] = {
    "channel": "hotline_ordinary",
    "kind": "complaint",
    "category": None,
    "description_zh": "投诉",
    "resolved": True,
    "staff_id": None,
    "satisfaction": None,
}

CONTACTS = [
    {"contact_id": "K1", "customer_id": "C1", "at": T(2010, 6, 21, 12), "category": "network",
     "resolved": False},
    {"contact_id": "K2", "customer_id": "C1", "at": T(2010, 3, 1), "category": "billing"},
    {"contact_id": "K3", "customer_id": "C1", "at": T(2010, 6, 25), "kind": "enquiry",
     "satisfaction": 4},
    {"contact_id": "K4", "customer_id": "C1", "at": T(2010, 7, 1, 5), "category": "network",
     "resolved": False},  # after as-of: ignored
]  # fmt: skip

_PRODUCT: dict[str, Any] = {"ended_on": None, "bundle_id": None, "plan_name": "套餐"}

PRODUCTS = [
    {"product_id": "P1", "customer_id": "C1", "kind": "mobile_3g", "plan_code": "3G-A-186",
     "monthly_fee": 186.0, "started_on": D(2009, 10, 1)},
    {"product_id": "P2", "customer_id": "C1", "kind": "broadband", "plan_code": "BB-2M",
     "monthly_fee": 100.0, "started_on": D(2009, 1, 1)},
    {"product_id": "P3", "customer_id": "C1", "kind": "mobile_2g", "plan_code": "GSM-50",
     "monthly_fee": 50.0, "started_on": D(2008, 3, 1), "ended_on": D(2009, 9, 30)},
    {"product_id": "P4", "customer_id": "C2", "kind": "mobile_2g", "plan_code": "GSM-30",
     "monthly_fee": 30.0, "started_on": D(2010, 5, 1)},
]  # fmt: skip

ORDERS = [
    {"order_id": "O1", "customer_id": "C1", "kind": "repair", "opened_at": T(2010, 6, 1),
     "promised_at": T(2010, 6, 3), "completed_at": T(2010, 6, 5), "county_id": "370102"},
    {"order_id": "O2", "customer_id": "C1", "kind": "install", "opened_at": T(2010, 6, 20),
     "promised_at": T(2010, 6, 27), "completed_at": None, "county_id": "370102"},
    {"order_id": "O3", "customer_id": "C1", "kind": "repair", "opened_at": T(2010, 6, 28),
     "promised_at": T(2010, 7, 2), "completed_at": None, "county_id": "370102"},
]  # fmt: skip

_KPI_A: dict[str, Any] = {
    "rrc_att": 100, "rrc_succ": 99, "rab_att": 100, "rab_succ": 98, "rab_abnormal_rel": 1,
    "ho_att": 10, "ho_succ": 9, "samples": 100, "weak_samples": 5, "throughput_kbps": 1000.0,
    "voice_erl": 1.0, "data_mb": 1.0,
}  # fmt: skip
_KPI_B: dict[str, Any] = {
    "rrc_att": 50, "rrc_succ": 45, "rab_att": 50, "rab_succ": 40, "rab_abnormal_rel": 4,
    "ho_att": 10, "ho_succ": 10, "samples": 100, "weak_samples": 50, "throughput_kbps": None,
    "voice_erl": 1.0, "data_mb": 1.0,
}  # fmt: skip
_KPI_ZERO: dict[str, Any] = {
    "rrc_att": 0, "rrc_succ": 0, "rab_att": 0, "rab_succ": 0, "rab_abnormal_rel": 0,
    "ho_att": 0, "ho_succ": 0, "samples": 0, "weak_samples": 0, "throughput_kbps": None,
    "voice_erl": 0.0, "data_mb": 0.0,
}  # fmt: skip


def _kpi_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for month in (4, 5, 6):
        rows += [
            {"cell_id": "A", "day": D(2010, month, 1), **_KPI_A},
            {"cell_id": "A", "day": D(2010, month, 2), **_KPI_A},
            {"cell_id": "B", "day": D(2010, month, 15), **_KPI_B},
        ]
    rows.append({"cell_id": "C", "day": D(2010, 6, 3), **_KPI_ZERO})
    # Outside the network window: must not count.
    rows.append({"cell_id": "B", "day": D(2010, 3, 15), **_KPI_B, "rab_abnormal_rel": 40})
    rows.append({"cell_id": "A", "day": D(2010, 7, 1), **_KPI_B})
    return rows


def _customer_cell_rows() -> list[dict[str, Any]]:
    rows = []
    for month in (3, 4, 5, 6, 7):
        first = D(2010, month, 1)
        rows += [
            {"customer_id": "C1", "month": first, "cell_id": "A", "traffic_share": 0.75},
            {"customer_id": "C1", "month": first, "cell_id": "B", "traffic_share": 0.25},
        ]
    rows.append({"customer_id": "C2", "month": D(2010, 6, 1), "cell_id": "C", "traffic_share": 1.0})
    return rows


def _table(name: str, rows: Iterable[dict[str, Any]], defaults: dict[str, Any]) -> pa.Table:
    schema = TABLES[name].arrow_schema()
    full = [{**defaults, **row} for row in rows]
    return pa.Table.from_pylist(full, schema=schema)


def export_tables() -> dict[str, pa.Table]:
    """The tiny export as Arrow tables, keyed by schema table name."""
    return {
        "customers": _table("customers", CUSTOMERS, _CUSTOMER),
        "usage_monthly": _table("usage_monthly", USAGE, _USAGE),
        "contacts": _table("contacts", CONTACTS, _CONTACT),
        "products": _table("products", PRODUCTS, _PRODUCT),
        "fixed_orders": _table("fixed_orders", ORDERS, {}),
        "cell_kpi_daily": _table("cell_kpi_daily", _kpi_rows(), {}),
        "customer_cells": _table("customer_cells", _customer_cell_rows(), {}),
    }


def write_export(directory: Path, *, fmt: str = "parquet") -> Path:
    """Write the tiny export to ``directory`` as Parquet (or CSV) files; returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in export_tables().items():
        if fmt == "parquet":
            pq.write_table(table, directory / f"{name}.parquet")
        else:
            import pyarrow.csv as pacsv

            pacsv.write_csv(table, directory / f"{name}.csv")
    return directory


EXPECTED_C1: dict[str, Any] = {
    "voice_minutes_last": 50.0,
    "data_mb_last": 10.0,
    "roaming_minutes_last": 3.5,
    "dropped_calls_last": 6,
    "dropped_calls_per_day_last": 6 / 30,
    "months_observed": 6,
    "voice_trend": -0.5,
    "data_trend": None,  # previous data average is 0: NULL, not 0 or infinity
    "bill_trend": 3.0,
    "topup_trend": None,
    "bill_last": 400.0,
    "bill_avg_6m": 150.0,
    "bill_prev5_avg": 100.0,
    "bill_std_6m": 15000**0.5,
    "bill_cv_6m": 15000**0.5 / 150,
    "bill_vs_avg_6m": 250 / 150,
    "bill_abnormal_flag": 1,
    "arpu_3m": 200.0,
    "arrears_last": 0.0,
    "arrears_months_6m": 1,
    "topup_last": 0.0,
    "topup_total_6m": 0.0,
    "plan_changes_6m": 1,
    "days_since_last_complaint": 10,
    "complaints_90d": 1,
    "complaints_unresolved_180d": 1,
    "network_complaints_90d": 1,
    "billing_complaints_90d": 0,
    "fault_reports_90d": 0,
    "contacts_90d": 2,
    "satisfaction_avg_90d": 4.0,
    "fixed_orders_late_180d": 2,
    "fixed_orders_open": 2,
    "tenure_days": (AS_OF - D(2008, 3, 1)).days,
    "contract_days_left": 20,
    "device_age_days": 365,
    "is_prepaid": 0,
    "is_enterprise": 0,
    "device_is_iphone": 1,
    "product_count": 2,
    "plan_fee_total": 286.0,
    "mobile_plan_fee": 186.0,
    "plan_fee_3g": 186.0,
    "has_3g": 1,
    "has_fixed_line": 0,
    "has_broadband": 1,
    "net_cells_used": 2,
    "net_rrc_success_rate": 159.75 / 162.5,
    "net_rab_success_rate": 157 / 162.5,
    "net_access_rate": (159.75 / 162.5) * (157 / 162.5),
    "net_drop_rate": 2.5 / 157,
    "net_ho_success_rate": 16 / 17.5,
    "net_weak_coverage_share": 20 / 175,
    "net_throughput_kbps": 1000.0,
    "worst_cell_id": "B",
    "worst_cell_drop_rate": 12 / 120,
    "worst_cell_drops_per_day": 4.0,
}
"""C1's features, computed by hand (see the module docstring and the rows above)."""

EXPECTED_C2: dict[str, Any] = {
    "months_observed": 2,
    "bill_last": 0.0,
    "bill_avg_6m": 0.0,
    "bill_std_6m": 0.0,
    "bill_cv_6m": None,
    "bill_vs_avg_6m": None,
    "bill_trend": None,
    "bill_abnormal_flag": 0,
    "topup_trend": 1.0,
    "topup_total_6m": 150.0,
    "days_since_last_complaint": None,
    "complaints_90d": 0,
    "satisfaction_avg_90d": None,
    "fixed_orders_late_180d": 0,
    "tenure_days": 61,
    "contract_days_left": None,
    "device_age_days": None,
    "is_prepaid": 1,
    "is_enterprise": 1,
    "product_count": 1,
    "mobile_plan_fee": 30.0,
    "plan_fee_3g": None,
    "has_3g": 0,
    "net_cells_used": 1,
    "net_rrc_success_rate": None,
    "net_access_rate": None,
    "net_drop_rate": None,
    "net_weak_coverage_share": None,
    "net_throughput_kbps": None,
    "worst_cell_id": None,
}
"""C2: every ratio with a zero denominator is NULL."""

EXPECTED_LABELS = {"C1": 0, "C2": 0, "C5": 1, "C6": 0, "C7": 1}


def write_random_export(
    directory: Path, *, customers: int = 300, seed: int = 0, with_tiny: bool = True
) -> Path:
    """A random export (schema types) for engine-equality tests: values have no meaning,
    but every column, NULL and edge (zero counters, missing months) occurs. With
    ``with_tiny`` the hand-made rows above are included too."""
    import numpy as np

    rng = np.random.default_rng(seed)
    ids = [f"R{i:05d}" for i in range(customers)]
    day0 = D(2009, 12, 1)

    def pick_date(low: int, high: int) -> dt.date:
        return day0 + dt.timedelta(days=int(rng.integers(low, high)))

    cust = []
    for i, cid in enumerate(ids):
        activated = pick_date(-2000, 240)
        deactivated = pick_date(0, 300) if rng.random() < 0.2 else None
        if deactivated is not None and deactivated < activated:
            deactivated = activated
        cust.append({
            "customer_id": cid, "phone": f"13{i:09d}", "activated_on": activated,
            "deactivated_on": deactivated,
            "contract_end_on": activated + dt.timedelta(days=int(rng.integers(0, 1500)))
            if rng.random() < 0.5 else None,
            "device_bought_on": pick_date(-900, 250) if rng.random() < 0.8 else None,
            "payment": "prepaid" if rng.random() < 0.5 else "postpaid",
            "segment": "enterprise" if rng.random() < 0.1 else "personal",
            "device_is_iphone": bool(rng.random() < 0.1),
        })  # fmt: skip
    usage, contacts, products, orders, links = [], [], [], [], []
    months = [D(2010, m, 1) for m in range(1, 9)]
    cells = [f"X{c:02d}" for c in range(12)]
    for cid in ids:
        for month in months:
            if rng.random() < 0.1:
                continue  # a missing month
            usage.append({
                "customer_id": cid, "month": month,
                "voice_minutes": float(rng.gamma(2, 80)), "data_mb": float(rng.gamma(1, 50)),
                "sms": int(rng.integers(0, 50)), "dropped_calls": int(rng.poisson(1)),
                "roaming_minutes": float(rng.random() < 0.05) * 30.0,
                "bill_amount": float(rng.choice([0.0, 30.0, 66.0, 186.0]) * rng.random() * 3),
                "arrears": float(rng.random() < 0.1) * 50.0,
                "topup_amount": float(rng.choice([0.0, 50.0, 100.0])),
                "plan_changed": bool(rng.random() < 0.05),
            })  # fmt: skip
            used = rng.choice(cells, size=int(rng.integers(1, 4)), replace=False)
            shares = rng.dirichlet(np.ones(len(used)))
            links += [
                {"customer_id": cid, "month": month, "cell_id": str(c), "traffic_share": float(s)}
                for c, s in zip(used, shares, strict=True)
            ]
        for k in range(int(rng.poisson(3))):
            at = dt.datetime.combine(pick_date(-60, 240), dt.time(int(rng.integers(0, 24))), UTC)
            contacts.append({
                "contact_id": f"{cid}-K{k}", "customer_id": cid, "at": at,
                "kind": str(rng.choice(["complaint", "enquiry", "fault_report"])),
                "category": str(rng.choice(["network", "billing", "service"])),
                "resolved": bool(rng.random() < 0.6),
                "satisfaction": int(rng.integers(1, 6)) if rng.random() < 0.5 else None,
            })  # fmt: skip
        for k in range(int(rng.integers(0, 4))):
            kind = str(rng.choice(["mobile_2g", "mobile_3g", "fixed_line", "broadband"]))
            started = pick_date(-900, 250)
            products.append({
                "product_id": f"{cid}-P{k}", "customer_id": cid, "kind": kind,
                "plan_code": "X", "monthly_fee": float(rng.choice([19.0, 46.0, 66.0, 186.0])),
                "started_on": started,
                "ended_on": started + dt.timedelta(days=int(rng.integers(0, 400)))
                if rng.random() < 0.3 else None,
            })  # fmt: skip
        for k in range(int(rng.poisson(0.5))):
            opened = dt.datetime.combine(pick_date(0, 240), dt.time(9), UTC)
            promised = opened + dt.timedelta(hours=int(rng.integers(24, 100)))
            done = opened + dt.timedelta(hours=int(rng.integers(1, 150)))
            orders.append({
                "order_id": f"{cid}-O{k}", "customer_id": cid, "kind": "repair",
                "opened_at": opened, "promised_at": promised,
                "completed_at": done if rng.random() < 0.8 else None, "county_id": "370102",
            })  # fmt: skip
    kpis = []
    for cell in cells:
        for offset in range(0, 240, 3):
            att = int(rng.integers(0, 400)) if cell != "X00" else 0
            succ = int(att * rng.uniform(0.9, 1.0))
            kpis.append({
                "cell_id": cell, "day": day0 + dt.timedelta(days=offset + 31),
                "rrc_att": att, "rrc_succ": succ, "rab_att": succ,
                "rab_succ": int(succ * rng.uniform(0.9, 1.0)),
                "rab_abnormal_rel": int(succ * rng.uniform(0, 0.05)),
                "ho_att": att // 4, "ho_succ": att // 5, "samples": att * 3,
                "weak_samples": int(att * rng.uniform(0, 1)),
                "throughput_kbps": float(rng.uniform(50, 900)) if rng.random() < 0.9 else None,
                "voice_erl": 1.0, "data_mb": 1.0,
            })  # fmt: skip
    tables = {
        "customers": _table("customers", cust, _CUSTOMER),
        "usage_monthly": _table("usage_monthly", usage, _USAGE),
        "contacts": _table("contacts", contacts, _CONTACT),
        "products": _table("products", products, _PRODUCT),
        "fixed_orders": _table("fixed_orders", orders, {}),
        "cell_kpi_daily": _table("cell_kpi_daily", kpis, {}),
        "customer_cells": _table("customer_cells", links, {}),
    }
    if with_tiny:
        tiny = export_tables()
        tables = {name: pa.concat_tables([table, tiny[name]]) for name, table in tables.items()}
    directory.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(table, directory / f"{name}.parquet")
    return directory
