"""Pure console rules: which actions an order page offers, and how an SLA clock looks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from weixi.clock import utc
from weixi.org.actor import Actor
from weixi.org.roles import Role
from weixi.web.console.actions import Action, allowed_actions
from weixi.web.console.sla_view import sla_badge

NOW = utc(2026, 3, 2, 1, 0)


@dataclass
class FakeOrder:
    kind: str = "complaint"
    status: str = "accepted"
    handler_id: int | None = 1
    first_contact_owner_id: int | None = 2
    pool_unit_id: int | None = 10
    county_id: int = 100
    city_id: int = 50
    unanswered_callbacks: int = 0
    resolution_due: datetime | None = NOW + timedelta(hours=10)
    warn_at: datetime | None = NOW + timedelta(hours=8)
    paused_since: datetime | None = None
    sla_breached: bool = False


def actor(staff_id: int, role: Role, *, unit: int = 10, county: int | None = 100) -> Actor:
    return Actor(staff_id, f"s{staff_id}", "x", role, unit, 1, 50, county)


HANDLER = actor(1, Role.DEPARTMENT_HANDLER)
OWNER = actor(2, Role.HOTLINE_AGENT, unit=99, county=None)
SUPERVISOR = actor(3, Role.SUPERVISOR, unit=100)
OTHER_COUNTY_SUPERVISOR = actor(4, Role.SUPERVISOR, unit=101, county=101)


def test_the_handler_of_an_accepted_order_may_resolve_transfer_wait_and_note() -> None:
    offered = allowed_actions(HANDLER, FakeOrder())
    assert offered == [Action.TRANSFER, Action.WAIT, Action.RESOLVE, Action.NOTE]


def test_a_dispatched_order_offers_accept_only_to_its_handler() -> None:
    order = FakeOrder(status="dispatched")
    assert Action.ACCEPT in allowed_actions(HANDLER, order)
    assert Action.ACCEPT not in allowed_actions(OWNER, order)


def test_a_queued_order_may_be_accepted_by_anyone_in_the_queue() -> None:
    order = FakeOrder(status="dispatched", handler_id=None)
    colleague = actor(9, Role.DEPARTMENT_HANDLER, unit=10)
    assert Action.ACCEPT in allowed_actions(colleague, order)


def test_complaints_are_called_back_only_once_resolved_and_by_the_owner_too() -> None:
    assert Action.CALLBACK not in allowed_actions(OWNER, FakeOrder(status="accepted"))
    assert Action.CALLBACK in allowed_actions(OWNER, FakeOrder(status="resolved"))


def test_warning_orders_are_called_back_while_they_are_worked() -> None:
    order = FakeOrder(kind="warning", first_contact_owner_id=None)
    assert Action.CALLBACK in allowed_actions(HANDLER, order)


def test_only_a_supervisor_of_the_area_may_cancel_or_close_without_the_customer() -> None:
    order = FakeOrder(status="resolved", unanswered_callbacks=3)
    assert Action.CLOSE_UNREACHABLE in allowed_actions(SUPERVISOR, order)
    assert Action.CANCEL in allowed_actions(SUPERVISOR, FakeOrder())
    assert Action.CANCEL not in allowed_actions(OTHER_COUNTY_SUPERVISOR, FakeOrder())
    assert Action.CLOSE_UNREACHABLE not in allowed_actions(HANDLER, order)


def test_closed_orders_offer_nothing() -> None:
    assert allowed_actions(SUPERVISOR, FakeOrder(status="closed")) == []


def test_the_sla_clock_turns_amber_at_the_warning_share_and_red_when_breached() -> None:
    assert sla_badge(FakeOrder(), NOW).tone == "ok"
    assert sla_badge(FakeOrder(), NOW + timedelta(hours=9)).tone == "amber"
    late = sla_badge(FakeOrder(), NOW + timedelta(hours=12))
    assert (late.tone, late.delta) == ("red", timedelta(hours=2))
    assert sla_badge(FakeOrder(sla_breached=True), NOW).tone == "red"
    assert sla_badge(FakeOrder(paused_since=NOW), NOW + timedelta(hours=12)).tone == "paused"
    assert sla_badge(FakeOrder(status="closed"), NOW).tone == "done"
