"""SLA clocks and the escalation ladder on stored orders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.factories import add_customer, build_province

from weixi.clock import FixedClock
from weixi.db.uow import UnitOfWork
from weixi.errors import Conflict, Forbidden, NotFound
from weixi.notifications.models import Notification
from weixi.workorders import service
from weixi.workorders.jobs import escalate_order, tick
from weixi.workorders.kinds import Category, WorkOrderKind
from weixi.workorders.models import Escalation
from weixi.workorders.service import OrderCreate


def _fault(uow: UnitOfWork, p, county: str = "JN-LX"):
    customer = add_customer(uow.session, p, "c1", county=county)
    return service.create_order(
        uow,
        p.actors[f"{county}-agent"],
        OrderCreate(kind=WorkOrderKind.FAULT, customer_id=customer.id, title="宽带断线"),
    )


def test_fixed_line_fault_gets_48_hours_in_town_and_72_in_the_countryside(
    uow: UnitOfWork,
) -> None:
    p = build_province(uow.session)
    town = _fault(uow, p, "JN-LX")
    rural = _fault(uow, p, "JN-PY")
    assert town.resolution_due - town.opened_at == timedelta(hours=48)
    assert rural.resolution_due - rural.opened_at == timedelta(hours=72)


def test_breach_climbs_county_then_city_then_province(uow: UnitOfWork, clock: FixedClock) -> None:
    p = build_province(uow.session)
    order = _fault(uow, p)
    clock.advance(timedelta(hours=40))  # past 80 % of 48 h
    assert tick(uow).steps == {"warned": 1}
    clock.advance(timedelta(hours=9))  # 49 h: breached
    assert tick(uow).steps == {"county": 1}
    assert order.sla_breached
    clock.advance(timedelta(hours=24))  # overdue by half the budget
    assert tick(uow).steps == {"city": 1}
    clock.advance(timedelta(hours=24))
    assert tick(uow).steps == {"province": 1}
    levels = uow.session.scalars(
        select(Escalation.level).where(Escalation.order_id == order.id).order_by(Escalation.id)
    ).all()
    assert levels == ["warned", "county", "city", "province"]
    told = {
        n.recipient_id
        for n in uow.session.scalars(
            select(Notification).where(Notification.kind.like("escalation.%"))
        )
    }
    assert {p.staff[k].id for k in ("JN-LX-sup", "JN-sup", "SD-sup")} <= told


def test_tick_is_idempotent(uow: UnitOfWork, clock: FixedClock) -> None:
    p = build_province(uow.session)
    _fault(uow, p)
    clock.advance(timedelta(days=5))
    first = tick(uow)
    assert sum(first.steps.values()) == 4  # a late tick takes every missed rung
    assert sum(tick(uow).steps.values()) == 0


def test_waiting_on_the_customer_pauses_the_clock(uow: UnitOfWork, clock: FixedClock) -> None:
    p = build_province(uow.session)
    order = _fault(uow, p)
    handler = p.actors["JN-LX-fixed_line-h"]
    assert order.handler_id == handler.staff_id
    due = order.resolution_due
    service.accept_order(uow, handler, order.id)
    service.wait_for_customer(uow, handler, order.id, reason="客户不在家")
    clock.advance(timedelta(hours=10))
    assert sum(tick(uow).steps.values()) == 0
    service.resume_order(uow, handler, order.id)
    assert order.resolution_due == due + timedelta(hours=10)


def test_complaint_category_does_not_change_rural_rule(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    customer = add_customer(uow.session, p, "c9", county="JN-PY")
    order = service.create_order(
        uow,
        p.actors["hotline-1"],
        OrderCreate(
            kind=WorkOrderKind.COMPLAINT,
            customer_id=customer.id,
            category=Category.BILLING,
            title="账单有误",
        ),
    )
    assert order.resolution_due - order.opened_at == timedelta(days=15)


def test_a_supervisor_escalates_to_the_next_level_once(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    order = _fault(uow, p)
    with pytest.raises(Forbidden):  # the handler sees the order but is no supervisor
        escalate_order(uow, p.actors["JN-LX-fixed_line-h"], order.id, reason="客户很急")
    escalate_order(uow, p.actors["JN-LX-sup"], order.id, reason="客户很急")
    assert order.escalation_level == "city"
    with pytest.raises(Conflict):
        escalate_order(uow, p.actors["JN-LX-sup"], order.id, reason="again")
    escalate_order(uow, p.actors["JN-sup"], order.id, reason="全市影响")
    assert order.escalation_level == "province"
    told = {
        n.recipient_id
        for n in uow.session.scalars(
            select(Notification).where(Notification.kind.like("escalation.%"))
        )
    }
    assert {p.staff["JN-sup"].id, p.staff["SD-sup"].id} <= told
    with pytest.raises(NotFound):
        escalate_order(uow, p.actors["QD-SN-sup"], order.id, reason="x")
