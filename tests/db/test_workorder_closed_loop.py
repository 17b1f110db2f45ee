"""The work-order closed loop on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.factories import add_customer, build_province

from weixi.db.uow import UnitOfWork
from weixi.errors import Forbidden, IllegalTransition, NotFound
from weixi.workorders import repository, service
from weixi.workorders.kinds import Category, Status, WorkOrderKind
from weixi.workorders.models import WorkOrderHistory
from weixi.workorders.service import OrderCreate


def _complaint(uow: UnitOfWork, p, agent: str = "hotline-1", category=Category.NETWORK):
    customer = add_customer(uow.session, p, "c1")
    return service.create_order(
        uow,
        p.actors[agent],
        OrderCreate(
            kind=WorkOrderKind.COMPLAINT,
            customer_id=customer.id,
            category=category,
            title="信号差",
            channel="hotline_ordinary",
        ),
    )


def test_complaint_is_dispatched_to_the_county_network_department(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    order = _complaint(uow, p)
    assert order.status == Status.DISPATCHED
    assert order.handler_id == p.staff["JN-LX-network-h"].id
    assert order.first_contact_owner_id == p.staff["hotline-1"].id
    assert "least open load" in order.dispatch_reason
    assert order.resolution_due is not None and order.resolution_due > order.opened_at


def test_warning_order_goes_to_the_customers_own_manager(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    customer = add_customer(uow.session, p, "c1", manager="JN-LX-am2")
    order = service.create_order(
        uow, None, OrderCreate(kind=WorkOrderKind.WARNING, customer_id=customer.id, title="预警")
    )
    assert order.handler_id == p.staff["JN-LX-am2"].id
    assert order.first_contact_owner_id is None


def test_complaint_cannot_close_without_callback(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    order = _complaint(uow, p)
    handler = p.actors["JN-LX-network-h"]
    service.accept_order(uow, handler, order.id)
    service.resolve_order(uow, handler, order.id, resolution="基站已修复")
    with pytest.raises(IllegalTransition):
        service.close_order(uow, handler, order, reason="done")
    assert order.status == Status.RESOLVED


def test_first_contact_owner_keeps_the_order_through_transfers(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    order = _complaint(uow, p, category=Category.SERVICE)
    first_handler = p.actors["SD-marketing-h"]
    assert order.handler_id == first_handler.staff_id
    service.accept_order(uow, first_handler, order.id)
    service.transfer_order(uow, first_handler, order.id, department="billing", reason="计费问题")
    assert order.handler_id == p.staff["SD-billing-h"].id
    assert order.first_contact_owner_id == p.staff["hotline-1"].id
    owner = p.actors["hotline-1"]
    assert repository.get_visible(uow.session, owner, order.id).id == order.id


def test_an_order_outside_my_county_answers_not_found(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    order = _complaint(uow, p)
    with pytest.raises(NotFound):
        repository.get_visible(uow.session, p.actors["QD-SN-sup"], order.id)
    with pytest.raises(NotFound):
        service.accept_order(uow, p.actors["QD-SN-network-h"], order.id)
    assert repository.get_visible(uow.session, p.actors["JN-sup"], order.id)
    assert repository.get_visible(uow.session, p.actors["SD-sup"], order.id)


def test_only_the_named_handler_may_accept(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    order = _complaint(uow, p)
    with pytest.raises((Forbidden, NotFound)):
        service.accept_order(uow, p.actors["JN-LX-am1"], order.id)


def test_every_status_change_is_in_the_history(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    order = _complaint(uow, p)
    handler = p.actors["JN-LX-network-h"]
    service.accept_order(uow, handler, order.id)
    service.wait_for_customer(uow, handler, order.id, reason="等客户在家")
    service.resume_order(uow, handler, order.id)
    service.resolve_order(uow, handler, order.id, resolution="修复")
    rows = uow.session.scalars(
        select(WorkOrderHistory)
        .where(WorkOrderHistory.order_id == order.id)
        .order_by(WorkOrderHistory.id)
    ).all()
    moves = [(r.from_status, r.to_status) for r in rows if r.to_status]
    assert moves == [
        (None, "new"),
        ("new", "dispatched"),
        ("dispatched", "accepted"),
        ("accepted", "waiting_customer"),
        ("waiting_customer", "accepted"),
        ("accepted", "resolved"),
    ]
