"""The HTTP API end to end: log-in, scope, masking, the closed loop, problem JSON."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import Province, add_customer, build_province

from weixi.auth.service import hash_password
from weixi.clock import FixedClock
from weixi.config import Settings
from weixi.notifications.ports import LogNotifier
from weixi.web.app import create_app

PASSWORD = "correct-horse-9"
HASH = hash_password(PASSWORD)


@pytest.fixture
def api(
    db_engine: Engine, session_factory: sessionmaker[Session], clock: FixedClock
) -> Iterator[tuple[TestClient, Province]]:
    with session_factory() as s:
        p = build_province(s, password_hash=HASH)
        add_customer(s, p, "c1", county="JN-LX")
        add_customer(s, p, "c2", county="QD-SN", manager="QD-SN-am1")
        s.commit()
    app = create_app(Settings(database_url=str(db_engine.url)), clock=clock, notifier=LogNotifier())
    app.state.session_factory = session_factory
    yield TestClient(app), p


def login(client: TestClient, who: str) -> TestClient:
    r = client.post("/api/v1/auth/login", json={"login": who, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def test_api_refuses_anonymous_callers_with_problem_json(api) -> None:
    client, _ = api
    r = client.get("/api/v1/orders")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 401


def test_wrong_password_is_refused(api) -> None:
    client, _ = api
    r = client.post("/api/v1/auth/login", json={"login": "admin", "password": "nope-nope"})
    assert r.status_code == 401


def test_bearer_token_works_for_api_clients(api) -> None:
    client, _ = api
    r = client.post("/api/v1/auth/tokens", json={"login": "SD-sup", "password": PASSWORD})
    token = r.json()["token"]
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.json()["code"] == "SD-sup"
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer wx_forged"})
    assert r.status_code == 401


def test_phone_numbers_are_masked_for_agents_and_whole_for_managers(api) -> None:
    client, p = api
    cid = p.customers["c1"].id
    agent = login(client, "hotline-1").get(f"/api/v1/customers/{cid}").json()
    assert agent["phone"] == "138****0001"
    assert agent["id_number"].count("*") == 8
    manager = login(client, "JN-LX-am1").get(f"/api/v1/customers/{cid}").json()
    assert manager["phone"] == "13800000001"


def test_complaint_loop_over_http(api) -> None:
    client, p = api
    cid = p.customers["c1"].id
    login(client, "hotline-1")
    r = client.post(
        "/api/v1/orders",
        json={"kind": "complaint", "customer_id": cid, "category": "network", "title": "信号差"},
    )
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    login(client, "JN-LX-network-h")
    assert client.post(f"/api/v1/orders/{oid}/accept").json()["status"] == "accepted"
    assert client.post(f"/api/v1/orders/{oid}/accept").status_code == 409
    r = client.post(f"/api/v1/orders/{oid}/resolve", json={"resolution": "基站修复"})
    assert r.json()["status"] == "resolved"
    login(client, "hotline-1")
    r = client.post(
        f"/api/v1/orders/{oid}/callbacks",
        json={
            "reached": True,
            "answers": {"resolved": False, "remaining": "还是没信号", "handling": 2, "attitude": 4},
        },
    )
    assert r.status_code == 201, r.text
    order = client.get(f"/api/v1/orders/{oid}").json()
    assert order["status"] == "dispatched"
    assert order["handler_id"] == p.staff["JN-LX-network-h"].id
    events = [h["event"] for h in client.get(f"/api/v1/orders/{oid}/history").json()]
    assert events[-2:] == ["reopened", "dispatched"]


CROSS_COUNTY = [
    ("get", "/api/v1/orders/{oid}", None),
    ("get", "/api/v1/orders/{oid}/history", None),
    ("post", "/api/v1/orders/{oid}/accept", None),
    ("post", "/api/v1/orders/{oid}/transfer", {"department": "billing", "reason": "x"}),
    ("post", "/api/v1/orders/{oid}/wait", {"reason": "x"}),
    ("post", "/api/v1/orders/{oid}/resume", None),
    ("post", "/api/v1/orders/{oid}/resolve", {"resolution": "x"}),
    ("post", "/api/v1/orders/{oid}/cancel", {"reason": "x"}),
    ("post", "/api/v1/orders/{oid}/notes", {"body": "x"}),
    ("post", "/api/v1/orders/{oid}/callbacks", {"reached": False}),
    ("post", "/api/v1/orders/{oid}/close-unreachable", {"reason": "x"}),
    ("get", "/api/v1/customers/{cid}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), CROSS_COUNTY)
def test_another_countys_objects_answer_404_on_every_endpoint(api, method, path, body) -> None:
    client, p = api
    cid = p.customers["c1"].id
    login(client, "hotline-1")
    oid = client.post(
        "/api/v1/orders",
        json={"kind": "complaint", "customer_id": cid, "category": "network", "title": "t"},
    ).json()["id"]
    login(client, "QD-SN-sup")
    url = path.format(oid=oid, cid=cid)
    r = client.request(method, url, json=body) if body else client.request(method, url)
    assert r.status_code == 404, (url, r.text)
    listed = client.get("/api/v1/orders").json()
    assert oid not in [o["id"] for o in listed["items"]]
