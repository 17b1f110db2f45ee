"""A console app on the test database with a seeded province, and logged-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import Province, add_customer, build_province
from weixi.auth.service import hash_password
from weixi.clock import FixedClock
from weixi.config import Settings
from weixi.db.uow import UnitOfWork
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


def seed(factory: sessionmaker[Session], clock: FixedClock) -> tuple[Province, int]:
    """Province, customers in two cities, and one warning order for JN-LX-am1."""
    with factory() as s:
        p = build_province(s, password_hash=HASH)
        add_customer(s, p, "c1", county="JN-LX")
        add_customer(s, p, "c2", county="QD-SN", manager="QD-SN-am1")
        add_customer(s, p, "c3", county="JN-PY", manager="JN-PY-am1")
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
