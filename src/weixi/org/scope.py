"""Authorisation as a query filter: what an actor may read, built into the SQL itself."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, or_, true

from weixi.org.actor import Actor
from weixi.org.roles import FRONT_LINE_ROLES


def area_filter(actor: Actor, county_col: Any, city_col: Any) -> ColumnElement[bool]:
    """Rows in the actor's county, city or province (one indexed equality)."""
    if actor.area_level == "county":
        return county_col == actor.county_id
    if actor.area_level == "city":
        return city_col == actor.city_id
    return true()


def customer_filter(actor: Actor, customer: Any) -> ColumnElement[bool]:
    """Front-line agents serve any customer of the province; others their own area."""
    if actor.role in FRONT_LINE_ROLES:
        return true()
    return area_filter(actor, customer.county_id, customer.city_id)


def order_filter(actor: Actor, order: Any) -> ColumnElement[bool]:
    """Orders I handle, own as first contact, are queued to my unit, or lie in the area I run."""
    mine = or_(
        order.handler_id == actor.staff_id,
        order.first_contact_owner_id == actor.staff_id,
        order.pool_unit_id == actor.unit_id,
    )
    if actor.sees_whole_area:
        return or_(mine, area_filter(actor, order.county_id, order.city_id))
    return mine
