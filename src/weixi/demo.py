"""The demo province: synthetic export → import → nightly cycle → a few live complaints."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from weixi.analytics.engines import make_engine as make_analytics_engine
from weixi.analytics.nightly.pipeline import NightlyConfig, build_steps
from weixi.analytics.nightly.runner import RunContext, run_steps
from weixi.auth.service import hash_password
from weixi.clock import Clock
from weixi.customers.contacts import import_contacts
from weixi.customers.importer import import_customers, import_products
from weixi.customers.models import Customer
from weixi.customers.usage import import_usage
from weixi.db.migrate import upgrade
from weixi.db.uow import UnitOfWork
from weixi.network.importer import import_network
from weixi.org.importer import import_org_units, import_staff
from weixi.org.models import OrgUnit, Staff
from weixi.org.roles import Role, Seat
from weixi.org.service import actor_for
from weixi.synth.generate import generate
from weixi.synth.world import SynthConfig
from weixi.workorders import service
from weixi.workorders.kinds import Category, WorkOrderKind
from weixi.workorders.models import WorkOrder
from weixi.workorders.service import OrderCreate

DEMO_PASSWORD = "weixi2010"
#: The synthetic operator's data end in December 2010; the demo night is the 1st of January.
DEMO_AS_OF = dt.date(2011, 1, 1)

Say = Callable[[str], None]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    login: str
    name: str
    where: str


def build_demo(
    *,
    url: str,
    var_dir: Path,
    session_factory: sessionmaker[Session],
    clock: Clock,
    customers: int,
    seed: int = 2010,
    say: Say = print,
) -> list[DemoLogin]:
    """Everything ``weixi demo`` shows, from an empty database."""
    data = var_dir / "demo-export"
    if not (data / "customers.parquet").exists():
        say(f"generating a synthetic province of {customers:,} customers × 12 months …")
        generate(SynthConfig(customers=customers, months=12, seed=seed), data)
    upgrade(url)
    with UnitOfWork(session_factory, clock=clock) as uow:
        if uow.session.scalar(select(func.count()).select_from(Customer)) == 0:
            say("importing org, staff, customers, products, contacts, usage and cells …")
            _import(uow, data)
            _set_passwords(uow.session)
            uow.commit()
    say("running the nightly cycle (tiers, stages, churn model, warnings, dispatch) …")
    engine = make_analytics_engine("duckdb")
    cfg = NightlyConfig(
        as_of=DEMO_AS_OF,
        data_dir=data,
        var_dir=var_dir,
        engine=engine,
        session_factory=session_factory,
        clock=clock,
    )
    run_steps(build_steps(cfg), RunContext(cfg.run_dir))
    engine.close()
    with UnitOfWork(session_factory, clock=clock) as uow:
        logins = _logins(uow.session)
        _live_complaints(uow, logins)
        uow.commit()
    return logins


def _import(uow: UnitOfWork, data: Path) -> None:
    now, s = uow.clock.now(), uow.session
    import_org_units(s, data / "org_units.parquet", now=now)
    import_staff(s, data / "staff.parquet", now=now)
    import_customers(s, data / "customers.parquet", now=now)
    import_products(
        s, data / "products.parquet", now=now, customers_file=data / "customers.parquet"
    )
    # The customer 360 view's contacts, usage and bills, and network perception.
    import_contacts(
        s, data / "contacts.parquet", now=now, customers_file=data / "customers.parquet"
    )
    import_usage(
        s, data / "usage_monthly.parquet", now=now, customers_file=data / "customers.parquet"
    )
    import_network(s, data, now=now)


def _set_passwords(session: Session) -> None:
    """One demo password for everyone (hashed once: argon2 is slow on purpose)."""
    session.execute(update(Staff).values(password_hash=hash_password(DEMO_PASSWORD)))


def _logins(session: Session) -> list[DemoLogin]:
    """One person per role, all in the county with the most warning orders."""
    county_id = session.scalar(
        select(WorkOrder.county_id)
        .where(WorkOrder.kind == "warning")
        .group_by(WorkOrder.county_id)
        .order_by(func.count().desc())
        .limit(1)
    )
    county = (
        session.get(OrgUnit, county_id)
        if county_id
        else session.scalars(select(OrgUnit).where(OrgUnit.kind == "county")).first()
    )
    assert county is not None
    in_county = Staff.county_id == county.id
    picks: list[tuple[str, list[ColumnElement[bool]]]] = [
        ("account manager 客户经理", [Staff.role == Role.ACCOUNT_MANAGER, in_county]),
        ("hall agent 营业厅", [Staff.role == Role.HALL_AGENT, in_county]),
        ("hotline agent 10010", [Staff.role == Role.HOTLINE_AGENT, Staff.seat == Seat.ORDINARY]),
        ("network department 网络部", [Staff.role == Role.DEPARTMENT_HANDLER, in_county]),
        ("county supervisor 县级主管", [Staff.role == Role.SUPERVISOR, in_county]),
        (
            "city supervisor 市级主管",
            [
                Staff.role == Role.SUPERVISOR,
                Staff.city_id == county.city_id,
                Staff.county_id.is_(None),
            ],
        ),
        ("province supervisor 省级主管", [Staff.role == Role.SUPERVISOR, Staff.city_id.is_(None)]),
        ("administrator 管理员", [Staff.role == Role.ADMIN]),
    ]
    out = []
    for label, where in picks:
        stmt = select(Staff).where(*where)
        if label.startswith("account manager"):
            stmt = (
                stmt.join(WorkOrder, WorkOrder.handler_id == Staff.id)
                .group_by(Staff.id)
                .order_by(func.count().desc())
            )
        staff = session.scalars(stmt.order_by(Staff.id).limit(1)).first()
        if staff is not None:
            out.append(DemoLogin(label, staff.code, staff.name, county.name_zh))
    return out


def _live_complaints(uow: UnitOfWork, logins: list[DemoLogin]) -> None:
    """A few complaints logged by the demo agents, so queues and first-contact work show."""
    agent = next((x for x in logins if x.role.startswith("hotline")), None)
    if agent is None or uow.session.scalar(
        select(func.count()).select_from(WorkOrder).where(WorkOrder.kind == "complaint")
    ):
        return
    staff = uow.session.scalars(select(Staff).where(Staff.code == agent.login)).one()
    actor = actor_for(uow.session, staff)
    county = uow.session.scalars(select(Staff.county_id).where(Staff.code == logins[0].login)).one()
    people = uow.session.scalars(
        select(Customer).where(Customer.county_id == county).order_by(Customer.id).limit(6)
    ).all()
    texts = [
        ("信号差，室内经常无服务", Category.NETWORK),
        ("本月账单比平时多了一倍", Category.BILLING),
        ("营业厅等候时间太长", Category.SERVICE),
        ("手机上网速度慢", Category.NETWORK),
        ("宽带装机超时未完成", Category.FIXED_LINE_TIMELINESS),
        ("套餐变更未生效", Category.PRODUCT),
    ]
    for customer, (text, category) in zip(people, texts, strict=False):
        service.create_order(
            uow,
            actor,
            OrderCreate(
                kind=WorkOrderKind.COMPLAINT,
                customer_id=customer.id,
                category=category,
                title=text,
                description=text,
                channel="hotline_ordinary",
            ),
        )
