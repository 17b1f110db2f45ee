"""Deterministic factories: a small province with every role, and its customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from weixi.customers.models import Customer, CustomerStanding, Product
from weixi.org.actor import Actor
from weixi.org.models import OrgUnit, Staff
from weixi.org.roles import Role, Seat, UnitKind
from weixi.org.service import actor_for, add_staff, add_unit


@dataclass
class Province:
    """Handles on what :func:`build_province` made, by short name."""

    units: dict[str, OrgUnit] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)
    actors: dict[str, Actor] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)


def build_province(session: Session, *, password_hash: str | None = None) -> Province:
    """Province SD; cities JN and QD; counties JN-LX (urban), JN-PY (rural), QD-SN.

    Each county has an account-manager team with two managers, a hall with an
    agent, a supervisor, and network and fixed-line departments with a handler.
    The province has the 10010 centre (ordinary and expert seat), a billing and a
    marketing department, and a supervisor; each city has a supervisor.
    """
    p = Province()
    u = p.units
    u["SD"] = add_unit(
        session,
        code="SD",
        kind=UnitKind.PROVINCE,
        name_zh="山东省",
        name_en="Shandong",
        parent=None,
    )
    for city, zh, en in (("JN", "济南市", "Jinan"), ("QD", "青岛市", "Qingdao")):
        u[city] = add_unit(
            session, code=city, kind=UnitKind.CITY, name_zh=zh, name_en=en, parent=u["SD"]
        )
    for county, city, zh, rural in (
        ("JN-LX", "JN", "历下区", False),
        ("JN-PY", "JN", "平阴县", True),
        ("QD-SN", "QD", "市南区", False),
    ):
        u[county] = add_unit(
            session,
            code=county,
            kind=UnitKind.COUNTY,
            name_zh=zh,
            name_en=county,
            parent=u[city],
            rural=rural,
        )
        _county_units(session, p, county, password_hash)
    u["10010"] = add_unit(
        session,
        code="10010",
        kind=UnitKind.HOTLINE_CENTRE,
        name_zh="10010客服中心",
        name_en="10010 centre",
        parent=u["SD"],
    )
    for dept in ("billing", "marketing"):
        u[f"SD-{dept}"] = add_unit(
            session,
            code=f"SD-{dept}",
            kind=UnitKind.DEPARTMENT,
            name_zh=dept,
            name_en=dept,
            parent=u["SD"],
            department=dept,
        )
        _person(session, p, f"SD-{dept}-h", f"SD-{dept}", Role.DEPARTMENT_HANDLER, password_hash)
    _person(session, p, "hotline-1", "10010", Role.HOTLINE_AGENT, password_hash, seat=Seat.ORDINARY)
    _person(session, p, "expert-1", "10010", Role.HOTLINE_AGENT, password_hash, seat=Seat.EXPERT)
    for area in ("SD", "JN", "QD"):
        _person(session, p, f"{area}-sup", area, Role.SUPERVISOR, password_hash)
    _person(session, p, "admin", "SD", Role.ADMIN, password_hash)
    for key, staff in p.staff.items():
        p.actors[key] = actor_for(session, staff)
    return p


def _county_units(session: Session, p: Province, county: str, pw: str | None) -> None:
    u = p.units
    u[f"{county}-am"] = add_unit(
        session,
        code=f"{county}-am",
        kind=UnitKind.AM_TEAM,
        name_zh="客户经理团队",
        name_en="AM team",
        parent=u[county],
    )
    u[f"{county}-hall"] = add_unit(
        session,
        code=f"{county}-hall",
        kind=UnitKind.HALL,
        name_zh="营业厅",
        name_en="hall",
        parent=u[county],
        hall_kind="standard",
    )
    for dept in ("network", "fixed_line"):
        u[f"{county}-{dept}"] = add_unit(
            session,
            code=f"{county}-{dept}",
            kind=UnitKind.DEPARTMENT,
            name_zh=dept,
            name_en=dept,
            parent=u[county],
            department=dept,
        )
        _person(session, p, f"{county}-{dept}-h", f"{county}-{dept}", Role.DEPARTMENT_HANDLER, pw)
    for i in (1, 2):
        _person(
            session,
            p,
            f"{county}-am{i}",
            f"{county}-am",
            Role.ACCOUNT_MANAGER,
            pw,
            skills=["3g", "iphone"] if i == 1 else ["3g"],
            capacity=200,
        )
    _person(session, p, f"{county}-agent", f"{county}-hall", Role.HALL_AGENT, pw)
    _person(session, p, f"{county}-sup", county, Role.SUPERVISOR, pw)


def _person(
    session: Session,
    p: Province,
    key: str,
    unit: str,
    role: Role,
    pw: str | None,
    *,
    seat: str | None = None,
    skills: list[str] | None = None,
    capacity: int = 50,
) -> None:
    n = len(p.staff) + 1
    p.staff[key] = add_staff(
        session,
        code=key,
        name=f"员工{key}",
        unit=p.units[unit],
        role=role,
        seat=seat,
        skills=skills,
        capacity=capacity,
        phone=f"1860000{n:04d}",
        password_hash=pw,
    )


def add_customer(
    session: Session,
    p: Province,
    key: str,
    *,
    county: str = "JN-LX",
    tier: str = "gold",
    manager: str | None = "JN-LX-am1",
    phone: str | None = None,
    plan_fee: str = "96",
) -> Customer:
    n = len(p.customers) + 1
    unit = p.units[county]
    customer = Customer(
        code=f"C{n:06d}",
        name=f"客户{n}",
        phone=phone or f"1380000{n:04d}",
        id_number=f"37010219800101{n:04d}",
        county_id=unit.id,
        city_id=unit.city_id,
        rural=unit.rural,
        activated_on=date(2024, 1, 1),
        account_manager_id=p.staff[manager].id if manager else None,
        standing=CustomerStanding(tier=tier, lifecycle_stage="stable"),
        row_hash="-",
    )
    session.add(customer)
    session.flush()
    session.add(
        Product(
            code=f"P{n:06d}",
            customer_id=customer.id,
            kind="mobile_3g",
            plan_code=f"3G-{plan_fee}",
            plan_name=f"3G {plan_fee}元套餐",
            monthly_fee=Decimal(plan_fee),
            started_on=date(2024, 1, 1),
            row_hash="-",
        )
    )
    session.flush()
    p.customers[key] = customer
    return customer
