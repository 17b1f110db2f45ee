"""A console app on the test database with a seeded province, and logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import Province, add_customer, build_province
from weixi.auth.service import hash_password
from weixi.clock import FixedClock
from weixi.config import Settings
from weixi.customers.contacts import CustomerContact
from weixi.customers.models import Customer
from weixi.db.uow import UnitOfWork
from weixi.network.models import Cell, CellKpiMonthly, CustomerCell
from weixi.notifications.ports import LogNotifier
from weixi.web.app import create_app
from weixi.workorders.kinds import WorkOrderKind
from weixi.workorders.service import OrderCreate, create_order

PASSWORD = "correct-horse-9"
HASH = hash_password(PASSWORD)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Console:
    app: object
    province: Province
    factory: sessionmaker[Session]
    clock: FixedClock
    warning_order_id: int
    login: Callable[[str], TestClient]


#: A whole mobile number inside a contact's free text (masked like any other number).
NUMBER_IN_TEXT = "13912345678"


def add_activity(session: Session, p: Province, customer: Customer) -> None:
    """Contacts on five channels and two cells (one good, one poor) for ``customer``."""
    at = datetime(2026, 2, 10, 2, 30, tzinfo=UTC)
    contacts = [
        ("K1", "hall", "transaction", None, "办理96元套餐", None, True, 5),
        ("K2", "ivr", "enquiry", None, "查询话费余额", None, True, None),
        (
            "K3",
            "hotline_expert",
            "complaint",
            "network",
            f"室内无信号，回拨 {NUMBER_IN_TEXT}",
            "expert-1",
            False,
            2,
        ),
        ("K4", "app", "transaction", None, "缴纳话费", None, True, None),
        ("K5", "sms", "enquiry", None, "查询流量", None, True, None),
    ]
    for i, (code, channel, kind, category, text, staff, resolved, score) in enumerate(contacts):
        session.add(
            CustomerContact(
                code=f"{customer.code}-{code}",
                customer_id=customer.id,
                at=at - timedelta(days=9 * i),
                channel=channel,
                kind=kind,
                category=category,
                description=text,
                resolved=resolved,
                staff_id=p.staff[staff].id if staff else None,
                satisfaction=score,
                row_hash="-",
            )
        )
    county = p.units[next(k for k, u in p.units.items() if u.id == customer.county_id)]
    good = Cell(code=f"{county.code}-W0001", county_id=county.id, technology="wcdma",
                band="WCDMA2100", lat=36.66, lon=117.05, row_hash="-")  # fmt: skip
    poor = Cell(code=f"{county.code}-G0002", county_id=county.id, technology="gsm",
                band="GSM900", lat=36.67, lon=117.06, row_hash="-")  # fmt: skip
    session.add_all([good, poor])
    session.flush()
    months = [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1)]
    per_month = {
        good.id: (1000, 990, 990, 985, 5, 500, 495, 10000, 300, 27000.0, 30),
        poor.id: (1000, 900, 900, 855, 70, 500, 470, 10000, 2000, 9000.0, 30),
    }
    names = ("rrc_att", "rrc_succ", "rab_att", "rab_succ", "rab_abnormal_rel", "ho_att",
             "ho_succ", "samples", "weak_samples", "thr_sum", "thr_days")  # fmt: skip
    for cell_id, values in per_month.items():
        for month in months:
            row = dict(zip(names, values, strict=True))
            session.add(CellKpiMonthly(cell_id=cell_id, month=month, kpi_days=30, **row))
    for cell, share in ((good, 0.7), (poor, 0.3)):
        session.add(
            CustomerCell(
                customer_id=customer.id,
                cell_id=cell.id,
                traffic_share=share,
                window_start=months[0],
                window_end=months[-1],
            )
        )
    session.flush()


def seed(factory: sessionmaker[Session], clock: FixedClock) -> tuple[Province, int]:
    """Province, customers in two cities, and one warning order for JN-LX-am1."""
    with factory() as s:
        p = build_province(s, password_hash=HASH)
        c1 = add_customer(s, p, "c1", county="JN-LX")
        add_customer(s, p, "c2", county="QD-SN", manager="QD-SN-am1")
        add_customer(s, p, "c3", county="JN-PY", manager="JN-PY-am1")
        add_activity(s, p, c1)
        s.commit()
    with UnitOfWork(factory, clock=clock) as uow:
        order = create_order(
            uow,
            None,
            OrderCreate(
                kind=WorkOrderKind.WARNING,
                title="流失预警",
                customer_id=p.customers["c1"].id,
                reasons=[
                    {
                        "text_zh": "近三月通话量下降60%",
                        "text_en": "Calls down 60% in 3 months",
                        "action": "offer_plan",
                    },
                ],
            ),
        )
        uow.commit()
        return p, order.id


@pytest.fixture
def console(
    db_engine: Engine, session_factory: sessionmaker[Session], clock: FixedClock
) -> Iterator[Console]:
    p, order_id = seed(session_factory, clock)
    app = create_app(Settings(database_url=str(db_engine.url)), clock=clock, notifier=LogNotifier())
    app.state.session_factory = session_factory

    def login(who: str) -> TestClient:
        client = TestClient(app)
        page = client.get("/console/login")
        token = CSRF.search(page.text)
        assert token, page.text
        r = client.post(
            "/console/login",
            data={"login": who, "password": PASSWORD, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        return client

    yield Console(app, p, session_factory, clock, order_id, login)


def csrf_of(client: TestClient, url: str) -> str:
    page = client.get(url)
    match = CSRF.search(page.text)
    assert match, page.text
    return match.group(1)
