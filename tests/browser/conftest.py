"""A real weixi server and Debian's chromium, shared by the browser tests of one worker.

The server is uvicorn in a thread, on a free port of 127.0.0.1, over a temporary SQLite
database built by the migrations and seeded with the test factories. Its clock is a
FixedClock the tests move forward (with ``tick``) to make SLA deadlines pass.
Outside CI the tests are skipped when /usr/bin/chromium is missing; under CI=true they run.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.conftest import migrated_url
from tests.factories import Province, add_customer, build_province
from tests.web.conftest import add_activity
from weixi.auth.service import hash_password
from weixi.clock import FixedClock, utc
from weixi.config import Settings
from weixi.db.uow import UnitOfWork
from weixi.notifications.ports import LogNotifier
from weixi.web.app import create_app
from weixi.workorders.kinds import WorkOrderKind
from weixi.workorders.service import OrderCreate, create_order

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct-horse-9"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without chromium: skip the browser tests, except under CI=true where that is an error."""
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(
            "CI=true but /usr/bin/chromium is missing: apt-get install chromium"
        )
    skip = pytest.mark.skip(reason="Debian's chromium is not installed (allowed outside CI)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@dataclass
class Server:
    url: str
    clock: FixedClock
    province: Province
    factory: object
    warning_order_id: int

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.factory, clock=self.clock)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_usage(data_dir: Path, customer_code: str, factory: Any, clock: FixedClock) -> None:
    """Twelve months of usage and bills for one customer, exported and imported."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    months = [date(2025, m, 1) for m in range(3, 13)] + [date(2026, 1, 1), date(2026, 2, 1)]
    n = len(months)
    table = pa.table(
        {
            "customer_id": [customer_code] * n,
            "month": months,
            "voice_minutes": [420.0 - 25 * i for i in range(n)],
            "sms": [30 - i for i in range(n)],
            "data_mb": [2048.0 + 90 * i for i in range(n)],
            "roaming_minutes": [0.0] * n,
            "dropped_calls": [i % 4 for i in range(n)],
            "bill_amount": [96.0 + (i % 3) * 8 for i in range(n)],
            "arrears": [0.0] * n,
            "topup_amount": [0.0] * n,
            "plan_changed": [False] * n,
        }
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, data_dir / "usage_monthly.parquet")
    from weixi.customers.usage import import_usage

    with factory() as s:
        import_usage(s, data_dir / "usage_monthly.parquet", now=clock.now())
        s.commit()


def _seed(factory: object, clock: FixedClock) -> tuple[Province, int]:
    with factory() as s:  # type: ignore[operator]
        p = build_province(s, password_hash=hash_password(PASSWORD))
        c1 = add_customer(s, p, "c1", county="JN-LX")
        assert c1.standing is not None
        c1.standing.churn_score = 0.82
        c1.standing.lifecycle_stage = "warning"
        c1.standing.tier_rule = "3G 66元及以上套餐 → 金卡"
        add_customer(s, p, "c2", county="QD-SN", manager="QD-SN-am1")
        add_customer(s, p, "c3", county="JN-PY", manager="JN-PY-am1")
        add_activity(s, p, c1)  # contacts on five channels, a good and a poor cell
        s.commit()
    with UnitOfWork(factory, clock=clock) as uow:  # type: ignore[arg-type]
        order = create_order(
            uow,
            None,
            OrderCreate(
                kind=WorkOrderKind.WARNING,
                title="流失预警：通话量下降",
                customer_id=p.customers["c1"].id,
                reasons=[
                    {
                        "text_zh": "近三个月通话分钟数下降 60%",
                        "text_en": "Voice minutes down 60% over three months",
                        "action_zh": "推荐 96 元融合套餐",
                        "action_en": "Offer the 96-yuan bundle",
                    }
                ],
            ),
        )
        uow.commit()
        return p, order.id


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("browser")
    url = migrated_url("sqlite", tmp, "browser")
    clock = FixedClock(utc(2026, 3, 2, 1, 0))  # Monday 09:00 in Shanghai
    settings = Settings(database_url=url, data_dir=tmp / "data", var_dir=tmp / "var")
    app = create_app(settings, clock=clock, notifier=LogNotifier())
    factory = app.state.session_factory
    province, order_id = _seed(factory, clock)
    _write_usage(settings.data_dir, province.customers["c1"].code, factory, clock)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    while not uv.started:
        thread.join(0.05)
        assert thread.is_alive(), "the test server did not start"
    yield Server(f"http://127.0.0.1:{port}", clock, province, factory, order_id)
    uv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_as(browser: object, server: Server) -> Iterator[object]:
    """``open_as(login)`` → a logged-in page in a fresh context (its own cookies)."""
    contexts = []

    def login(who: str, *, width: int = 1280, height: int = 860) -> object:
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, locale="zh-CN"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{server.url}/console/login")
        page.fill("input[name=login]", who)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.url}/console/")
        return page

    yield login
    for context in contexts:
        context.close()


def shot(page: object, name: str) -> None:
    """Write a screenshot of the page to docs/screenshots (kept current by the tests)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
