"""Import customers and their products from the operator's export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from weixi.customers.models import Customer, Product
from weixi.importing import ImportReport, chunked, import_file
from weixi.ingest.validate import KnownIds, known_ids_from_file
from weixi.org.models import OrgUnit, Staff
from weixi.org.roles import UnitKind

COUNTY_KEY = "org_units.unit_id[kind=county]"
STAFF_KEY = "staff.staff_id"
CUSTOMER_KEY = "customers.customer_id"


def import_customers(
    session: Session, path: Path, *, now: datetime, progress: Callable[[int], None] | None = None
) -> ImportReport:
    counties = {
        u.code: u for u in session.scalars(select(OrgUnit).where(OrgUnit.kind == UnitKind.COUNTY))
    }
    managers = dict(session.execute(select(Staff.code, Staff.id)).all())
    known = {
        COUNTY_KEY: KnownIds.from_values(list(counties)),
        STAFF_KEY: KnownIds.from_values(list(managers)),
    }

    def mapper(row: dict[str, Any]) -> dict[str, Any] | str:
        county = counties[row["home_county_id"]]
        manager = row.get("account_manager_id")
        return {
            "code": row["customer_id"],
            "name": row["name"],
            "phone": row["phone"],
            "id_number": row.get("id_number"),
            "county_id": county.id,
            "city_id": county.city_id,
            "rural": county.rural,
            "activated_on": row["activated_on"],
            "deactivated_on": row.get("deactivated_on"),
            "channel": row.get("channel"),
            "device_model": row.get("device_model"),
            "device_is_iphone": bool(row.get("device_is_iphone")),
            "device_bought_on": row.get("device_bought_on"),
            "contract_end_on": row.get("contract_end_on"),
            "household_id": row.get("household_id"),
            "segment": row.get("segment") or "personal",
            "account_manager_id": managers.get(manager) if manager else None,
            "control_group": False,
        }

    return import_file(
        session,
        path=path,
        table="customers",
        model=Customer,
        key="code",
        mapper=mapper,
        known=known,
        now=now,
        on_batch=progress,
    )


def import_products(
    session: Session,
    path: Path,
    *,
    now: datetime,
    customers_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Products reference customers already imported (or in ``customers_file``)."""
    ids: dict[str, int] = {}

    def prefetch(rows: list[dict[str, Any]]) -> None:
        ids.clear()
        codes = list({r["customer_id"] for r in rows})
        for part in chunked(codes):
            found = session.execute(
                select(Customer.code, Customer.id).where(Customer.code.in_(part))
            )
            ids.update({code: cid for code, cid in found.all()})

    def customer_id(code: str) -> int | None:
        return ids.get(code)

    if customers_file is not None and customers_file.exists():
        known_customers = known_ids_from_file(customers_file, "customer_id")
    else:
        known_customers = KnownIds.from_values(list(session.scalars(select(Customer.code))))

    def mapper(row: dict[str, Any]) -> dict[str, Any] | str:
        cid = customer_id(row["customer_id"])
        if cid is None:
            return f"unknown_reference: customer {row['customer_id']} was not imported"
        return {
            "code": row["product_id"],
            "customer_id": cid,
            "kind": row["kind"],
            "plan_code": row["plan_code"],
            "plan_name": row["plan_name"],
            "monthly_fee": Decimal(str(row["monthly_fee"])),
            "started_on": row["started_on"],
            "ended_on": row.get("ended_on"),
        }

    return import_file(
        session,
        path=path,
        table="products",
        model=Product,
        key="code",
        mapper=mapper,
        known={CUSTOMER_KEY: known_customers},
        now=now,
        on_batch=progress,
        prefetch=prefetch,
    )
