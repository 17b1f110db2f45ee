"""Which buttons an order page shows: the state machine and the named policies, nothing else.

Pure: the page offers exactly the moves that the transition table allows from the order's
status and that the actor's role and place allow (the services check again on POST).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from weixi.callbacks.service import MAX_UNANSWERED
from weixi.org.actor import Actor
from weixi.workorders import policies
from weixi.workorders.kinds import CLOSED_LOOP_KINDS, Status, WorkOrderKind
from weixi.workorders.workflow import allowed


class Action(StrEnum):
    ACCEPT = "accept"
    TRANSFER = "transfer"
    WAIT = "wait"
    RESUME = "resume"
    RESOLVE = "resolve"
    CANCEL = "cancel"
    CALLBACK = "callback"
    CLOSE_UNREACHABLE = "close_unreachable"
    ESCALATE = "escalate"
    NOTE = "note"


class OrderState(policies.OrderView, Protocol):
    kind: str
    status: str
    unanswered_callbacks: int


def allowed_actions(actor: Actor, order: OrderState) -> list[Action]:
    """The actions to offer, in display order."""
    status = Status(order.status)
    closed_loop = WorkOrderKind(order.kind) in CLOSED_LOOP_KINDS
    works = policies.can_work(actor, order)
    offers = {
        Action.ACCEPT: allowed(status, Status.ACCEPTED)
        and status is not Status.WAITING_CUSTOMER
        and policies.can_accept(actor, order),
        Action.TRANSFER: works and allowed(status, Status.DISPATCHED),
        Action.WAIT: works and allowed(status, Status.WAITING_CUSTOMER),
        Action.RESUME: works and status is Status.WAITING_CUSTOMER,
        Action.RESOLVE: works and allowed(status, Status.RESOLVED),
        Action.CANCEL: policies.supervises(actor, order) and allowed(status, Status.CANCELLED),
        Action.CALLBACK: policies.can_record_callback(actor, order)
        and _callback_due(status, closed_loop=closed_loop),
        Action.CLOSE_UNREACHABLE: closed_loop
        and status is Status.RESOLVED
        and order.unanswered_callbacks >= MAX_UNANSWERED
        and policies.supervises(actor, order),
        Action.ESCALATE: status not in (Status.CLOSED, Status.CANCELLED)
        and actor.area_level in ("county", "city")
        and policies.supervises(actor, order),
        Action.NOTE: status not in (Status.CLOSED, Status.CANCELLED),
    }
    return [action for action, ok in offers.items() if ok]


def _callback_due(status: Status, *, closed_loop: bool) -> bool:
    """Closed-loop orders are called back once resolved; proactive work while it is worked."""
    if closed_loop:
        return status is Status.RESOLVED
    return status in (Status.ACCEPTED, Status.WAITING_CUSTOMER, Status.RESOLVED)


BULK_ACTIONS = (Action.TRANSFER, Action.CANCEL)
