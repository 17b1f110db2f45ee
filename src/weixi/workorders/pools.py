"""Resolve a dispatch rule's pool to a unit and its candidates (database side)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, select
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
        manager = _staff(session, "manager", staff_id=customer.account_manager_id)
        if manager[0]:
            return Pool(manager[0][0], manager[1], "the customer's manager")
    if rule.pool in (PoolKind.ACCOUNT_MANAGER, PoolKind.COUNTY_TEAM):
        _, team = _staff(session, "county_team", county_id=county_id)
        unit = _nearest_unit(session, county_id, UnitKind.AM_TEAM, None)
        return Pool(unit, team, "the county's account-manager team")
    if rule.pool is PoolKind.EXPERT_SEATS:
        units, seats = _staff(session, "expert_seats")
        return Pool(units[0] if units else None, seats, "10010 expert seats")
    department = rule.department.value if rule.department else None
    unit = _nearest_unit(session, county_id, UnitKind.DEPARTMENT, department)
    if unit is None:
        return Pool(None, [], f"no {department} department found")
    _, handlers = _staff(session, "department", unit_id=unit)
    return Pool(unit, handlers, f"{department} department queue")


def _staff(session: Session, pool: str, **params: int) -> tuple[list[int], list[Candidate]]:
    """Active staff of one kind of pool with their open load, in one statement.

    The load is counted per candidate by a correlated subquery over the
    (handler, status) index rather than kept in a counter column: a counter would
    be one hot row per handler, locked by every dispatch until its commit.
    """
    rows = session.execute(_staff_statement(pool), params).all()
    units = [r.unit_id for r in rows]
    return units, [Candidate(r.id, frozenset(r.skills or ()), int(r[4]), r.capacity) for r in rows]


_POOL_MEMBERS: dict[str, tuple[object, ...]] = {
    "manager": (Staff.id == bindparam("staff_id"),),
    "county_team": (Staff.county_id == bindparam("county_id"), Staff.role == Role.ACCOUNT_MANAGER),
    "expert_seats": (Staff.role == Role.HOTLINE_AGENT, Staff.seat == Seat.EXPERT),
    "department": (Staff.unit_id == bindparam("unit_id"), Staff.role == Role.DEPARTMENT_HANDLER),
}
#: Built once per process (statements are immutable; building one costs more than running it).
_STATEMENTS: dict[str, Select[Any]] = {}


def _staff_statement(pool: str) -> Select[Any]:
    if pool not in _STATEMENTS:
        load = (
            select(func.count())
            .where(WorkOrder.handler_id == Staff.id, WorkOrder.status.in_(_OPEN))
            .correlate(Staff)
            .scalar_subquery()
        )
        _STATEMENTS[pool] = (
            select(Staff.id, Staff.unit_id, Staff.skills, Staff.capacity, load)
            .where(Staff.active.is_(True), *_POOL_MEMBERS[pool])  # type: ignore[arg-type]
            .order_by(Staff.id)
        )
    return _STATEMENTS[pool]


_OPEN = [s.value for s in OPEN_STATUSES]


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


@dataclass(frozen=True, slots=True)
class CountyFacts:
    """What creating and dispatching an order needs of its county (read through a cache)."""

    id: int
    city_id: int | None
    rural: bool
    regions: frozenset[str]  # the county's and its city's codes, for dispatch rules


#: county id → (read at, facts or None). Same lifetime as the queue lookups above.
_COUNTIES: dict[int, tuple[float, CountyFacts | None]] = {}


def county_facts(session: Session, county_id: int) -> CountyFacts | None:
    """The county's city, rural flag and region codes, or None for an unknown unit (cached)."""
    now = time.monotonic()
    hit = _COUNTIES.get(county_id)
    if hit is not None and now - hit[0] < NEAREST_SECONDS:
        return hit[1]
    county = session.get(OrgUnit, county_id)
    facts = None
    if county is not None:
        city = session.get(OrgUnit, county.city_id) if county.city_id is not None else None
        codes = frozenset(u.code for u in (county, city) if u is not None)
        facts = CountyFacts(county.id, county.city_id, bool(county.rural), codes)
    _COUNTIES[county_id] = (now, facts)
    return facts


def forget_units() -> None:
    """Drop cached queue and county lookups (after an organisation import, between tests)."""
    _NEAREST.clear()
    _COUNTIES.clear()


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
