"""Two people accepting one order at the same moment: exactly one wins."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.conftest import PG_OK, dispose_and_drop, migrated_url
from tests.factories import add_customer, build_province

from weixi.clock import FixedClock, utc
from weixi.db.session import make_engine, make_session_factory
from weixi.db.uow import UnitOfWork
from weixi.errors import Conflict
from weixi.org.actor import Actor
from weixi.workorders import service
from weixi.workorders.kinds import WorkOrderKind
from weixi.workorders.models import WorkOrderHistory
from weixi.workorders.service import OrderCreate


@pytest.mark.skipif(not PG_OK, reason="PostgreSQL not running (allowed outside CI)")
def test_two_threads_accepting_one_order_on_postgresql(tmp_path: Path) -> None:
    engine = make_engine(migrated_url("postgresql", tmp_path, "race"))
    factory = make_session_factory(engine)
    clock = FixedClock(utc(2026, 3, 2, 1))
    with UnitOfWork(factory, clock=clock) as uow:
        p = build_province(uow.session)
        customer = add_customer(uow.session, p, "c1")
        order = service.create_order(
            uow,
            None,
            OrderCreate(
                kind=WorkOrderKind.COMPLAINT, customer_id=customer.id, category="network", title="t"
            ),
        )
        # Queue it to the department as a whole, so both handlers may take it.
        order.handler_id = None
        uow.commit()
        actor = p.actors["JN-LX-network-h"]
        twin = Actor(
            **{
                **{f: getattr(actor, f) for f in actor.__slots__},
                "staff_id": p.staff["JN-LX-fixed_line-h"].id,
                "unit_id": actor.unit_id,
            }
        )
        order_id = order.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(who: Actor) -> None:
        with UnitOfWork(factory, clock=clock) as uow:
            try:
                o = service.repository.get_visible(uow.session, who, order_id)
                barrier.wait(timeout=10)
                service.accept_order(uow, who, o.id)
                uow.commit()
                outcomes.append("ok")
            except Conflict:
                outcomes.append("409")
            except Exception as exc:  # StaleDataError is mapped to 409 by the web layer
                outcomes.append("409" if type(exc).__name__ == "StaleDataError" else repr(exc))

    threads = [threading.Thread(target=accept, args=(a,)) for a in (actor, twin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["409", "ok"]
    with factory() as s:
        accepted = s.scalars(
            select(WorkOrderHistory).where(
                WorkOrderHistory.order_id == order_id, WorkOrderHistory.to_status == "accepted"
            )
        ).all()
    assert len(accepted) == 1
    dispose_and_drop(engine)
