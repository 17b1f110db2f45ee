"""The lean write paths keep their behaviour: history, the outbox after commit, token checks."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.factories import add_customer, build_province

from weixi.auth.service import actor_for_token, forget_tokens, issue_token
from weixi.clock import FixedClock
from weixi.db.uow import UnitOfWork
from weixi.errors import Unauthenticated
from weixi.notifications.models import Notification
from weixi.notifications.ports import LogNotifier
from weixi.notifications.service import sender
from weixi.web.app import Batching
from weixi.workorders import repository, service
from weixi.workorders.kinds import Category, Status, WorkOrderKind
from weixi.workorders.service import OrderCreate


def _create(uow: UnitOfWork, p) -> int:
    customer = add_customer(uow.session, p, "c1")
    order = service.create_order(
        uow,
        p.actors["hotline-1"],
        OrderCreate(
            kind=WorkOrderKind.COMPLAINT,
            customer_id=customer.id,
            category=Category.NETWORK,
            title="信号差",
        ),
    )
    return order.id


def test_a_new_order_has_its_creation_then_its_dispatch_in_history(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    order_id = _create(uow, p)
    rows = repository.history(uow.session, order_id)
    assert [(h.event, h.from_status, h.to_status) for h in rows] == [
        ("created", None, Status.NEW.value),
        ("dispatched", Status.NEW.value, Status.DISPATCHED.value),
    ]
    order = repository.get_visible(uow.session, p.actors["hotline-1"], order_id)
    assert rows[1].reason == order.dispatch_reason and "rules v" in order.dispatch_reason
    assert order.version == 1  # written once: SLA and dispatch are decided before the INSERT


def test_notifications_are_sent_after_the_commit_with_their_ids(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    notifier = LogNotifier()
    handle = sender(session_factory, notifier, clock)
    with UnitOfWork(session_factory, clock=clock, after_commit=handle) as uow:
        p = build_province(uow.session)
        uow.session.flush()
        order_id = _create(uow, p)
        assert notifier.sent == []  # nothing leaves before the commit
        uow.commit()
    handler = p.staff["JN-LX-network-h"]
    assert [m.recipient_code for m in notifier.sent] == [handler.code]
    with session_factory() as s:
        rows = s.scalars(select(Notification).where(Notification.order_id == order_id)).all()
        assert [(r.recipient_id, r.sent_at is not None) for r in rows] == [(handler.id, True)]


def test_a_rolled_back_change_notifies_nobody(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    notifier = LogNotifier()
    with UnitOfWork(
        session_factory, clock=clock, after_commit=sender(session_factory, notifier, clock)
    ) as uow:
        p = build_province(uow.session)
        _create(uow, p)
        uow.rollback()
    assert notifier.sent == []


def test_the_outbox_batches_events_and_hands_every_one_on() -> None:
    got: list[list[object]] = []
    done = threading.Event()

    def handle(events: list[object]) -> None:
        got.append(events)
        done.set()

    batches = Batching(handle, 0.05)
    batches.handle(["a"])
    batches.handle(["b", "c"])
    assert done.wait(5)
    batches.handle(["d"])
    batches.flush()  # on shutdown nothing waits for the timer
    assert got == [["a", "b", "c"], ["d"]]


def test_a_remembered_token_still_expires(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    forget_tokens()
    with UnitOfWork(session_factory, clock=clock) as uow:
        p = build_province(uow.session)
        token = issue_token(uow.session, p.staff["hotline-1"], now=clock.now(), days=1)
        uow.session.flush()
        actor = actor_for_token(uow.session, token, now=clock.now())
        assert actor.staff_id == p.staff["hotline-1"].id
        assert actor_for_token(uow.session, token, now=clock.now()) == actor  # remembered
        clock.advance(timedelta(days=1, seconds=1))
        with pytest.raises(Unauthenticated):
            actor_for_token(uow.session, token, now=clock.now())
        with pytest.raises(Unauthenticated):
            actor_for_token(uow.session, "wx_not-a-token", now=clock.now())
    forget_tokens()


def test_a_supervisors_change_notifies_owner_and_handler_each_once(uow: UnitOfWork) -> None:
    p = build_province(uow.session)
    order_id = _create(uow, p)
    service.cancel_order(uow, p.actors["JN-LX-sup"], order_id, reason="客户撤诉")
    uow.session.flush()
    rows = uow.session.scalars(
        select(Notification)
        .where(Notification.order_id == order_id, Notification.kind == "cancelled")
        .order_by(Notification.id)
    ).all()
    expected = sorted([p.staff["hotline-1"].id, p.staff["JN-LX-network-h"].id])
    assert [r.recipient_id for r in rows] == expected
    assert all(r.body.startswith(f"#{order_id} ") for r in rows)
    history = repository.history(uow.session, order_id)
    assert [h.event for h in history] == ["created", "dispatched", "cancelled"]


def test_a_callback_uses_the_newest_script_version_saved(uow: UnitOfWork) -> None:
    from weixi.callbacks.default_scripts import RESOLUTION_CALLBACK
    from weixi.callbacks.script import script_to_dict
    from weixi.callbacks.service import current_script, script_document
    from weixi.versioned.service import save_version

    assert current_script(uow.session, "resolution") == RESOLUTION_CALLBACK
    body = script_to_dict(RESOLUTION_CALLBACK) | {"name_en": "Resolution callback, v2"}
    name, at = script_document("resolution"), uow.clock.now()
    save_version(uow.session, name, body, author_id=None, at=at)
    second = current_script(uow.session, "resolution")
    assert (second.version, second.name_en) == (1, "Resolution callback, v2")  # first stored
    assert current_script(uow.session, "resolution") is second  # parsed once
    save_version(uow.session, name, body | {"name_en": "v3"}, author_id=None, at=at)
    third = current_script(uow.session, "resolution")
    assert (third.version, third.name_en) == (2, "v3")
