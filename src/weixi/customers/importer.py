"""Import customers and their products from the operator's export.

Both go the columnar way (`weixi.importing.import_columns`): a batch of a million rows is
mapped by a handful of Arrow kernels, never row by row in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from weixi.customers.models import Customer, Product
from weixi.importing import ImportReport, Resolve, import_columns, lookup
from weixi.ingest.validate import KnownIds, known_ids_from_file
from weixi.org.models import OrgUnit, Staff
from weixi.org.roles import UnitKind

COUNTY_KEY = "org_units.unit_id[kind=county]"
STAFF_KEY = "staff.staff_id"
CUSTOMER_KEY = "customers.customer_id"

#: Columns copied unchanged from the file (file name → model column).
_CUSTOMER_COPIED = {
    "customer_id": "code",
    "name": "name",
    "phone": "phone",
    "id_number": "id_number",
    "activated_on": "activated_on",
    "deactivated_on": "deactivated_on",
    "channel": "channel",
    "device_model": "device_model",
    "device_bought_on": "device_bought_on",
    "contract_end_on": "contract_end_on",
    "household_id": "household_id",
}


def import_customers(
    session: Session, path: Path, *, now: datetime, progress: Callable[[int], None] | None = None
) -> ImportReport:
    counties = list(
        session.execute(
            select(OrgUnit.code, OrgUnit.id, OrgUnit.city_id, OrgUnit.rural).where(
                OrgUnit.kind == UnitKind.COUNTY
            )
        )
    )
    managers = {code: sid for code, sid in session.execute(select(Staff.code, Staff.id))}
    known = {
        COUNTY_KEY: KnownIds.from_values([c[0] for c in counties]),
        STAFF_KEY: KnownIds.from_values(list(managers)),
    }
    county_ids = {code: cid for code, cid, _, _ in counties}
    city_ids = {code: city for code, _, city, _ in counties}
    rural = {code: bool(r) for code, _, _, r in counties}

    def mapper(batch: pa.RecordBatch) -> pa.Table:
        county = batch.column("home_county_id")
        segment = batch.column("segment")
        columns = {model: batch.column(name) for name, model in _CUSTOMER_COPIED.items()}
        columns |= {
            "county_id": lookup(county, county_ids, pa.int64()),
            "city_id": lookup(county, city_ids, pa.int64()),
            "rural": lookup(county, rural, pa.bool_()),
            "device_is_iphone": pc.fill_null(batch.column("device_is_iphone"), False),
            "segment": pc.if_else(
                pc.fill_null(pc.not_equal(segment, ""), False), segment, "personal"
            ),
            "account_manager_id": lookup(batch.column("account_manager_id"), managers, pa.int64()),
        }
        return pa.table(columns)

    return import_columns(
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


#: A product's owner: the customer with the file's ``customer_id`` as its code.
OWNER = Resolve(
    column="customer_id",
    code="customer_code",
    target=Customer,
    field="customer_id",
    noun="customer",
)


def import_products(
    session: Session,
    path: Path,
    *,
    now: datetime,
    customers_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Products reference customers already imported (or in ``customers_file``).

    The owner's id is found by a join in the database; a product whose customer is not
    in the database (not in the customers file, or quarantined from it) is quarantined.
    """
    known: dict[str, KnownIds] = {}
    if customers_file is not None and customers_file.exists():
        known[CUSTOMER_KEY] = known_ids_from_file(customers_file, "customer_id")

    def mapper(batch: pa.RecordBatch) -> pa.Table:
        return pa.table(
            {
                "code": batch.column("product_id"),
                OWNER.code: batch.column("customer_id"),
                "kind": batch.column("kind"),
                "plan_code": batch.column("plan_code"),
                "plan_name": batch.column("plan_name"),
                "monthly_fee": batch.column("monthly_fee"),
                "started_on": batch.column("started_on"),
                "ended_on": batch.column("ended_on"),
            }
        )

    return import_columns(
        session,
        path=path,
        table="products",
        model=Product,
        key="code",
        mapper=mapper,
        known=known,
        now=now,
        on_batch=progress,
        resolve=[OWNER],
    )
