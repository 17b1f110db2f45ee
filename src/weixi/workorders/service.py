"""Work-order use cases: create, dispatch, accept, transfer, pause, resolve, cancel, note.

Each takes the unit of work and the acting staff member; none commits (the edge does).
Every status change goes through :func:`weixi.workorders.workflow.transition` and is
appended to the history; the first-contact owner is told of every change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam
from sqlalchemy.orm import Session

from weixi.customers.models import Customer
from weixi.db.uow import UnitOfWork
from weixi.errors import Forbidden, NotFound, ValidationFailed
from weixi.notifications.service import NotificationsQueued
from weixi.org.actor import Actor
from weixi.versioned import service as versioned
from weixi.workorders import policies, repository
from weixi.workorders.changes import write_change
from weixi.workorders.dispatch import (
    DEFAULT_RULES,
    OrderFacts,
    RuleSet,
    choose_in_pool,
    rules_from_dicts,
)
from weixi.workorders.events import WorkOrderChanged
from weixi.workorders.kinds import Status, WorkOrderKind
from weixi.workorders.models import SlaPause, WorkOrder, WorkOrderNote
from weixi.workorders.pools import county_facts, resolve_pool
from weixi.workorders.sla_service import apply_sla, refresh_deadlines
from weixi.workorders.workflow import ClosePermit, transition

DISPATCH_RULES = "dispatch_rules"

#: Kinds whose creator becomes the first-contact owner (首问负责制).
FIRST_CONTACT_KINDS = frozenset(
    {
        WorkOrderKind.COMPLAINT,
        WorkOrderKind.FAULT,
        WorkOrderKind.INSTALL,
        WorkOrderKind.MOVE,
        WorkOrderKind.REPAIR,
    }
)


@dataclass(frozen=True, slots=True)
class OrderCreate:
    kind: WorkOrderKind
    title: str
    customer_id: int | None = None
    county_id: int | None = None
    category: str | None = None
    description: str = ""
    channel: str | None = None
    callback_script: str | None = None
    reasons: list[dict[str, object]] | None = None
    source_key: str | None = None


def load_rules(session: Session) -> RuleSet:
    found = versioned.latest_body(session, DISPATCH_RULES)
    if found is None:
        return _parsed_rules(0, None)
    return _parsed_rules(*found)


_PARSED: dict[tuple[int, str], RuleSet] = {}
#: The body object last parsed and its rules: the versioned cache hands out the same
#: dict for a few seconds, so most orders skip even the canonical-JSON key below.
_LAST: list[tuple[object, int, RuleSet]] = []


def _parsed_rules(version: int, body: dict[str, object] | None) -> RuleSet:
    """Parse each distinct rule document once per process."""
    if body is not None and _LAST and _LAST[0][0] is body and _LAST[0][1] == version:
        return _LAST[0][2]
    key = (version, json.dumps(body, sort_keys=True, ensure_ascii=False))
    if key not in _PARSED:
        items = DEFAULT_RULES if body is None else body["rules"]
        _PARSED[key] = rules_from_dicts(version, items)  # type: ignore[arg-type]
    if body is not None:
        _LAST[:] = [(body, version, _PARSED[key])]
    return _PARSED[key]


def create_order(uow: UnitOfWork, actor: Actor | None, data: OrderCreate) -> WorkOrder:
    """Open an order, start its SLA clocks and dispatch it by the current rules.

    Everything is decided before the row is written, so the order costs one
    ``INSERT … RETURNING`` and its two history rows and notifications one more each.
    """
    session, now = uow.session, uow.clock.now()
    customer = _customer(session, actor, data.customer_id)
    county_id = customer.county_id if customer else data.county_id
    if county_id is None:
        raise ValidationFailed("an order needs a customer or a county")
    county = county_facts(session, county_id)
    if county is None or county.city_id is None:
        raise ValidationFailed(f"unknown county {county_id}")
    owner = actor.staff_id if actor and data.kind in FIRST_CONTACT_KINDS else None
    order = WorkOrder(
        kind=data.kind.value,
        category=data.category,
        status=Status.NEW.value,
        title=data.title,
        description=data.description,
        channel=data.channel,
        customer_id=customer.id if customer else None,
        tier=customer.tier if customer else None,
        county_id=county_id,
        city_id=county.city_id,
        first_contact_owner_id=owner,
        created_by_id=actor.staff_id if actor else None,
        opened_at=now,
        callback_script=data.callback_script,
        reasons=data.reasons,
        source_key=data.source_key,
    )
    apply_sla(session, order, rural=county.rural)
    _route(session, order, load_rules(session), customer, county.regions)
    actor_id = actor.staff_id if actor else None
    reason = order.dispatch_reason
    entry = transition(order, Status.DISPATCHED, actor_id=actor_id, at=now, reason=reason)
    session.add(order)
    session.flush()  # the order's id, for its history and notifications
    history = [
        _history_row(order, "created", None, Status.NEW, actor, now, data.title),
        _history_row(order, "dispatched", entry.from_status, entry.to_status, actor, now, reason),
    ]
    _tell(uow, order, actor, "dispatched", reason, history)
    return order


def _customer(session: Session, actor: Actor | None, customer_id: int | None) -> Customer | None:
    if customer_id is None:
        return None
    if actor is None:
        customer = session.get(Customer, customer_id)
    else:
        customer = session.scalars(_visible_customer(actor), {"cid": customer_id}).one_or_none()
    if customer is None:
        raise NotFound(f"customer {customer_id} not found", customer_id=customer_id)
    return customer


#: actor → the customers repository's scoped SELECT of one customer, built once per actor.
_CUSTOMER: dict[Actor, Select[Customer]] = {}


def _visible_customer(actor: Actor) -> Select[Customer]:
    if actor not in _CUSTOMER:
        from weixi.customers.repository import visible

        if len(_CUSTOMER) > 5000:
            _CUSTOMER.clear()
        _CUSTOMER[actor] = visible(actor).where(Customer.id == bindparam("cid"))
    return _CUSTOMER[actor]


def dispatch_order(
    uow: UnitOfWork, actor: Actor | None, order: WorkOrder, *, rules: RuleSet | None = None
) -> None:
    """Choose the pool and the handler; record why."""
    session = uow.session
    rules = rules or load_rules(session)
    customer = session.get(Customer, order.customer_id) if order.customer_id else None
    county = county_facts(session, order.county_id)
    _route(session, order, rules, customer, county.regions if county else frozenset())
    _move(uow, order, Status.DISPATCHED, actor, order.dispatch_reason, change="dispatched")


def _route(
    session: Session,
    order: WorkOrder,
    rules: RuleSet,
    customer: Customer | None,
    regions: frozenset[str],
) -> None:
    """Set the order's pool, handler and the sentence saying why (no status change)."""
    rule = rules.first_match(OrderFacts(order.kind, order.tier, order.category, regions))
    pool = resolve_pool(session, rule, customer=customer, county_id=order.county_id)
    choice = choose_in_pool(rule, pool.candidates)
    order.pool_kind, order.pool_unit_id = rule.pool.value, pool.unit_id
    order.handler_id = choice.staff_id
    order.dispatch_reason = f"{choice.reason} ({pool.note}; rules v{rules.version})"
    order.dispatch_rules_version = rules.version


def accept_order(uow: UnitOfWork, actor: Actor, order_id: int) -> WorkOrder:
    """Take the order. Two people racing: one wins, the other gets 409 (version check)."""
    order = repository.get_visible(uow.session, actor, order_id)
    if not policies.can_accept(actor, order):
        raise Forbidden("this order is dispatched to someone else")
    order.handler_id = actor.staff_id
    if order.responded_at is None:
        order.responded_at = uow.clock.now()
    _move(uow, order, Status.ACCEPTED, actor, "accepted", change="accepted")
    return order


def transfer_order(
    uow: UnitOfWork, actor: Actor, order_id: int, *, department: str | None, reason: str
) -> WorkOrder:
    """Hand the order on (e.g. to a department); first-contact ownership stays."""
    order = repository.get_visible(uow.session, actor, order_id)
    _require(policies.can_work(actor, order))
    if not reason.strip():
        raise ValidationFailed("a transfer needs a reason")
    order.last_handler_id = order.handler_id
    rules = load_rules(uow.session)
    if department:
        from weixi.workorders.dispatch import DispatchRule
        from weixi.workorders.kinds import Department, PoolKind

        rules = RuleSet(
            rules.version,
            (
                DispatchRule(
                    name=f"transfer to {department}",
                    pool=PoolKind.DEPARTMENT,
                    department=Department(department),
                ),
            ),
        )
    _append(uow.session, order, "transferred", None, None, actor, uow.clock.now(), reason)
    dispatch_order(uow, actor, order, rules=rules)
    return order


def wait_for_customer(uow: UnitOfWork, actor: Actor, order_id: int, *, reason: str) -> WorkOrder:
    """Pause the SLA clock while the customer is the one who must act."""
    order = repository.get_visible(uow.session, actor, order_id)
    _require(policies.can_work(actor, order))
    now = uow.clock.now()
    _move(uow, order, Status.WAITING_CUSTOMER, actor, reason, change="paused")
    order.paused_since = now
    uow.session.add(SlaPause(order_id=order.id, started_at=now))
    return order


def resume_order(uow: UnitOfWork, actor: Actor, order_id: int) -> WorkOrder:
    order = repository.get_visible(uow.session, actor, order_id)
    _require(policies.can_work(actor, order))
    now = uow.clock.now()
    for pause in repository.pauses(uow.session, order.id):
        if pause.ended_at is None:
            pause.ended_at = now
    order.paused_since = None
    _move(uow, order, Status.ACCEPTED, actor, "customer answered; clock resumed", change="resumed")
    uow.session.flush()
    refresh_deadlines(uow.session, order, now)
    return order


def resolve_order(
    uow: UnitOfWork, actor: Actor, order_id: int, *, resolution: str, outcome: str | None = None
) -> WorkOrder:
    order = repository.get_visible(uow.session, actor, order_id)
    _require(policies.can_work(actor, order))
    if not resolution.strip():
        raise ValidationFailed("say how it was resolved")
    if order.status == Status.WAITING_CUSTOMER:
        resume_order(uow, actor, order_id)
    order.resolved_at = uow.clock.now()
    order.outcome = outcome
    order.last_handler_id = order.handler_id
    _move(uow, order, Status.RESOLVED, actor, resolution, change="resolved")
    return order


def cancel_order(uow: UnitOfWork, actor: Actor, order_id: int, *, reason: str) -> WorkOrder:
    order = repository.get_visible(uow.session, actor, order_id)
    _require(policies.supervises(actor, order))
    if not reason.strip():
        raise ValidationFailed("a cancellation needs a reason")
    _move(uow, order, Status.CANCELLED, actor, reason, change="cancelled")
    order.closed_at = uow.clock.now()
    return order


def add_note(uow: UnitOfWork, actor: Actor, order_id: int, *, body: str) -> WorkOrderNote:
    order = repository.get_visible(uow.session, actor, order_id)
    if not body.strip():
        raise ValidationFailed("an empty note")
    note = WorkOrderNote(order_id=order.id, author_id=actor.staff_id, at=uow.clock.now(), body=body)
    uow.session.add(note)
    history = _history_row(order, "note", None, None, actor, note.at, body[:200])
    _tell(uow, order, actor, "note", body[:200], [history])
    return note


def close_order(
    uow: UnitOfWork,
    actor: Actor | None,
    order: WorkOrder,
    *,
    reason: str,
    permit: ClosePermit | None = None,
) -> None:
    """Close (the workflow guard enforces the closed loop)."""
    _move(uow, order, Status.CLOSED, actor, reason, change="closed", permit=permit)
    order.closed_at = uow.clock.now()


def reopen_order(uow: UnitOfWork, actor: Actor | None, order: WorkOrder, *, reason: str) -> None:
    """Back to the last handler, with the reason (e.g. the callback that said "not resolved")."""
    _move(uow, order, Status.REOPENED, actor, reason, change="reopened")
    order.resolved_at = None
    order.handler_id = order.last_handler_id or order.handler_id
    _move(uow, order, Status.DISPATCHED, actor, "reopened to its last handler", change="dispatched")


def _move(
    uow: UnitOfWork,
    order: WorkOrder,
    to: Status,
    actor: Actor | None,
    reason: str,
    *,
    change: str,
    permit: ClosePermit | None = None,
) -> None:
    now = uow.clock.now()
    actor_id = actor.staff_id if actor else None
    entry = transition(order, to, actor_id=actor_id, at=now, reason=reason, permit=permit)
    history = _history_row(order, change, entry.from_status, entry.to_status, actor, now, reason)
    _tell(uow, order, actor, change, reason, [history])


def _append(
    session: Session,
    order: WorkOrder,
    event: str,
    from_status: Status | None,
    to_status: Status | None,
    actor: Actor | None,
    at: datetime,
    reason: str,
    data: dict[str, object] | None = None,
) -> None:
    row = _history_row(order, event, from_status, to_status, actor, at, reason, data)
    write_change(session, [row], [])


def _history_row(
    order: WorkOrder,
    event: str,
    from_status: Status | None,
    to_status: Status | None,
    actor: Actor | None,
    at: datetime,
    reason: str,
    data: dict[str, object] | None = None,
) -> dict[str, object]:
    return {
        "order_id": order.id,
        "event": event,
        "from_status": from_status.value if from_status else None,
        "to_status": to_status.value if to_status else None,
        "actor_id": actor.staff_id if actor else None,
        "at": at,
        "reason": reason,
        "data": data,
    }


def _tell(
    uow: UnitOfWork,
    order: WorkOrder,
    actor: Actor | None,
    change: str,
    text: str,
    history: list[dict[str, object]],
) -> None:
    """Append the change's ``history``; the first-contact owner and the handler hear of
    every change (not their own).

    The notification rows are written in the change's transaction (the outbox), with the
    history rows (:func:`weixi.workorders.changes.write_change`), and handed to the sender
    only after the commit.
    """
    me = actor.staff_id if actor else None
    people = sorted({p for p in (order.first_contact_owner_id, order.handler_id) if p and p != me})
    body, at = f"#{order.id} {text}", uow.clock.now()
    rows = [
        {"recipient_id": p, "order_id": order.id, "kind": change, "body": body}
        | {"created_at": at, "sent_at": None, "read_at": None}
        for p in people
    ]
    ids = write_change(uow.session, history, rows)
    if people:
        uow.emit(NotificationsQueued(ids))
        uow.emit(WorkOrderChanged(order.id, change, tuple(people), text))


def _require(allowed: bool) -> None:
    if not allowed:
        raise Forbidden("your role or place does not allow this on the order")
