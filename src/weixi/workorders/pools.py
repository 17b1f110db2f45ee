"""Resolve a dispatch rule's pool to a unit and its candidates (database side)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from weixi.customers.models import Customer
from weixi.org.models import OrgUnit, Staff
from weixi.org.roles import Role, Seat, UnitKind
from weixi.workorders.dispatch import Candidate, DispatchRule
from weixi.workorders.kinds import OPEN_STATUSES, PoolKind
from weixi.workorders.models import WorkOrder


@dataclass(frozen=True, slots=True)
class Pool:
    unit_id: int | None
    candidates: list[Candidate]
    note: str


def resolve_pool(
    session: Session, rule: DispatchRule, *, customer: Customer | None, county_id: int
) -> Pool:
    """The queue unit and the people in it for ``rule``, near the customer's county."""
    if rule.pool is PoolKind.ACCOUNT_MANAGER and customer and customer.account_manager_id:
        manager = session.get(Staff, customer.account_manager_id)
        if manager is not None and manager.active:
            return Pool(manager.unit_id, _candidates(session, [manager]), "the customer's manager")
    if rule.pool in (PoolKind.ACCOUNT_MANAGER, PoolKind.COUNTY_TEAM):
        staff = _staff(session, Staff.county_id == county_id, Staff.role == Role.ACCOUNT_MANAGER)
        unit = _nearest_unit(session, county_id, UnitKind.AM_TEAM, None)
        return Pool(unit, _candidates(session, staff), "the county's account-manager team")
    if rule.pool is PoolKind.EXPERT_SEATS:
        staff = _staff(session, Staff.role == Role.HOTLINE_AGENT, Staff.seat == Seat.EXPERT)
        unit = staff[0].unit_id if staff else None
        return Pool(unit, _candidates(session, staff), "10010 expert seats")
    department = rule.department.value if rule.department else None
    unit = _nearest_unit(session, county_id, UnitKind.DEPARTMENT, department)
    if unit is None:
        return Pool(None, [], f"no {department} department found")
    staff = _staff(session, Staff.unit_id == unit, Staff.role == Role.DEPARTMENT_HANDLER)
    return Pool(unit, _candidates(session, staff), f"{department} department queue")


def _staff(session: Session, *conditions: object) -> list[Staff]:
    stmt = select(Staff).where(Staff.active.is_(True), *conditions).order_by(Staff.id)  # type: ignore[arg-type]
    return list(session.scalars(stmt))


#: (county, kind, department) → (read at, unit id). The organisation changes rarely and
#: dispatch asks for the same queues all day.
_NEAREST: dict[tuple[int, str, str | None], tuple[float, int | None]] = {}
NEAREST_SECONDS = 60.0


def _nearest_unit(
    session: Session, county_id: int, kind: str, department: str | None
) -> int | None:
    """A unit of ``kind`` in the county, else in its city, else in the province (cached)."""
    key, now = (county_id, kind, department), time.monotonic()
    hit = _NEAREST.get(key)
    if hit is not None and now - hit[0] < NEAREST_SECONDS:
        return hit[1]
    found = _find_nearest_unit(session, county_id, kind, department)
    _NEAREST[key] = (now, found)
    return found


def forget_units() -> None:
    """Drop cached queue lookups (after the organisation is imported, and between tests)."""
    _NEAREST.clear()


def _find_nearest_unit(
    session: Session, county_id: int, kind: str, department: str | None
) -> int | None:
    county = session.get(OrgUnit, county_id)
    if county is None:
        return None
    for column, value in (
        (OrgUnit.county_id, county.county_id),
        (OrgUnit.city_id, county.city_id),
        (OrgUnit.province_id, county.province_id),
    ):
        stmt = select(OrgUnit.id).where(column == value, OrgUnit.kind == kind)
        if department is not None:
            stmt = stmt.where(OrgUnit.department == department)
        found = session.scalars(stmt.order_by(OrgUnit.id).limit(1)).first()
        if found is not None:
            return found
    return None


def _candidates(session: Session, staff: list[Staff]) -> list[Candidate]:
    if not staff:
        return []
    ids = [s.id for s in staff]
    rows = session.execute(
        select(WorkOrder.handler_id, func.count())
        .where(
            WorkOrder.handler_id.in_(ids),
            WorkOrder.status.in_([s.value for s in OPEN_STATUSES]),
        )
        .group_by(WorkOrder.handler_id)
    ).all()
    loads = {handler: count for handler, count in rows}
    return [
        Candidate(s.id, frozenset(s.skills or ()), int(loads.get(s.id, 0)), s.capacity)
        for s in staff
    ]
