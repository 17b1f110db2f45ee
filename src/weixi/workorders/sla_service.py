"""SLA clocks on stored orders: policy lookup, deadlines, and the tick that escalates."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy.orm import Session

from weixi.config import get_settings
from weixi.org.calendar import WorkingCalendar, default_calendar, load_calendar
from weixi.versioned import service as versioned
from weixi.workorders import repository
from weixi.workorders.models import WorkOrder
from weixi.workorders.sla import (
    ClockMode,
    Pause,
    SlaPolicy,
    SlaPolicyRule,
    SlaState,
    match_policy,
    sla_state,
)
from weixi.workorders.sla_defaults import DEFAULT_RULES, fault_category, rule_from_mapping

SLA_POLICIES = "sla_policies"
RURAL_SENSITIVE_KINDS = frozenset({"fault", "repair"})


@lru_cache(maxsize=1)
def operator_calendar() -> WorkingCalendar:
    """The operator's working calendar (settings.holiday_calendar, else the default)."""
    path = get_settings().holiday_calendar
    return load_calendar(path) if path else default_calendar()


def policy_rules(session: Session) -> tuple[SlaPolicyRule, ...]:
    """The defaults with the administrator's current overrides appended (later wins)."""
    found = versioned.latest_body(session, SLA_POLICIES)
    if found is None:
        return DEFAULT_RULES
    overrides = found[1].get("rules", [])
    if not isinstance(overrides, list):
        raise ValueError("the stored SLA policy document has no list of rules")
    return DEFAULT_RULES + tuple(rule_from_mapping(r) for r in overrides)


def sla_category(order: WorkOrder, *, rural: bool) -> str | None:
    if order.kind in RURAL_SENSITIVE_KINDS and order.category in (None, "fixed_line"):
        return fault_category(rural=rural)
    return order.category


def apply_sla(session: Session, order: WorkOrder, *, rural: bool) -> None:
    """Choose the order's policy (stored with it, so later edits don't move old deadlines)."""
    rule = match_policy(
        policy_rules(session),
        kind=order.kind,
        tier=order.tier,
        category=sla_category(order, rural=rural),
    )
    p = rule.policy
    order.sla_policy = {
        "first_response_s": p.first_response.total_seconds(),
        "resolution_s": p.resolution.total_seconds(),
        "mode": p.mode.value,
        "warn_share": p.warn_share,
        "matched": {"kind": rule.kind, "tier": rule.tier, "category": rule.category},
    }
    state = state_of(session, order, order.opened_at, new=True)
    order.response_due = state.response_due
    order.resolution_due = state.resolution_due
    order.warn_at = state.warn_at


def stored_policy(order: WorkOrder) -> SlaPolicy:
    d = order.sla_policy
    return SlaPolicy(
        first_response=timedelta(seconds=float(d["first_response_s"])),  # type: ignore[arg-type]
        resolution=timedelta(seconds=float(d["resolution_s"])),  # type: ignore[arg-type]
        mode=ClockMode(str(d["mode"])),
        warn_share=float(d["warn_share"]),  # type: ignore[arg-type]
    )


def state_of(session: Session, order: WorkOrder, now: datetime, *, new: bool = False) -> SlaState:
    """The order's SLA clock at ``now`` (a ``new`` order has no pauses to look up)."""
    stored = () if new else repository.pauses(session, order.id)
    pauses = tuple(Pause(p.started_at, p.ended_at) for p in stored)
    return sla_state(
        order.opened_at,
        now,
        stored_policy(order),
        operator_calendar(),
        pauses,
        responded_at=order.responded_at,
        resolved_at=order.resolved_at,
    )


def refresh_deadlines(session: Session, order: WorkOrder, now: datetime | None = None) -> None:
    """Recompute the due times (after a pause ends, the deadlines move out)."""
    state = state_of(session, order, now or order.opened_at)
    order.response_due = state.response_due
    order.resolution_due = state.resolution_due
    order.warn_at = state.warn_at
