"""Importing an operator's export: good rows in, bad rows quarantined, reruns change nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, inspect, select

from weixi import importing
from weixi.customers.importer import import_customers, import_products
from weixi.customers.models import Customer, ImportRun, QuarantinedRow
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


def _rewrite(source: Path, target: Path, change: Callable[[pa.Table], pa.Table]) -> Path:
    pq.write_table(change(pq.read_table(source)), target)
    return target


def _rename_first(table: pa.Table, n: int) -> pa.Table:
    names = table.column("name").to_pylist()
    names[:n] = [f"{name}改" for name in names[:n]]
    i = table.schema.get_field_index("name")
    return table.set_column(i, "name", pa.array(names, pa.string()))


def test_a_changed_row_is_updated_and_the_rest_left_unchanged(
    uow: UnitOfWork, export: Path, tmp_path: Path
) -> None:
    _import_all(uow, export)
    changed = _rewrite(
        export / "customers.parquet", tmp_path / "customers.parquet", lambda t: _rename_first(t, 5)
    )
    report = import_customers(uow.session, changed, now=uow.clock.now())
    assert (report.inserted, report.updated, report.unchanged) == (0, 5, 395)
    assert report.rows_read == 400 and report.quarantined == 0
    first = pq.read_table(changed, columns=["customer_id", "name"]).slice(0, 1).to_pylist()[0]
    stored = uow.session.scalar(select(Customer.name).where(Customer.code == first["customer_id"]))
    assert stored == first["name"]
    run = uow.session.scalars(select(ImportRun).order_by(ImportRun.id.desc())).first()
    assert run is not None and run.file == str(changed)
    assert (run.rows_read, run.inserted, run.updated, run.unchanged, run.quarantined) == (
        400,
        0,
        5,
        395,
        0,
    )
    again = import_customers(uow.session, changed, now=uow.clock.now())
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 400)


def test_products_of_customers_not_in_the_database_are_quarantined(
    uow: UnitOfWork, export: Path, tmp_path: Path
) -> None:
    now = uow.clock.now()
    import_org_units(uow.session, export / "org_units.parquet", now=now)
    import_staff(uow.session, export / "staff.parquet", now=now)
    customers = pq.read_table(export / "customers.parquet")
    missing = set(customers.column("customer_id").slice(0, 10).to_pylist())
    partial = _rewrite(
        export / "customers.parquet", tmp_path / "customers.parquet", lambda t: t.slice(10)
    )
    import_customers(uow.session, partial, now=now)
    products = pq.read_table(export / "products.parquet")
    orphans = sum(code in missing for code in products.column("customer_id").to_pylist())
    assert orphans > 0
    # The full customers file vouches for the codes, but ten customers never reached the
    # database: their products are quarantined by the lookup of the owners' ids.
    report = import_products(
        uow.session,
        export / "products.parquet",
        now=now,
        customers_file=export / "customers.parquet",
    )
    assert report.quarantined == orphans and report.reasons == {"unknown_reference": orphans}
    assert report.inserted + report.quarantined == report.rows_read == products.num_rows
    rows = uow.session.scalars(
        select(QuarantinedRow).where(QuarantinedRow.file == str(export / "products.parquet"))
    ).all()
    assert len(rows) == orphans
    codes = products.column("customer_id").to_pylist()
    for r in rows:
        assert r.field == "customer_id" and r.reason.startswith("unknown_reference")
        assert r.value in missing and codes[r.row_number - 1] == r.value
    # Without the customers file the database alone decides, with the same outcome.
    again = import_products(uow.session, export / "products.parquet", now=now)
    assert (again.inserted, again.updated, again.quarantined) == (0, 0, orphans)
    assert again.unchanged == products.num_rows - orphans


def _schema_objects(uow: UnitOfWork, table: str) -> tuple[set[str], set[str]]:
    inspector = inspect(uow.session.connection())
    indexes = {i["name"] for i in inspector.get_indexes(table) if i["name"]}
    foreign_keys = {str(fk["name"]) for fk in inspector.get_foreign_keys(table)}
    return indexes, foreign_keys


def test_a_bulk_load_rebuilds_indexes_and_foreign_keys(
    uow: UnitOfWork, export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {t: _schema_objects(uow, t) for t in ("customers", "products")}
    monkeypatch.setattr(importing, "BULK_MIN_ROWS", 1)  # every load into an empty table
    reports = _import_all(uow, export)
    assert reports["customers"].inserted == 400  # type: ignore[attr-defined]
    assert reports["products"].quarantined == 0  # type: ignore[attr-defined]
    assert {t: _schema_objects(uow, t) for t in before} == before
    assert before["customers"][0] and before["customers"][1]
    again = _import_all(uow, export)
    assert again["products"].unchanged == reports["products"].inserted  # type: ignore[attr-defined]
