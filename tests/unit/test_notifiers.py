"""Notification adapters against fake gateways (no network)."""

from __future__ import annotations

import json
from email.message import EmailMessage
from types import TracebackType
from typing import ClassVar

import httpx

from weixi.notifications.ports import EmailNotifier, LogNotifier, Message, SmsNotifier

MSG = Message("JN-LX-am1", "13800000001", "am1@example.test", "#12 预警工单已派发")


def test_sms_adapter_posts_the_text_to_the_gateway() -> None:
    seen: list[dict[str, str]] = []

    def gateway(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"ok": True})

    client = httpx.Client(transport=httpx.MockTransport(gateway))
    SmsNotifier("http://sms.gateway.test/send", client=client).send(MSG)
    assert seen == [{"to": "13800000001", "text": "#12 预警工单已派发"}]


def test_sms_adapter_skips_staff_without_a_phone() -> None:
    def gateway(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing should be sent")

    client = httpx.Client(transport=httpx.MockTransport(gateway))
    SmsNotifier("http://sms.gateway.test/send", client=client).send(
        Message("x", None, None, "body")
    )


class FakeSmtp:
    sent: ClassVar[list[EmailMessage]] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port = host, port

    def __enter__(self) -> FakeSmtp:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def send_message(self, mail: EmailMessage) -> None:
        FakeSmtp.sent.append(mail)


def test_email_adapter_sends_one_mail_per_message() -> None:
    FakeSmtp.sent = []
    EmailNotifier("smtp.test", 25, "weixi@op.test", smtp=FakeSmtp).send(MSG)
    (mail,) = FakeSmtp.sent
    assert mail["To"] == "am1@example.test" and "预警工单" in mail.get_content()


def test_log_adapter_keeps_what_it_sent() -> None:
    notifier = LogNotifier()
    notifier.send(MSG)
    assert notifier.sent == [MSG]
