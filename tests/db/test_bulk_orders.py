"""The nightly bulk path: many orders at once, dispatched, with history, rerunnable."""

from __future__ import annotations

from sqlalchemy import func, select
from tests.factories import add_customer, build_province

from weixi.db.uow import UnitOfWork
from weixi.workorders.bulk import OrderSpec, create_orders_bulk
from weixi.workorders.kinds import WorkOrderKind
from weixi.workorders.models import WorkOrder, WorkOrderHistory
from weixi.workorders.service import OrderCreate, create_order, load_rules


def _specs(p, n: int) -> list[OrderSpec]:
    c = p.customers["c1"]
    return [
        OrderSpec(
            source_key=f"2026-03-01:warning:{i}",
            kind="warning",
            title="预警",
            customer_id=c.id,
            county_id=c.county_id,
            city_id=c.city_id,
            tier="gold",
            account_manager_id=p.staff["JN-LX-am1"].id if i % 2 else None,
            reasons=[{"text_zh": "账单上涨", "text_en": "bill up"}],
        )
        for i in range(n)
    ]


def test_bulk_creation_is_idempotent_and_records_history(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    add_customer(uow.session, p, "c1")
    rules, now = load_rules(uow.session), uow.clock.now()
    first = create_orders_bulk(uow.session, _specs(p, 30), rules=rules, now=now, chunk=7)
    again = create_orders_bulk(uow.session, _specs(p, 30), rules=rules, now=now, chunk=7)
    assert (first.created, again.created, again.existing) == (30, 0, 30)
    count = uow.session.scalar(select(func.count()).select_from(WorkOrder))
    history = uow.session.scalar(select(func.count()).select_from(WorkOrderHistory))
    assert (count, history) == (30, 60)


def test_bulk_orders_without_a_manager_spread_over_the_county_team(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    add_customer(uow.session, p, "c1", manager=None)
    rules, now = load_rules(uow.session), uow.clock.now()
    specs = [s for s in _specs(p, 20) if s.account_manager_id is None]
    create_orders_bulk(uow.session, specs, rules=rules, now=now)
    per_handler = dict(
        uow.session.execute(
            select(WorkOrder.handler_id, func.count()).group_by(WorkOrder.handler_id)
        ).all()
    )
    team = {p.staff["JN-LX-am1"].id, p.staff["JN-LX-am2"].id}
    assert set(per_handler) == team and set(per_handler.values()) == {5}
    order = uow.session.scalars(select(WorkOrder).limit(1)).one()
    assert order.resolution_due is not None and "least open load" in order.dispatch_reason


def test_bulk_orders_read_back_like_any_other_order(uow: UnitOfWork) -> None:
    """Columns written in bulk (JSON as text, ids drawn ahead) come back as the ORM's."""
    p = build_province(uow.session)
    c = add_customer(uow.session, p, "c1")
    rules, now = load_rules(uow.session), uow.clock.now()
    create_orders_bulk(uow.session, _specs(p, 4), rules=rules, now=now)
    orders = uow.session.scalars(select(WorkOrder).order_by(WorkOrder.source_key)).all()
    first = orders[0]
    # Orders with the customer's manager go to them, the others to the county's team.
    am1 = p.staff["JN-LX-am1"].id
    for order, spec in zip(orders, sorted(_specs(p, 4), key=lambda s: s.source_key), strict=True):
        if spec.account_manager_id is not None:
            assert (order.handler_id, order.pool_unit_id) == (am1, None)
        else:
            assert order.handler_id is not None and order.pool_unit_id is not None
    assert first.reasons == [{"text_zh": "账单上涨", "text_en": "bill up"}]
    assert first.sla_policy["matched"]["kind"] == "warning"
    assert first.opened_at == now and first.status == "dispatched" and first.version == 1
    steps = uow.session.execute(
        select(WorkOrderHistory.event, WorkOrderHistory.to_status, WorkOrderHistory.reason)
        .where(WorkOrderHistory.order_id == first.id)
        .order_by(WorkOrderHistory.id)
    ).all()
    assert [tuple(s) for s in steps] == [
        ("created", "new", "预警"),
        ("dispatched", "dispatched", first.dispatch_reason),
    ]
    # The ids drawn for the batch leave the table's sequence ahead of them.
    later = create_order(
        uow, None, OrderCreate(kind=WorkOrderKind.COMPLAINT, title="投诉", customer_id=c.id)
    )
    assert later.id > max(o.id for o in orders)
