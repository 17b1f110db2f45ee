"""The notification port and its adapters: log (default), SMS and e-mail."""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

log = logging.getLogger("weixi.notify")


@dataclass(frozen=True, slots=True)
class Message:
    recipient_code: str
    phone: str | None
    email: str | None
    body: str


class Notifier(Protocol):
    def send(self, message: Message) -> None: ...


class LogNotifier:
    """Writes every message to the log; the default, so nothing is lost without a gateway."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)
        log.info("notify %s: %s", message.recipient_code, message.body)


class SmsNotifier:
    """Posts JSON {to, text} to an operator SMS gateway."""

    def __init__(self, url: str, client: httpx.Client | None = None) -> None:
        self._url = url
        self._client = client or httpx.Client(timeout=5.0)

    def send(self, message: Message) -> None:
        if not message.phone:
            log.warning("no phone for %s; SMS not sent", message.recipient_code)
            return
        payload = {"to": message.phone, "text": message.body}
        response = self._client.post(self._url, content=json.dumps(payload, ensure_ascii=False))
        response.raise_for_status()


class EmailNotifier:
    """Sends through an SMTP server; ``smtp`` makes the connection (a fake in tests)."""

    def __init__(
        self, host: str, port: int, sender: str, smtp: Callable[..., Any] = smtplib.SMTP
    ) -> None:
        self._host, self._port, self._sender, self._smtp = host, port, sender, smtp

    def send(self, message: Message) -> None:
        if not message.email:
            log.warning("no e-mail for %s; not sent", message.recipient_code)
            return
        mail = EmailMessage()
        mail["From"], mail["To"] = self._sender, message.email
        mail["Subject"] = "weixi 工单通知"
        mail.set_content(message.body)
        with self._smtp(self._host, self._port, timeout=5) as smtp:
            smtp.send_message(mail)
