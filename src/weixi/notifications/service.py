"""Notifications: written in the same transaction as the change, sent after commit."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from weixi.clock import Clock
from weixi.config import Settings
from weixi.db.uow import UnitOfWork
from weixi.notifications.models import Notification
from weixi.notifications.ports import (
    EmailNotifier,
    LogNotifier,
    Message,
    Notifier,
    SmsNotifier,
)
from weixi.org.models import Staff

log = logging.getLogger("weixi.notify")


class NotificationsQueued:
    """Event: these notification rows were committed and may be sent."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids


def notify(
    uow: UnitOfWork, recipients: Iterable[int], *, order_id: int | None, kind: str, body: str
) -> None:
    """Record a notification for each recipient (sent once the transaction commits)."""
    rows = [
        Notification(
            recipient_id=r, order_id=order_id, kind=kind, body=body, created_at=uow.clock.now()
        )
        for r in recipients
    ]
    uow.session.add_all(rows)
    uow.session.flush()
    uow.emit(NotificationsQueued([r.id for r in rows]))


def make_notifier(settings: Settings) -> Notifier:
    if settings.notifier == "sms":
        return SmsNotifier(settings.sms_gateway_url)
    if settings.notifier == "email":
        return EmailNotifier(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
    return LogNotifier()


def sender(
    factory: sessionmaker[Session], notifier: Notifier, clock: Clock
) -> Callable[[list[Any]], None]:
    """The after-commit handler: send queued notifications, mark them sent."""

    def handle(events: list[Any]) -> None:
        ids = [i for e in events if isinstance(e, NotificationsQueued) for i in e.ids]
        if ids:
            send_pending(factory, notifier, clock, ids)

    return handle


def send_pending(
    factory: sessionmaker[Session], notifier: Notifier, clock: Clock, ids: list[int]
) -> None:
    with factory() as session:
        rows = session.execute(
            select(Notification, Staff)
            .join(Staff, Staff.id == Notification.recipient_id)
            .where(Notification.id.in_(ids), Notification.sent_at.is_(None))
        ).all()
        for note, staff in rows:
            try:
                notifier.send(Message(staff.code, staff.phone, staff.email, note.body))
            except Exception:  # a gateway failure must not undo the committed change
                log.exception("notification %s not sent; it stays pending", note.id)
                continue
            note.sent_at = clock.now()
        session.commit()


class BackgroundSender:
    """Sends committed notifications from a worker thread, off the request's path.

    The rows are already committed (the outbox), so a crash before sending loses
    nothing: :func:`send_unsent` picks them up on the next tick.
    """

    def __init__(
        self, factory: Callable[[], sessionmaker[Session]], notifier: Notifier, clock: Clock
    ) -> None:
        self._factory, self._notifier, self._clock = factory, notifier, clock
        self._queue: queue.Queue[list[int] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="weixi-notify", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def handle(self, events: list[Any]) -> None:
        ids = [i for e in events if isinstance(e, NotificationsQueued) for i in e.ids]
        if ids:
            self._queue.put(ids)

    def _run(self) -> None:
        while (ids := self._queue.get()) is not None:
            while not self._queue.empty():  # batch whatever else is waiting
                more = self._queue.get_nowait()
                if more is None:
                    self._queue.put(None)
                    break
                ids.extend(more)
            try:
                send_pending(self._factory(), self._notifier, self._clock, ids)
            except Exception:
                log.exception("sending %d notifications failed; they stay pending", len(ids))


def send_unsent(factory: sessionmaker[Session], notifier: Notifier, clock: Clock) -> int:
    """Send every committed notification still unsent (called by the periodic tick)."""
    with factory() as session:
        ids = list(session.scalars(select(Notification.id).where(Notification.sent_at.is_(None))))
    if ids:
        send_pending(factory, notifier, clock, ids)
    return len(ids)
