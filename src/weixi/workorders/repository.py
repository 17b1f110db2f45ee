"""All queries over work orders live here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from weixi.errors import NotFound
from weixi.org.actor import Actor
from weixi.org.scope import order_filter
from weixi.workorders.kinds import OPEN_STATUSES
from weixi.workorders.models import Escalation, SlaPause, WorkOrder, WorkOrderHistory


@dataclass(frozen=True, slots=True)
class OrderQuery:
    status: Sequence[str] | None = None
    kind: Sequence[str] | None = None
    handler_id: int | None = None
    county_id: int | None = None
    customer_id: int | None = None
    breached: bool | None = None
    open_only: bool = False
    limit: int = 50
    offset: int = 0


def visible(actor: Actor) -> Select[WorkOrder]:
    return select(WorkOrder).where(order_filter(actor, WorkOrder))


#: actor → the scoped one-order SELECT with the id as a parameter. Statements are
#: immutable, so each actor's is built once per process rather than on every request.
_ONE: dict[Actor, Select[WorkOrder]] = {}


def get_visible(session: Session, actor: Actor, order_id: int) -> WorkOrder:
    """The order if the actor may see it; otherwise 404, exactly as if it did not exist."""
    if actor not in _ONE:
        if len(_ONE) > 5000:
            _ONE.clear()
        _ONE[actor] = visible(actor).where(WorkOrder.id == bindparam("order_id"))
    stmt = _ONE[actor]
    order = session.scalars(stmt, {"order_id": order_id}).one_or_none()
    if order is None:
        raise NotFound(f"work order {order_id} not found", order_id=order_id)
    return order


def list_visible(session: Session, actor: Actor, q: OrderQuery) -> tuple[list[WorkOrder], int]:
    stmt = visible(actor)
    if q.status:
        stmt = stmt.where(WorkOrder.status.in_(q.status))
    if q.open_only:
        stmt = stmt.where(WorkOrder.status.in_([s.value for s in OPEN_STATUSES]))
    if q.kind:
        stmt = stmt.where(WorkOrder.kind.in_(q.kind))
    if q.handler_id is not None:
        stmt = stmt.where(WorkOrder.handler_id == q.handler_id)
    if q.county_id is not None:
        stmt = stmt.where(WorkOrder.county_id == q.county_id)
    if q.customer_id is not None:
        stmt = stmt.where(WorkOrder.customer_id == q.customer_id)
    if q.breached is not None:
        stmt = stmt.where(WorkOrder.sla_breached == q.breached)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(
        stmt.order_by(WorkOrder.resolution_due.asc(), WorkOrder.id).limit(q.limit).offset(q.offset)
    )
    return list(rows), total


def history(session: Session, order_id: int) -> list[WorkOrderHistory]:
    stmt = select(WorkOrderHistory).where(WorkOrderHistory.order_id == order_id)
    return list(session.scalars(stmt.order_by(WorkOrderHistory.id)))


def pauses(session: Session, order_id: int) -> list[SlaPause]:
    stmt = select(SlaPause).where(SlaPause.order_id == order_id).order_by(SlaPause.id)
    return list(session.scalars(stmt))


def due_for_tick(session: Session, now: datetime, limit: int = 5000) -> list[WorkOrder]:
    """Open orders whose warning share or deadline has passed and are not yet at the top."""
    stmt = (
        select(WorkOrder)
        .where(
            WorkOrder.status.in_([s.value for s in OPEN_STATUSES]),
            WorkOrder.warn_at <= now,
            WorkOrder.escalation_level != "province",
            WorkOrder.paused_since.is_(None),
        )
        .order_by(WorkOrder.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def escalations(session: Session, order_id: int) -> list[Escalation]:
    stmt = select(Escalation).where(Escalation.order_id == order_id).order_by(Escalation.id)
    return list(session.scalars(stmt))
