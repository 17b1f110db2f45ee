"""SLA clocks: deadlines, pauses, status, policy matching and the shipped defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weixi.org.calendar import WorkingCalendar, default_calendar
from weixi.workorders.kinds import WorkOrderKind
from weixi.workorders.sla import (
    ClockMode,
    NoPolicyMatches,
    Pause,
    SlaPolicy,
    SlaPolicyRule,
    SlaStatus,
    deadline,
    elapsed,
    match_policy,
    merge_pauses,
    sla_state,
)
from weixi.workorders.sla_defaults import (
    DEFAULT_RULES,
    FAULT_MOBILE,
    fault_category,
    load_policy_rules,
    parse_duration,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Property tests: example timing varies on shared CI runners, the results do not.
RELAXED = settings(deadline=None)
H = timedelta(hours=1)
OFFICE = WorkingCalendar()
CN_2026 = default_calendar()
CAL, WORK = ClockMode.CALENDAR, ClockMode.WORKING


def bj(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant of 2026 given in Beijing time."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def policy(
    first: timedelta = 4 * H, resolution: timedelta = 48 * H, mode: ClockMode = CAL
) -> SlaPolicy:
    return SlaPolicy(first, resolution, mode)


# --- deadlines -------------------------------------------------------------------------------


def test_calendar_mode_counts_nights_and_weekends() -> None:
    assert deadline(bj(11, 27, 17), 48 * H, CAL, OFFICE) == bj(11, 29, 17)


def test_working_mode_counts_only_office_hours() -> None:
    # Friday 17:00 + 9 working hours: 0.5 h on Friday, 8.5 h on Monday.
    assert deadline(bj(11, 27, 17), 9 * H, WORK, OFFICE) == bj(11, 30, 17)


def test_working_deadline_skips_holidays_and_uses_makeup_days() -> None:
    # Friday 13 February 17:00 + 9 h: Saturday 14th is a make-up day, then the festival
    # (15th–23rd) is skipped whole.
    assert deadline(bj(2, 13, 17), 9 * H, WORK, CN_2026) == bj(2, 14, 17)
    assert deadline(bj(2, 13, 17), 18 * H, WORK, CN_2026) == bj(2, 24, 17)


def test_order_opened_overnight_starts_counting_at_opening_time() -> None:
    assert deadline(bj(11, 25, 23, 40), 2 * H, WORK, OFFICE) == bj(11, 26, 10, 30)


def test_a_closed_pause_pushes_the_deadline_out_by_its_length() -> None:
    pauses = [Pause(bj(11, 25, 12), bj(11, 25, 15))]
    assert deadline(bj(11, 25, 10), 48 * H, CAL, OFFICE, pauses) == bj(11, 27, 13)


def test_a_pause_outside_working_hours_costs_nothing_in_working_mode() -> None:
    pauses = [Pause(bj(11, 25, 18), bj(11, 26, 8))]
    assert deadline(bj(11, 25, 17), 2 * H, WORK, OFFICE, pauses) == bj(11, 26, 10)


def test_an_open_pause_stops_the_clock_and_leaves_no_deadline() -> None:
    pauses = [Pause(bj(11, 25, 12))]
    assert deadline(bj(11, 25, 10), 48 * H, CAL, OFFICE, pauses) is None


def test_an_open_pause_after_the_budget_ran_out_leaves_the_deadline_standing() -> None:
    pauses = [Pause(bj(11, 28, 12))]
    assert deadline(bj(11, 25, 10), 48 * H, CAL, OFFICE, pauses) == bj(11, 27, 10)


def test_overlapping_and_early_pauses_are_merged_and_clipped() -> None:
    opened = bj(11, 25, 10)
    pauses = [
        Pause(bj(11, 24, 10), bj(11, 25, 11)),  # began before the order: counts from opening
        Pause(bj(11, 25, 14), bj(11, 25, 16)),
        Pause(bj(11, 25, 15), bj(11, 25, 17)),
        Pause(bj(11, 20), bj(11, 21)),  # over before the order: ignored
    ]
    assert merge_pauses(pauses, opened) == (
        Pause(opened, bj(11, 25, 11)),
        Pause(bj(11, 25, 14), bj(11, 25, 17)),
    )
    # Runs 11:00–14:00 (3 h), paused to 17:00, then 7 h more: midnight.
    assert deadline(opened, 10 * H, CAL, OFFICE, pauses) == bj(11, 26, 0)


def test_deadlines_come_back_in_utc_whatever_zone_went_in() -> None:
    opened = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # 10:00 Beijing
    due = deadline(opened, 2 * H, WORK, OFFICE)
    assert due == bj(11, 25, 12) and due is not None and due.tzinfo is UTC


# --- elapsed and state -----------------------------------------------------------------------


def test_elapsed_leaves_out_paused_time_including_an_open_pause() -> None:
    opened = bj(11, 25, 10)
    pauses = [Pause(bj(11, 25, 11), bj(11, 25, 12)), Pause(bj(11, 25, 14))]
    assert elapsed(opened, bj(11, 25, 20), CAL, OFFICE, pauses) == 3 * H


def test_fresh_fault_order_is_ok() -> None:
    state = sla_state(bj(11, 25, 10), bj(11, 25, 11), policy(), OFFICE)
    assert state.status is SlaStatus.OK
    assert state.response_status is SlaStatus.OK
    assert state.share_used == pytest.approx(1 / 48)
    assert state.resolution_due == bj(11, 27, 10)
    assert state.warn_at == bj(11, 25, 10) + 48 * H * 0.8


def test_order_past_warn_share_is_in_warning() -> None:
    state = sla_state(bj(11, 25, 10), bj(11, 27, 1), policy(), OFFICE)
    assert state.status is SlaStatus.WARNING
    assert state.response_status is SlaStatus.BREACHED


def test_order_past_deadline_is_breached_even_when_no_working_time_passes() -> None:
    # Working-mode budget ran out on Friday; on Sunday the share is still 100 %.
    state = sla_state(bj(11, 27, 8, 30), bj(11, 29, 12), policy(H, 9 * H, mode=WORK), OFFICE)
    assert state.share_used == pytest.approx(1.0)
    assert state.status is SlaStatus.BREACHED


def test_resolution_at_the_deadline_meets_it_and_after_misses_it() -> None:
    opened = bj(11, 25, 10)
    met = sla_state(opened, bj(11, 30), policy(), OFFICE, resolved_at=bj(11, 27, 10))
    missed = sla_state(opened, bj(11, 30), policy(), OFFICE, resolved_at=bj(11, 27, 10, 1))
    assert met.status is SlaStatus.MET and missed.status is SlaStatus.MISSED
    assert met.share_used == pytest.approx(1.0)


def test_resolution_counts_as_first_response() -> None:
    state = sla_state(bj(11, 25, 10), bj(11, 30), policy(), OFFICE, resolved_at=bj(11, 25, 12))
    assert state.response_status is SlaStatus.MET


def test_late_first_response_is_missed_while_resolution_clock_runs() -> None:
    state = sla_state(bj(11, 25, 10), bj(11, 25, 16), policy(), OFFICE, responded_at=bj(11, 25, 15))
    assert state.response_status is SlaStatus.MISSED
    assert state.status is SlaStatus.OK


def test_order_waiting_on_customer_is_paused_and_its_deadline_projected_from_now() -> None:
    opened, now = bj(11, 25, 10), bj(11, 26, 10)
    state = sla_state(opened, now, policy(), OFFICE, [Pause(bj(11, 25, 12))])
    assert state.paused
    assert state.elapsed == 2 * H
    assert state.resolution_due == now + 46 * H
    assert state.status is SlaStatus.OK


def test_pauses_that_start_after_now_are_not_yet_known() -> None:
    state = sla_state(bj(11, 25, 10), bj(11, 25, 11), policy(), OFFICE, [Pause(bj(11, 25, 12))])
    assert not state.paused
    assert state.resolution_due == bj(11, 27, 10)


def test_policy_rejects_empty_budgets_and_odd_warn_shares() -> None:
    with pytest.raises(ValueError):
        SlaPolicy(timedelta(0), H)
    with pytest.raises(ValueError):
        SlaPolicy(H, H, warn_share=1.5)
    with pytest.raises(ValueError):
        Pause(bj(11, 25, 12), bj(11, 25, 11))


# --- properties ------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2026, 12, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda at: at.replace(second=0, microsecond=0))
budgets = st.integers(min_value=0, max_value=20 * 9 * 60).map(lambda m: timedelta(minutes=m))
gaps = st.integers(min_value=0, max_value=3 * 24 * 60).map(lambda m: timedelta(minutes=m))


@st.composite
def closed_pauses(draw: st.DrawFn, opened: datetime) -> list[Pause]:
    starts = draw(st.lists(gaps, max_size=3))
    lengths = draw(st.lists(gaps, min_size=len(starts), max_size=len(starts)))
    return [Pause(opened + s, opened + s + n) for s, n in zip(starts, lengths, strict=True)]


@RELAXED
@given(opened=instants, a=budgets, b=budgets)
def test_working_deadline_of_a_sum_is_the_deadline_of_the_deadline(
    opened: datetime, a: timedelta, b: timedelta
) -> None:
    first = deadline(opened, a, WORK, CN_2026)
    assert first is not None
    assert deadline(first, b, WORK, CN_2026) == deadline(opened, a + b, WORK, CN_2026)


@RELAXED
@given(data=st.data(), opened=instants, budget=budgets, mode=st.sampled_from(list(ClockMode)))
def test_elapsed_time_at_the_deadline_is_the_budget(
    data: st.DataObject, opened: datetime, budget: timedelta, mode: ClockMode
) -> None:
    pauses = data.draw(closed_pauses(opened))
    due = deadline(opened, budget, mode, CN_2026, pauses)
    assert due is not None
    assert elapsed(opened, due, mode, CN_2026, pauses) == budget


@RELAXED
@given(data=st.data(), opened=instants, budget=budgets)
def test_pauses_never_bring_a_deadline_forward(
    data: st.DataObject, opened: datetime, budget: timedelta
) -> None:
    pauses = data.draw(closed_pauses(opened))
    plain = deadline(opened, budget, WORK, CN_2026)
    paused = deadline(opened, budget, WORK, CN_2026, pauses)
    assert plain is not None and paused is not None and paused >= plain


# --- policy matching -------------------------------------------------------------------------

ANY = SlaPolicyRule(policy(resolution=100 * H))
FAULT = SlaPolicyRule(policy(resolution=48 * H), kind="fault")
FAULT_RURAL = SlaPolicyRule(policy(resolution=72 * H), kind="fault", category="fault.rural")
GOLD = SlaPolicyRule(policy(resolution=24 * H), tier="gold")
RULES = [ANY, FAULT, FAULT_RURAL, GOLD]


def test_most_specific_rule_wins() -> None:
    assert match_policy(RULES, kind="fault", tier=None, category="fault.rural") is FAULT_RURAL
    assert match_policy(RULES, kind="fault", tier=None, category="other") is FAULT
    assert match_policy(RULES, kind="complaint", tier=None, category=None) is ANY


def test_kind_outweighs_tier_when_both_fix_one_field() -> None:
    assert match_policy(RULES, kind="fault", tier="gold", category=None) is FAULT
    assert match_policy(RULES, kind="complaint", tier="gold", category=None) is GOLD


def test_two_fixed_fields_beat_one() -> None:
    gold_fault = SlaPolicyRule(policy(resolution=12 * H), kind="fault", tier="gold")
    rules = [*RULES, gold_fault]
    assert match_policy(rules, kind="fault", tier="gold", category="x") is gold_fault


def test_later_rule_of_equal_specificity_overrides_earlier() -> None:
    override = SlaPolicyRule(policy(resolution=36 * H), kind="fault")
    assert match_policy([*RULES, override], kind="fault", tier=None, category=None) is override


def test_no_matching_rule_raises() -> None:
    with pytest.raises(NoPolicyMatches):
        match_policy([FAULT], kind="complaint", tier=None, category=None)


# --- shipped defaults ------------------------------------------------------------------------


def _default(kind: str, category: str | None = None) -> SlaPolicy:
    return match_policy(DEFAULT_RULES, kind=kind, tier=None, category=category).policy


def test_fixed_line_repair_is_48_hours_in_towns_and_72_in_rural_areas() -> None:
    for kind in ("fault", "repair"):
        assert _default(kind, fault_category(rural=False)).resolution == 48 * H
        assert _default(kind, fault_category(rural=True)).resolution == 72 * H
        assert _default(kind).resolution == 48 * H  # flag unknown: the stricter limit
        assert _default(kind).mode is ClockMode.CALENDAR


def test_mobile_fault_repair_is_48_hours_at_most() -> None:
    assert _default("fault", FAULT_MOBILE).resolution == 48 * H


def test_complaint_reply_within_15_days_and_install_within_published_limit() -> None:
    assert _default("complaint").resolution == timedelta(days=15)
    assert _default("install").resolution == 72 * H


def test_care_work_runs_on_working_time() -> None:
    assert _default("warning").resolution == 7 * 9 * H
    assert _default("onboarding_care").resolution == 3 * 9 * H
    assert _default("callback").resolution == 2 * 9 * H
    assert _default("warning").mode is ClockMode.WORKING


def test_every_work_order_kind_has_a_default_policy_and_defaults_name_only_real_kinds() -> None:
    for kind in WorkOrderKind:
        assert _default(kind).resolution > timedelta(0)
    named = {rule.kind for rule in DEFAULT_RULES if rule.kind is not None}
    assert named <= {kind.value for kind in WorkOrderKind}


def test_operator_file_overrides_the_published_install_limit(tmp_path: Path) -> None:
    path = tmp_path / "sla.toml"
    path.write_text(
        '[[rule]]\nkind = "install"\nfirst_response = "12h"\nresolution = "4d"\n'
        '\n[[rule]]\nkind = "complaint"\ntier = "gold"\nfirst_response = "2h"\n'
        'resolution = "3d"\nmode = "working"\nwarn_share = 0.5\n',
        encoding="utf-8",
    )
    rules = [*DEFAULT_RULES, *load_policy_rules(path)]
    assert match_policy(rules, kind="install", tier=None, category=None).policy == SlaPolicy(
        12 * H, 96 * H
    )
    gold = match_policy(rules, kind="complaint", tier="gold", category=None).policy
    assert gold == SlaPolicy(2 * H, 72 * H, ClockMode.WORKING, 0.5)


def test_rule_file_with_unknown_keys_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sla.toml"
    path.write_text('[[rule]]\nfirst_response = "1h"\nresolution = "2h"\nteir = "x"\n')
    with pytest.raises(ValueError, match="teir"):
        load_policy_rules(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("48h", 48 * H), ("15d", timedelta(days=15)), ("1d12h30m", timedelta(hours=36.5))],
)
def test_durations_read_days_hours_minutes(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "48", "2w", "h"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)
