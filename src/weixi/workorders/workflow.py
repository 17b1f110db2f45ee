"""The work-order state machine: one transition table and one guard (pure).

Every status change in weixi goes through :func:`transition`, which checks the
table and the closed-loop rule and returns the history entry to append. Nothing
else assigns ``status``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from weixi.errors import IllegalTransition
from weixi.workorders.kinds import CLOSED_LOOP_KINDS, Status, WorkOrderKind

S = Status

TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.NEW: frozenset({S.DISPATCHED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.ACCEPTED, S.DISPATCHED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.WAITING_CUSTOMER, S.RESOLVED, S.DISPATCHED, S.CANCELLED}),
    S.WAITING_CUSTOMER: frozenset({S.ACCEPTED, S.RESOLVED, S.CANCELLED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.REOPENED: frozenset({S.ACCEPTED, S.DISPATCHED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}


class CloseBasis:
    """Why a closed-loop order may close."""

    VERIFIED_CALLBACK = "verified_callback"
    UNREACHABLE = "unreachable"  # supervisor closes after N unanswered attempts


class OrderLike(Protocol):
    """What the state machine needs to know of an order (the ORM row satisfies it)."""

    kind: str
    status: str
    callback_verified: bool
    unanswered_callbacks: int


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One appended row of an order's history."""

    from_status: Status
    to_status: Status
    actor_id: int | None
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class ClosePermit:
    """Evidence offered for closing a closed-loop order."""

    basis: str
    max_unanswered: int = 3


def allowed(from_status: Status, to_status: Status) -> bool:
    """Whether the table allows the move."""
    return to_status in TRANSITIONS[from_status]


def transition(
    order: OrderLike,
    to: Status,
    *,
    actor_id: int | None,
    at: datetime,
    reason: str = "",
    permit: ClosePermit | None = None,
) -> HistoryEntry:
    """Move ``order`` to ``to`` or raise :class:`IllegalTransition`; return the history entry."""
    current = Status(order.status)
    if not allowed(current, to):
        raise IllegalTransition(
            f"cannot move a {order.kind} order from {current} to {to}",
            from_status=current.value,
            to_status=to.value,
        )
    if to is Status.CLOSED:
        _check_closed_loop(order, permit, reason)
    order.status = to.value
    return HistoryEntry(current, to, actor_id, at, reason)


def _check_closed_loop(order: OrderLike, permit: ClosePermit | None, reason: str) -> None:
    if WorkOrderKind(order.kind) not in CLOSED_LOOP_KINDS:
        return
    if order.callback_verified:
        return
    if permit is not None and permit.basis == CloseBasis.UNREACHABLE:
        if order.unanswered_callbacks < permit.max_unanswered:
            raise IllegalTransition(
                f"only {order.unanswered_callbacks} unanswered callback attempts; "
                f"{permit.max_unanswered} are needed before closing without the customer",
            )
        if not reason.strip():
            raise IllegalTransition("closing without the customer's confirmation needs a reason")
        return
    raise IllegalTransition(
        "a closed-loop order closes only after a callback in which the customer "
        "confirms resolution",
    )
