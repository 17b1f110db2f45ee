"""The work-order state machine: one table, one guard, nothing closed without a callback."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from weixi.clock import utc
from weixi.errors import IllegalTransition
from weixi.workorders.kinds import CLOSED_LOOP_KINDS, Status, WorkOrderKind
from weixi.workorders.workflow import (
    TRANSITIONS,
    CloseBasis,
    ClosePermit,
    HistoryEntry,
    allowed,
    transition,
)

AT = utc(2026, 3, 2, 1)


@dataclass
class FakeOrder:
    kind: str
    status: str = Status.NEW.value
    callback_verified: bool = False
    unanswered_callbacks: int = 0


ALL = list(Status)


@pytest.mark.parametrize("src", ALL)
@pytest.mark.parametrize("dst", ALL)
def test_every_pair_is_legal_exactly_when_the_table_says(src: Status, dst: Status) -> None:
    order = FakeOrder(kind=WorkOrderKind.WARNING.value, status=src.value)
    if dst in TRANSITIONS[src]:
        entry = transition(order, dst, actor_id=1, at=AT, reason="r")
        assert (entry.from_status, entry.to_status, order.status) == (src, dst, dst.value)
    else:
        with pytest.raises(IllegalTransition):
            transition(order, dst, actor_id=1, at=AT)
        assert order.status == src.value


def test_closed_and_cancelled_are_terminal() -> None:
    assert TRANSITIONS[Status.CLOSED] == frozenset()
    assert TRANSITIONS[Status.CANCELLED] == frozenset()


def test_complaint_cannot_close_without_a_verified_callback() -> None:
    order = FakeOrder(kind="complaint", status="resolved")
    with pytest.raises(IllegalTransition):
        transition(order, Status.CLOSED, actor_id=1, at=AT)
    order.callback_verified = True
    transition(order, Status.CLOSED, actor_id=1, at=AT)
    assert order.status == "closed"


def test_supervisor_may_close_unreachable_only_after_n_attempts_and_with_a_reason() -> None:
    order = FakeOrder(kind="fault", status="resolved", unanswered_callbacks=2)
    permit = ClosePermit(CloseBasis.UNREACHABLE, max_unanswered=3)
    with pytest.raises(IllegalTransition):
        transition(order, Status.CLOSED, actor_id=1, at=AT, reason="无人接听", permit=permit)
    order.unanswered_callbacks = 3
    with pytest.raises(IllegalTransition):
        transition(order, Status.CLOSED, actor_id=1, at=AT, reason=" ", permit=permit)
    transition(order, Status.CLOSED, actor_id=1, at=AT, reason="三次无人接听", permit=permit)
    assert order.status == "closed"


ACTIONS = st.lists(st.tuples(st.sampled_from(ALL), st.booleans(), st.booleans()), max_size=40)


@given(kind=st.sampled_from(list(WorkOrderKind)), actions=ACTIONS)
def test_random_action_sequences_keep_history_consistent(
    kind: WorkOrderKind, actions: list[tuple[Status, bool, bool]]
) -> None:
    """Whatever anyone tries, history chains, and no closed-loop order closes unverified."""
    order = FakeOrder(kind=kind.value)
    history: list[HistoryEntry] = []
    for target, verify, unreachable in actions:
        order.callback_verified = order.callback_verified or verify
        permit = ClosePermit(CloseBasis.UNREACHABLE) if unreachable else None
        before = order.status
        try:
            history.append(transition(order, target, actor_id=7, at=AT, reason="x", permit=permit))
        except IllegalTransition:
            assert order.status == before
            continue
        if target is Status.CLOSED and kind in CLOSED_LOOP_KINDS:
            assert order.callback_verified or order.unanswered_callbacks >= 3
    state = Status.NEW
    for entry in history:
        assert entry.from_status == state and allowed(entry.from_status, entry.to_status)
        state = entry.to_status
    assert state.value == order.status
