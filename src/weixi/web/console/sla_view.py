"""How an order's SLA clock looks on screen: ok, amber at the warning share, red when breached."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from weixi.web.console.i18n import N_
from weixi.workorders.kinds import OPEN_STATUSES, Status


class SlaFields(Protocol):
    status: str
    resolution_due: datetime | None
    warn_at: datetime | None
    paused_since: datetime | None
    sla_breached: bool


@dataclass(frozen=True, slots=True)
class SlaBadge:
    """``tone`` is a CSS class (ok, amber, red, paused, done); ``msgid`` takes ``{d}``."""

    tone: str
    msgid: str
    delta: timedelta | None = None


def sla_badge(order: SlaFields, now: datetime) -> SlaBadge:
    """The countdown shown beside an order."""
    if Status(order.status) not in OPEN_STATUSES or order.resolution_due is None:
        return SlaBadge("done", "—")
    if order.paused_since is not None:
        return SlaBadge("paused", N_("Clock paused"))
    left = order.resolution_due - now
    if left <= timedelta(0):
        return SlaBadge("red", N_("Overdue by {d}"), -left)
    if order.sla_breached:
        return SlaBadge("red", N_("SLA breached"))
    if order.warn_at is not None and now >= order.warn_at:
        return SlaBadge("amber", N_("Due in {d}"), left)
    return SlaBadge("ok", N_("Due in {d}"), left)
