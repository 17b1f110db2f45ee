"""Organisation use cases: units with their ancestry, staff, and the actor of a request."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from weixi.errors import NotFound, ValidationFailed
from weixi.org.actor import Actor
from weixi.org.models import OrgUnit, Staff
from weixi.org.roles import Role, UnitKind

AREA_COLUMN = {
    UnitKind.PROVINCE: "province_id",
    UnitKind.CITY: "city_id",
    UnitKind.COUNTY: "county_id",
}


def add_unit(
    session: Session,
    *,
    code: str,
    kind: UnitKind,
    name_zh: str,
    name_en: str,
    parent: OrgUnit | None,
    department: str | None = None,
    hall_kind: str | None = None,
    rural: bool = False,
) -> OrgUnit:
    """Add a unit under ``parent``, inheriting its province/city/county ancestry."""
    if (kind is UnitKind.PROVINCE) != (parent is None):
        raise ValidationFailed(f"unit {code}: only a province has no parent")
    unit = OrgUnit(
        code=code,
        kind=kind.value,
        name_zh=name_zh,
        name_en=name_en,
        parent_id=parent.id if parent else None,
        department=department,
        hall_kind=hall_kind,
        rural=rural,
        path="",
        province_id=parent.province_id if parent else None,
        city_id=parent.city_id if parent else None,
        county_id=parent.county_id if parent else None,
    )
    session.add(unit)
    session.flush()
    if kind in AREA_COLUMN:
        setattr(unit, AREA_COLUMN[kind], unit.id)
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    return unit


def actor_for(session: Session, staff: Staff) -> Actor:
    """The actor a staff member acts as (their unit decides their area)."""
    return Actor(
        staff_id=staff.id,
        code=staff.code,
        name=staff.name,
        role=Role(staff.role),
        unit_id=staff.unit_id,
        province_id=staff.province_id,
        city_id=staff.city_id,
        county_id=staff.county_id,
        seat=staff.seat,
    )


def add_staff(
    session: Session,
    *,
    code: str,
    name: str,
    unit: OrgUnit,
    role: Role,
    seat: str | None = None,
    skills: list[str] | None = None,
    capacity: int = 0,
    phone: str | None = None,
    password_hash: str | None = None,
) -> Staff:
    staff = Staff(
        code=code,
        name=name,
        unit_id=unit.id,
        role=role.value,
        seat=seat,
        skills=skills or [],
        capacity=capacity,
        phone=phone,
        password_hash=password_hash,
        province_id=unit.province_id,
        city_id=unit.city_id,
        county_id=unit.county_id,
        active=True,
        calendar="default",
    )
    session.add(staff)
    session.flush()
    return staff


def unit_by_code(session: Session, code: str) -> OrgUnit:
    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == code)).one_or_none()
    if unit is None:
        raise NotFound(f"org unit {code} not found")
    return unit
