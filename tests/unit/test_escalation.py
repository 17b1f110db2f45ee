"""The escalation ladder: warning, then county → city → province, each rung once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weixi.org.calendar import WorkingCalendar
from weixi.workorders.escalation import (
    EscalationLadder,
    EscalationLevel,
    due_escalations,
    escalation_schedule,
)
from weixi.workorders.sla import ClockMode, Pause, SlaPolicy, SlaState, sla_state

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Property tests: example timing varies on shared CI runners, the results do not.
RELAXED = settings(deadline=None)
H = timedelta(hours=1)
OFFICE = WorkingCalendar()
FAULT = SlaPolicy(4 * H, 48 * H)  # calendar clock, warn at 80 %
OPENED = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday
L = EscalationLevel


def state_at(
    hours: float,
    policy: SlaPolicy = FAULT,
    pauses: tuple[Pause, ...] = (),
    resolved_at: datetime | None = None,
) -> SlaState:
    now = OPENED + hours * H
    return sla_state(OPENED, now, policy, OFFICE, pauses, resolved_at=resolved_at)


def levels(hours: float, already: EscalationLevel = L.NONE) -> list[L]:
    return [step.level for step in due_escalations(state_at(hours), already)]


def test_nothing_is_due_early_in_the_budget() -> None:
    assert levels(10) == []


def test_handler_is_warned_at_the_warning_share() -> None:
    assert levels(48 * 0.8) == [L.WARNED]


def test_breach_climbs_county_then_city_then_province() -> None:
    assert levels(48.5, already=L.WARNED) == [L.COUNTY]
    assert levels(72.5, already=L.COUNTY) == [L.CITY]
    assert levels(96.5, already=L.CITY) == [L.PROVINCE]


def test_county_is_not_called_at_the_deadline_instant_but_just_after() -> None:
    assert levels(48, already=L.WARNED) == []
    assert levels(48 + 1 / 60, already=L.WARNED) == [L.COUNTY]


def test_steps_already_taken_are_never_returned_again() -> None:
    assert levels(80, already=L.CITY) == []
    assert levels(200, already=L.PROVINCE) == []


def test_a_late_tick_returns_every_missed_step_in_ladder_order() -> None:
    steps = due_escalations(state_at(100), L.NONE)
    assert [s.level for s in steps] == [L.WARNED, L.COUNTY, L.CITY, L.PROVINCE]
    assert [s.due_at for s in steps] == sorted(s.due_at for s in steps)
    assert steps[1].due_at == OPENED + 48 * H
    assert steps[2].due_at == OPENED + 72 * H
    assert steps[3].due_at == OPENED + 96 * H
    assert all(step.reason for step in steps)


def test_fixed_offsets_replace_shares_of_the_budget() -> None:
    ladder = EscalationLadder(city_after=4 * H, province_after=timedelta(days=1))
    steps = escalation_schedule(state_at(1), ladder)
    assert [s.due_at for s in steps][2:] == [OPENED + 52 * H, OPENED + 72 * H]


def test_warning_can_be_switched_off() -> None:
    steps = due_escalations(state_at(60), L.NONE, ladder=EscalationLadder(warn=False))
    assert [s.level for s in steps] == [L.COUNTY]


def test_resolved_orders_escalate_no_further() -> None:
    resolved = state_at(100, resolved_at=OPENED + 60 * H)
    assert due_escalations(resolved, L.COUNTY) == []


def test_waiting_on_the_customer_holds_the_ladder() -> None:
    # Paused from hour 30 on: at hour 100 the clock still shows 30 h, below the warning.
    paused = state_at(100, pauses=(Pause(OPENED + 30 * H),))
    assert due_escalations(paused, L.NONE) == []


def test_working_time_policies_escalate_in_working_time() -> None:
    care = SlaPolicy(9 * H, 18 * H, ClockMode.WORKING)  # two working days
    steps = escalation_schedule(state_at(1, policy=care), EscalationLadder())
    due = {s.level: s.due_at.astimezone(SHANGHAI) for s in steps}
    # Opened Monday 10:00: breach Wednesday 10:00, city +9 working hours, province +18.
    assert due[L.COUNTY] == datetime(2026, 11, 4, 10, tzinfo=SHANGHAI)
    assert due[L.CITY] == datetime(2026, 11, 5, 10, tzinfo=SHANGHAI)
    assert due[L.PROVINCE] == datetime(2026, 11, 6, 10, tzinfo=SHANGHAI)


def test_negative_offsets_are_refused() -> None:
    with pytest.raises(ValueError):
        EscalationLadder(city_after=-0.1)
    with pytest.raises(ValueError):
        EscalationLadder(province_after=-H)


def test_levels_rank_in_ladder_order() -> None:
    assert [level.rank for level in EscalationLevel] == [0, 1, 2, 3, 4]


@RELAXED
@given(ticks=st.lists(st.integers(min_value=0, max_value=200 * 60), max_size=12))
def test_ticking_climbs_each_rung_once_and_in_order(ticks: list[int]) -> None:
    climbed: list[EscalationLevel] = []
    already = L.NONE
    for minute in sorted(ticks):
        now = OPENED.astimezone(UTC) + timedelta(minutes=minute)
        steps = due_escalations(sla_state(OPENED, now, FAULT, OFFICE), already, now)
        climbed += [step.level for step in steps]
        if steps:
            already = steps[-1].level
    assert climbed == list(EscalationLevel)[1 : 1 + len(climbed)]
