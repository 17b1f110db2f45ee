"""All queries over customers live here; reads are scoped to the actor."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from weixi.customers.models import Customer, Product
from weixi.errors import NotFound
from weixi.org.actor import Actor
from weixi.org.scope import customer_filter


def visible(actor: Actor) -> Select[Customer]:
    return select(Customer).where(customer_filter(actor, Customer))


def get_visible_customer(session: Session, actor: Actor, customer_id: int) -> Customer:
    customer = session.scalars(visible(actor).where(Customer.id == customer_id)).one_or_none()
    if customer is None:
        raise NotFound(f"customer {customer_id} not found", customer_id=customer_id)
    return customer


def search(
    session: Session,
    actor: Actor,
    *,
    phone: str | None = None,
    code: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Customer]:
    stmt = visible(actor)
    if phone:
        stmt = stmt.where(Customer.phone == phone)
    if code:
        stmt = stmt.where(Customer.code == code)
    return list(session.scalars(stmt.order_by(Customer.id).limit(limit).offset(offset)))


def products(session: Session, customer_id: int) -> list[Product]:
    stmt = select(Product).where(Product.customer_id == customer_id).order_by(Product.id)
    return list(session.scalars(stmt))
