"""Read queries of the console pages (lists, names, timelines), all scoped to the actor.

Every query over orders starts from :func:`weixi.workorders.repository.visible` and every
query over customers from :func:`weixi.customers.repository.visible`, so a page can never
show what the actor may not see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from weixi.callbacks.models import CallbackRecord
from weixi.customers import repository as customers
from weixi.customers.models import Customer, CustomerEvent
from weixi.notifications.models import Notification
from weixi.org.actor import Actor
from weixi.org.models import OrgUnit, Staff
from weixi.workorders import repository as orders
from weixi.workorders.kinds import OPEN_STATUSES, Status
from weixi.workorders.models import WorkOrder, WorkOrderNote

OPEN = [s.value for s in OPEN_STATUSES]
SORTS = ("due", "opened", "id")


@dataclass(frozen=True, slots=True)
class WorkFilter:
    """What "My work" shows: ``status`` is ``open``, ``all`` or one status.

    A page holds ``limit`` orders; :func:`work_list` fetches one more to tell whether a
    next page exists.
    """

    status: str = "open"
    kind: str = ""
    phone: str = ""
    sort: str = "due"
    area: bool = False  # supervisors: the whole area instead of their own work
    page: int = 1
    limit: int = 50


def mine(actor: Actor) -> ColumnElement[bool]:
    """Orders that are my work: I handle them, own them as first contact, or my queue has them."""
    return or_(
        WorkOrder.handler_id == actor.staff_id,
        WorkOrder.first_contact_owner_id == actor.staff_id,
        and_(WorkOrder.pool_unit_id == actor.unit_id, WorkOrder.handler_id.is_(None)),
    )


def work_list(
    session: Session, actor: Actor, f: WorkFilter
) -> list[tuple[WorkOrder, Customer | None]]:
    """One page of my work (or my area), in the chosen order, with each order's customer.

    The page's ids are chosen first over the orders alone (narrow rows to sort), then only
    those orders and their customers are read: sorting a whole area's open orders joined to
    their customers cost twice as much.
    """
    stmt = orders.visible(actor)
    if not (f.area and actor.is_supervisor):
        stmt = stmt.where(mine(actor))
    if f.status == "open":
        stmt = stmt.where(WorkOrder.status.in_(OPEN))
    elif f.status in {s.value for s in Status}:
        stmt = stmt.where(WorkOrder.status == f.status)
    if f.kind:
        stmt = stmt.where(WorkOrder.kind == f.kind)
    digits = "".join(ch for ch in f.phone if ch.isdigit())
    if digits:
        match = Customer.phone == digits if len(digits) >= 11 else Customer.phone.endswith(digits)
        stmt = stmt.join(Customer, Customer.id == WorkOrder.customer_id).where(match)
    order_by = {
        "due": (WorkOrder.resolution_due.is_(None), WorkOrder.resolution_due, WorkOrder.id),
        "opened": (WorkOrder.opened_at.desc(), WorkOrder.id.desc()),
        "id": (WorkOrder.id.desc(),),
    }[f.sort if f.sort in SORTS else "due"]
    offset = (max(f.page, 1) - 1) * f.limit
    page = stmt.with_only_columns(WorkOrder.id).order_by(*order_by).limit(f.limit + 1)
    ids = list(session.scalars(page.offset(offset)))
    if not ids:
        return []
    rows = session.execute(
        select(WorkOrder, Customer)
        .outerjoin(Customer, Customer.id == WorkOrder.customer_id)
        .where(WorkOrder.id.in_(ids))
        .order_by(*order_by)
    )
    return [(row[0], row[1]) for row in rows]


def count_work(session: Session, actor: Actor, *, area: bool, now: datetime) -> dict[str, int]:
    """Open, warned and breached counts of my work (or my area) for the home page."""
    base = orders.visible(actor).where(WorkOrder.status.in_(OPEN))
    if not (area and actor.is_supervisor):
        base = base.where(mine(actor))
    sub = base.subquery()
    row = session.execute(
        select(
            func.count(),
            func.sum(_flag(or_(sub.c.sla_breached, sub.c.resolution_due <= now))),
            func.sum(_flag(and_(sub.c.warn_at <= now, sub.c.resolution_due > now))),
            func.sum(_flag(sub.c.first_contact_owner_id == actor.staff_id)),
        ).select_from(sub)
    ).one()
    return {
        "open": int(row[0] or 0),
        "breached": int(row[1] or 0),
        "warned": int(row[2] or 0),
        "owned": int(row[3] or 0),
    }


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def staff_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(Staff.id, Staff.name, Staff.code).where(Staff.id.in_(wanted)))
    return {r.id: f"{r.name} ({r.code})" for r in rows}


def unit_names(session: Session, ids: Iterable[int | None]) -> dict[int, OrgUnit]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(wanted)))}


def notes(session: Session, order_id: int) -> list[WorkOrderNote]:
    stmt = select(WorkOrderNote).where(WorkOrderNote.order_id == order_id)
    return list(session.scalars(stmt.order_by(WorkOrderNote.id)))


def callbacks(session: Session, order_id: int) -> list[CallbackRecord]:
    stmt = select(CallbackRecord).where(CallbackRecord.order_id == order_id)
    return list(session.scalars(stmt.order_by(CallbackRecord.id)))


def my_notifications(session: Session, actor: Actor, limit: int = 100) -> list[Notification]:
    stmt = (
        select(Notification)
        .where(Notification.recipient_id == actor.staff_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def unread_count(session: Session, actor: Actor) -> int:
    stmt = select(func.count()).where(
        Notification.recipient_id == actor.staff_id, Notification.read_at.is_(None)
    )
    return int(session.scalar(stmt) or 0)


def find_customers(session: Session, actor: Actor, phone: str, limit: int = 20) -> list[Customer]:
    """Customers I may see whose number is (or ends with) the digits typed."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 4:
        return []
    stmt = customers.visible(actor)
    if len(digits) >= 11:
        stmt = stmt.where(Customer.phone == digits)
    else:
        stmt = stmt.where(Customer.phone.endswith(digits))
    return list(session.scalars(stmt.order_by(Customer.id).limit(limit)))


def customer_orders(session: Session, actor: Actor, customer_id: int) -> list[WorkOrder]:
    stmt = orders.visible(actor).where(WorkOrder.customer_id == customer_id)
    return list(session.scalars(stmt.order_by(WorkOrder.opened_at.desc()).limit(100)))


def customer_events(session: Session, customer_id: int) -> list[CustomerEvent]:
    stmt = select(CustomerEvent).where(CustomerEvent.customer_id == customer_id)
    return list(session.scalars(stmt.order_by(CustomerEvent.at.desc()).limit(100)))
