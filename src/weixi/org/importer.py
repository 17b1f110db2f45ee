"""Import org units and staff from the operator's export (CSV or Parquet)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.orm import Session

from weixi.importing import (
    ImportReport,
    finish_run,
    import_file,
    row_hash,
    start_run,
    store_quarantine,
)
from weixi.ingest.validate import KnownIds, iter_validated
from weixi.org.models import OrgUnit, Staff
from weixi.org.roles import UnitKind
from weixi.org.service import AREA_COLUMN
from weixi.workorders.pools import forget_units

UNIT_KEY = "org_units.unit_id"
COUNTY_KEY = "org_units.unit_id[kind=county]"


def import_org_units(session: Session, path: Path, *, now: datetime) -> ImportReport:
    """Units are written parents first; each unit's ancestry comes from its parent."""
    known = {UNIT_KEY: _unit_codes(session, extra=path)}
    run, report = start_run(session, path, "org_units", now)
    rows: list[dict[str, Any]] = []
    for batch in iter_validated(path, "org_units", known=known):
        report.rows_read += batch.rows_read
        store_quarantine(session, run.id, batch.quarantined, report)
        rows.extend(batch.good.to_pylist())
    by_code = {u.code: u for u in session.scalars(select(OrgUnit))}
    for row in _parents_first(rows, set(by_code)):
        outcome = _upsert_unit(session, row, by_code)
        setattr(report, outcome, getattr(report, outcome) + 1)
    finish_run(run, report)
    forget_units()
    return report


def _existing_codes(session: Session) -> set[str]:
    return set(session.scalars(select(OrgUnit.code)))


def _unit_codes(session: Session, *, extra: Path | None = None) -> KnownIds:
    codes = list(_existing_codes(session))
    if extra is not None:
        for batch in iter_validated(extra, "org_units"):
            codes.extend(
                str(c) for c in pc.cast(batch.good.column("unit_id"), pa.string()).to_pylist()
            )
    return KnownIds.from_values(codes)


def _parents_first(rows: list[dict[str, Any]], existing: set[str]) -> list[dict[str, Any]]:
    placed, ordered, pending = set(existing), [], list(rows)
    while pending:
        ready = [r for r in pending if r["parent_id"] is None or r["parent_id"] in placed]
        if not ready:
            break  # a cycle: the rest stays out (reported by the caller as unchanged)
        for r in ready:
            placed.add(r["unit_id"])
            ordered.append(r)
        pending = [r for r in pending if r["unit_id"] not in placed]
    return ordered


def _upsert_unit(session: Session, row: dict[str, Any], by_code: dict[str, OrgUnit]) -> str:
    """Insert or update one unit; say which ("inserted", "updated" or "unchanged")."""
    unit = by_code.get(row["unit_id"])
    parent = by_code.get(row["parent_id"]) if row["parent_id"] else None
    digest = row_hash(row)
    if unit is not None and unit.row_hash == digest:
        return "unchanged"
    outcome = "updated" if unit is not None else "inserted"
    if unit is None:
        unit = OrgUnit(code=row["unit_id"], path="")
        session.add(unit)
    unit.row_hash = digest
    unit.kind, unit.name_zh, unit.name_en = row["kind"], row["name_zh"], row["name_en"]
    unit.department, unit.hall_kind = row.get("department"), row.get("hall_kind")
    unit.rural = bool(row.get("rural") or False)
    unit.parent_id = parent.id if parent else None
    unit.province_id = parent.province_id if parent else None
    unit.city_id = parent.city_id if parent else None
    unit.county_id = parent.county_id if parent else None
    session.flush()
    kind = UnitKind(unit.kind)
    if kind in AREA_COLUMN:
        setattr(unit, AREA_COLUMN[kind], unit.id)
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    by_code[unit.code] = unit
    return outcome


def import_staff(session: Session, path: Path, *, now: datetime) -> ImportReport:
    units = {u.code: u for u in session.scalars(select(OrgUnit))}
    known = {UNIT_KEY: KnownIds.from_values(list(units))}

    def mapper(row: dict[str, Any]) -> dict[str, Any] | str:
        unit = units[row["unit_id"]]
        skills = [s for s in (row.get("skills") or "").split(";") if s]
        return {
            "code": row["staff_id"],
            "name": row["name"],
            "unit_id": unit.id,
            "role": row["role"],
            "seat": row.get("seat"),
            "skills": skills,
            "capacity": int(row["capacity"]),
            "calendar": row["calendar"],
            "active": bool(row["active"]),
            "phone": row["phone"],
            "province_id": unit.province_id,
            "city_id": unit.city_id,
            "county_id": unit.county_id,
            "open_orders": 0,
        }

    return import_file(
        session,
        path=path,
        table="staff",
        model=Staff,
        key="code",
        mapper=mapper,
        known=known,
        now=now,
    )
