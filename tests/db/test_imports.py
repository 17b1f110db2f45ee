"""Importing an operator's export: good rows in, bad rows quarantined, reruns change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from weixi.customers.importer import import_customers, import_products
from weixi.customers.models import Customer, QuarantinedRow
from weixi.db.uow import UnitOfWork
from weixi.org.importer import import_org_units, import_staff
from weixi.org.models import OrgUnit, Staff
from weixi.synth.generate import generate
from weixi.synth.world import SynthConfig


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    generate(SynthConfig(customers=400, months=3, seed=7, corrupt=True, workers=1), out)
    return out


def _import_all(uow: UnitOfWork, directory: Path) -> dict[str, object]:
    now = uow.clock.now()
    return {
        "org": import_org_units(uow.session, directory / "org_units.parquet", now=now),
        "staff": import_staff(uow.session, directory / "staff.parquet", now=now),
        "customers": import_customers(uow.session, directory / "customers.parquet", now=now),
        "products": import_products(
            uow.session,
            directory / "products.parquet",
            now=now,
            customers_file=directory / "customers.parquet",
        ),
    }


def test_a_clean_export_imports_with_nothing_quarantined(uow: UnitOfWork, export: Path) -> None:
    reports = _import_all(uow, export)
    assert all(r.quarantined == 0 for r in reports.values())  # type: ignore[attr-defined]
    assert reports["customers"].inserted == 400  # type: ignore[attr-defined]
    county = uow.session.scalars(select(OrgUnit).where(OrgUnit.kind == "county")).first()
    assert county is not None and county.city_id is not None and county.county_id == county.id
    staff = uow.session.scalars(select(Staff)).first()
    assert staff is not None and staff.province_id is not None


def test_reimporting_the_same_files_changes_nothing(uow: UnitOfWork, export: Path) -> None:
    _import_all(uow, export)
    again = _import_all(uow, export)
    for report in again.values():
        assert (report.inserted, report.updated) == (0, 0)  # type: ignore[attr-defined]
    assert uow.session.scalar(select(func.count()).select_from(Customer)) == 400


def test_bad_rows_are_quarantined_with_file_row_field_and_reason(
    uow: UnitOfWork, export: Path
) -> None:
    now = uow.clock.now()
    import_org_units(uow.session, export / "org_units.parquet", now=now)
    import_staff(uow.session, export / "staff.parquet", now=now)
    corrupt = next((export / "_corrupt").glob("customers.*"))
    report = import_customers(uow.session, corrupt, now=now)
    assert report.quarantined > 0
    assert report.inserted + report.quarantined == report.rows_read
    rows = uow.session.scalars(select(QuarantinedRow)).all()
    assert {r.file for r in rows} == {str(corrupt)}
    assert all(r.row_number >= 1 and r.field and r.reason for r in rows)
    reasons = {r.reason.split(":")[0] for r in rows}
    assert {"unknown_reference", "duplicate_key"} <= reasons
