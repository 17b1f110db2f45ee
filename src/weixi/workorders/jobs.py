"""Scheduled work: the SLA tick that warns and escalates (``weixi tick`` and the server)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from weixi.db.uow import UnitOfWork
from weixi.errors import Conflict, Forbidden, IllegalTransition, ValidationFailed
from weixi.notifications.service import notify
from weixi.org.actor import Actor
from weixi.org.models import Staff
from weixi.org.roles import Role
from weixi.workorders import policies, repository
from weixi.workorders.escalation import (
    DEFAULT_LADDER,
    EscalationLadder,
    EscalationLevel,
    EscalationStep,
    due_escalations,
)
from weixi.workorders.events import WorkOrderEscalated
from weixi.workorders.kinds import OPEN_STATUSES, Status
from weixi.workorders.models import Escalation, WorkOrder, WorkOrderHistory
from weixi.workorders.sla import SlaStatus
from weixi.workorders.sla_service import state_of


@dataclass
class TickSummary:
    examined: int = 0
    steps: Counter[str] = field(default_factory=Counter)


def tick(uow: UnitOfWork, *, ladder: EscalationLadder = DEFAULT_LADDER) -> TickSummary:
    """Evaluate every open order's SLA clock; idempotent (a second run does nothing)."""
    session, now = uow.session, uow.clock.now()
    summary = TickSummary()
    for order in repository.due_for_tick(session, now):
        summary.examined += 1
        state = state_of(session, order, now)
        order.sla_breached = state.status is SlaStatus.BREACHED
        steps = due_escalations(state, EscalationLevel(order.escalation_level), now, ladder)
        for step in steps:
            _climb(uow, order, step)
            summary.steps[step.level.value] += 1
    return summary


def _climb(
    uow: UnitOfWork, order: WorkOrder, step: EscalationStep, *, actor_id: int | None = None
) -> None:
    session, now = uow.session, uow.clock.now()
    recipients = _recipients(session, order, step.level)
    session.add(
        Escalation(
            order_id=order.id,
            level=step.level.value,
            due_at=step.due_at,
            at=now,
            notified_staff_id=recipients[0] if recipients else None,
            reason=step.reason,
        )
    )
    session.add(
        WorkOrderHistory(
            order_id=order.id,
            event="escalated" if step.level is not EscalationLevel.WARNED else "sla_warning",
            actor_id=actor_id,
            at=now,
            reason=step.reason,
            data={"level": step.level.value, "due_at": step.due_at.isoformat()},
        )
    )
    order.escalation_level = step.level.value
    text = f"#{order.id} {order.title}: {step.reason} → {step.level.value}"
    people = sorted(set(recipients) | {p for p in (order.first_contact_owner_id,) if p})
    if people:
        notify(uow, people, order_id=order.id, kind=f"escalation.{step.level.value}", body=text)
    uow.emit(WorkOrderEscalated(order.id, step.level.value, tuple(people), text))


def _recipients(session: Session, order: WorkOrder, level: EscalationLevel) -> list[int]:
    """Who is told at each rung: the handler, then county → city → province supervisors."""
    if level is EscalationLevel.WARNED:
        return [order.handler_id] if order.handler_id else []
    stmt = select(Staff.id).where(Staff.role == Role.SUPERVISOR, Staff.active.is_(True))
    if level is EscalationLevel.COUNTY:
        stmt = stmt.where(Staff.county_id == order.county_id)
    elif level is EscalationLevel.CITY:
        stmt = stmt.where(Staff.city_id == order.city_id, Staff.county_id.is_(None))
    else:
        stmt = stmt.where(Staff.city_id.is_(None))
    return list(session.scalars(stmt.order_by(Staff.id)))


#: The rung a supervisor's own escalation sends an order to, by the supervisor's area.
NEXT_RUNG = {"county": EscalationLevel.CITY, "city": EscalationLevel.PROVINCE}


def escalate_order(uow: UnitOfWork, actor: Actor, order_id: int, *, reason: str) -> WorkOrder:
    """A supervisor hands an open order up: county → city → province, notified and recorded."""
    order = repository.get_visible(uow.session, actor, order_id)
    if not policies.supervises(actor, order) or actor.area_level not in NEXT_RUNG:
        raise Forbidden("only a county or city supervisor of the area escalates")
    if Status(order.status) not in OPEN_STATUSES:
        raise IllegalTransition("only an open order can be escalated")
    if not reason.strip():
        raise ValidationFailed("an escalation needs a reason")
    target = NEXT_RUNG[actor.area_level]
    if EscalationLevel(order.escalation_level).rank >= target.rank:
        raise Conflict(f"the order is already at {order.escalation_level}")
    now = uow.clock.now()
    _climb(
        uow,
        order,
        EscalationStep(target, now, f"escalated by {actor.code}: {reason}"),
        actor_id=actor.staff_id,
    )
    return order
