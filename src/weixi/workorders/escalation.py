"""The escalation ladder: warn the handler, then climb county → city → province supervisors.

Pure rules. Every rung is a point on the order's resolution clock, so it honours the same
clock mode, working calendar and pauses as the SLA itself:

========  =============================================  ==========================
level     due when the resolution clock shows            who is told (by the caller)
========  =============================================  ==========================
WARNED    ``warn_share`` × budget (policy, default 80 %)   the handler
COUNTY    the budget (the breach)                        county supervisor
CITY      budget + ``city_after``                        city supervisor
PROVINCE  budget + ``province_after``                    province supervisor
========  =============================================  ==========================

``city_after`` and ``province_after`` are either a share of the resolution budget (a float,
defaults 0.5 and 1.0) or a fixed ``timedelta`` of clock time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from weixi.workorders.sla import SlaState, SlaStatus, point_on_clock


class EscalationLevel(StrEnum):
    """How far up the ladder an order has gone, in ladder order."""

    NONE = "none"
    WARNED = "warned"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"

    @property
    def rank(self) -> int:
        """Position on the ladder: NONE is 0, PROVINCE is 4."""
        return list(EscalationLevel).index(self)


#: Beyond the breach: a share of the resolution budget, or a fixed stretch of clock time.
Offset = float | timedelta


@dataclass(frozen=True)
class EscalationLadder:
    """When an overdue order climbs past the county supervisor."""

    city_after: Offset = 0.5
    province_after: Offset = 1.0
    warn: bool = True  # notify the handler at the policy's warn_share

    def __post_init__(self) -> None:
        for offset in (self.city_after, self.province_after):
            if (offset < timedelta(0)) if isinstance(offset, timedelta) else offset < 0:
                raise ValueError("escalation offsets must not be negative")


DEFAULT_LADDER = EscalationLadder()


@dataclass(frozen=True)
class EscalationStep:
    """One rung to climb: the level reached, when it fell due, and why."""

    level: EscalationLevel
    due_at: datetime
    reason: str


def escalation_schedule(state: SlaState, ladder: EscalationLadder) -> tuple[EscalationStep, ...]:
    """Every rung of the ladder with its (projected) due time, in ladder order."""
    budget = state.policy.resolution
    city = budget + _as_time(ladder.city_after, budget)
    province = max(city, budget + _as_time(ladder.province_after, budget))
    share = f"{state.policy.warn_share:.0%}"
    steps = [
        EscalationStep(EscalationLevel.WARNED, state.warn_at, f"{share} of resolution time used"),
        EscalationStep(EscalationLevel.COUNTY, state.resolution_due, "resolution deadline passed"),
        EscalationStep(
            EscalationLevel.CITY,
            point_on_clock(state, city),
            f"overdue by {_describe(ladder.city_after)}",
        ),
        EscalationStep(
            EscalationLevel.PROVINCE,
            point_on_clock(state, province),
            f"overdue by {_describe(ladder.province_after)}",
        ),
    ]
    return tuple(step for step in steps if ladder.warn or step.level is not EscalationLevel.WARNED)


def due_escalations(
    state: SlaState,
    already: EscalationLevel,
    now: datetime | None = None,
    ladder: EscalationLadder = DEFAULT_LADDER,
) -> list[EscalationStep]:
    """The rungs above ``already`` that have fallen due by ``now`` (default ``state.now``).

    Idempotent: a rung at or below ``already`` is never returned again, so recording the
    highest level returned makes the next tick quiet. A late tick returns every missed rung,
    lowest first. A resolved order (met or missed) escalates no further.
    """
    if state.status in (SlaStatus.MET, SlaStatus.MISSED):
        return []
    at = state.now if now is None else now
    return [
        step
        for step in escalation_schedule(state, ladder)
        if step.level.rank > already.rank and _fallen_due(step, at)
    ]


def _fallen_due(step: EscalationStep, at: datetime) -> bool:
    # The warning sounds at its instant; a deadline is breached only once it has passed,
    # matching SlaStatus (work finished exactly at the deadline meets it).
    return step.due_at <= at if step.level is EscalationLevel.WARNED else step.due_at < at


def _as_time(offset: Offset, budget: timedelta) -> timedelta:
    return offset if isinstance(offset, timedelta) else budget * offset


def _describe(offset: Offset) -> str:
    return str(offset) if isinstance(offset, timedelta) else f"{offset:.0%} of the budget"
