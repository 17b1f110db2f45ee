"""Named write policies over work orders (pure): who may do what to an order."""

from __future__ import annotations

from typing import Protocol

from weixi.org.actor import Actor
from weixi.org.roles import Role


class OrderView(Protocol):
    handler_id: int | None
    first_contact_owner_id: int | None
    pool_unit_id: int | None
    county_id: int
    city_id: int


def in_area(actor: Actor, order: OrderView) -> bool:
    """Whether the order lies in the actor's county, city or province."""
    if actor.area_level == "county":
        return order.county_id == actor.county_id
    if actor.area_level == "city":
        return order.city_id == actor.city_id
    return True


def can_accept(actor: Actor, order: OrderView) -> bool:
    """The named handler, or anyone in the order's queue when no one is named."""
    if order.handler_id is not None:
        return order.handler_id == actor.staff_id
    return order.pool_unit_id is not None and order.pool_unit_id == actor.unit_id


def can_work(actor: Actor, order: OrderView) -> bool:
    """Resolve, pause, resume, transfer: the current handler (or a supervisor of the area)."""
    return order.handler_id == actor.staff_id or supervises(actor, order)


def can_record_callback(actor: Actor, order: OrderView) -> bool:
    """The first-contact owner, the handler, or a supervisor of the area."""
    return actor.staff_id in (order.first_contact_owner_id, order.handler_id) or supervises(
        actor, order
    )


def supervises(actor: Actor, order: OrderView) -> bool:
    return actor.role in (Role.SUPERVISOR, Role.ADMIN) and in_area(actor, order)


def can_log_complaint(actor: Actor) -> bool:
    return actor.role in (
        Role.HALL_AGENT,
        Role.HOTLINE_AGENT,
        Role.ACCOUNT_MANAGER,
        Role.SUPERVISOR,
        Role.ADMIN,
    )
