"""Notifications: written in the same transaction as the change, sent after commit."""

from __future__ import annotations

import logging
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
