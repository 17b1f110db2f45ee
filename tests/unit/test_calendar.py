"""Working calendars: working hours, holidays, make-up days and working-time arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from weixi.org.calendar import (
    CALENDAR_24X7,
    OFFICE_HOURS,
    WorkingCalendar,
    WorkingSpan,
    add_working_time,
    calendar_from_mapping,
    default_calendar,
    is_working,
    load_calendar,
    working_time_between,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Property tests: example timing varies on shared CI runners, the results do not.
RELAXED = settings(deadline=None)
H = timedelta(hours=1)
OFFICE = WorkingCalendar()  # Mon–Fri 08:30–17:30 Beijing time, no holidays
CN_2026 = default_calendar()


def bj(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant of 2026 given in Beijing time."""
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def test_office_hours_are_working_and_lunchtime_evening_and_weekend_are_not() -> None:
    assert is_working(OFFICE, bj(11, 25, 8, 30))  # Wednesday, opening minute
    assert not is_working(OFFICE, bj(11, 25, 17, 30))  # closing minute is outside
    assert not is_working(OFFICE, bj(11, 25, 20))
    assert not is_working(OFFICE, bj(11, 28, 10))  # Saturday


def test_instants_in_utc_are_judged_by_beijing_wall_clock() -> None:
    assert is_working(OFFICE, datetime(2026, 11, 25, 1, 0, tzinfo=UTC))  # 09:00 in Beijing
    assert not is_working(OFFICE, datetime(2026, 11, 25, 10, 0, tzinfo=UTC))  # 18:00


def test_adding_working_time_skips_the_night() -> None:
    due = add_working_time(OFFICE, bj(11, 25, 16, 30), 2 * H)
    assert due == bj(11, 26, 9, 30)
    assert due.tzinfo is UTC


def test_adding_working_time_skips_the_weekend() -> None:
    assert add_working_time(OFFICE, bj(11, 27, 17), 1 * H) == bj(11, 30, 9)


def test_work_that_fills_the_day_exactly_is_due_at_closing_time_not_next_morning() -> None:
    assert add_working_time(OFFICE, bj(11, 25, 8, 30), 9 * H) == bj(11, 25, 17, 30)


def test_starting_outside_hours_counts_from_next_opening() -> None:
    assert add_working_time(OFFICE, bj(11, 28, 22), 1 * H) == bj(11, 30, 9, 30)


def test_zero_duration_returns_the_start_itself() -> None:
    assert add_working_time(OFFICE, bj(11, 28, 22), timedelta(0)) == bj(11, 28, 22)


def test_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError):
        add_working_time(OFFICE, bj(11, 25, 9), -H)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        is_working(OFFICE, datetime(2026, 11, 25, 9))  # noqa: DTZ001 - the point of the test


def test_national_day_holiday_is_skipped() -> None:
    # Wednesday 30 September 17:00 + 1 h: 1–7 October off, then Thursday 8 October.
    assert add_working_time(CN_2026, bj(9, 30, 17), 1 * H) == bj(10, 8, 9)


def test_makeup_saturday_is_a_working_day() -> None:
    assert is_working(CN_2026, bj(10, 10, 10))  # Saturday 调休
    assert add_working_time(CN_2026, bj(10, 9, 17), 1 * H) == bj(10, 10, 9)


def test_spring_festival_week_counts_no_working_time() -> None:
    assert working_time_between(CN_2026, bj(2, 14, 17, 30), bj(2, 24, 8, 30)) == timedelta(0)


def test_working_time_between_spans_nights_and_weekends() -> None:
    # Friday 16:30 → Monday 09:30: one hour on Friday, one on Monday.
    assert working_time_between(OFFICE, bj(11, 27, 16, 30), bj(11, 30, 9, 30)) == 2 * H


def test_working_time_between_is_zero_when_end_is_not_after_start() -> None:
    assert working_time_between(OFFICE, bj(11, 25, 10), bj(11, 25, 9)) == timedelta(0)


def test_several_spans_a_day_leave_the_lunch_break_out() -> None:
    split = WorkingSpan.parse("08:30-12:00"), WorkingSpan.parse("13:30-17:30")
    cal = WorkingCalendar(hours=(split,) * 5 + ((), ()))
    assert not is_working(cal, bj(11, 25, 12, 30))
    assert add_working_time(cal, bj(11, 25, 11), 2 * H) == bj(11, 25, 14, 30)
    assert working_time_between(cal, bj(11, 25, 8, 30), bj(11, 25, 17, 30)) == 7.5 * H


def test_a_calendar_kept_in_utc_evaluates_hours_in_utc() -> None:
    cal = WorkingCalendar(zone="UTC")
    start = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    assert add_working_time(cal, start, 1 * H) == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_round_the_clock_calendar_is_plain_elapsed_time() -> None:
    start = bj(11, 28, 23)
    assert add_working_time(CALENDAR_24X7, start, 48 * H) == start + 48 * H
    assert working_time_between(CALENDAR_24X7, start, start + 5 * H) == 5 * H
    assert is_working(CALENDAR_24X7, start)


def test_round_the_clock_hours_with_holidays_still_skip_the_holidays() -> None:
    cal = WorkingCalendar(hours=CALENDAR_24X7.hours, holidays=frozenset({date(2026, 10, 1)}))
    assert add_working_time(cal, bj(9, 30, 23), 2 * H) == bj(10, 2, 1)


def test_bundled_calendar_lists_the_2026_state_council_arrangement() -> None:
    assert len(CN_2026.holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert {d.isoformat() for d in CN_2026.makeup_days} == {
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    }
    assert all(d.weekday() >= 5 for d in CN_2026.makeup_days)
    assert CN_2026.covers(date(2026, 6, 1)) and not CN_2026.covers(date(2027, 1, 1))


def test_calendar_loads_from_toml_with_ranges_and_makeup_hours(tmp_path: Path) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(
        'zone = "Asia/Shanghai"\n'
        'holidays = ["2026-12-24..2026-12-25", 2026-12-31]\n'
        'makeup_days = ["2026-12-27"]\n'
        'makeup_hours = ["09:00-12:00"]\n'
        "[hours]\n"
        'mon = ["08:00-12:00", "14:00-18:00"]\n'
        'fri = ["08:00-12:00"]\n',
        encoding="utf-8",
    )
    cal = load_calendar(path)
    assert cal.name == "ours"
    assert cal.hours_on(date(2026, 12, 25)) == ()
    assert cal.hours_on(date(2026, 12, 27)) == (WorkingSpan.parse("09:00-12:00"),)
    assert cal.hours_on(date(2026, 12, 29)) == ()  # Tuesday not listed: off
    assert len(cal.hours_on(date(2026, 12, 28))) == 2


@pytest.mark.parametrize(
    "data",
    [
        {"hours": {"mon": ["17:00-09:00"]}},
        {"hours": {"mon": ["08:00-12:00", "11:00-13:00"]}},
        {"hours": {"monday": ["08:00-12:00"]}},
        {"hours": {"mon": ["8-12"]}},
        {"hours": {}},
        {"hours": {"mon": ["08:00-12:00"]}, "zone": "Mars/Olympus"},
        {
            "hours": {"sat": ["08:00-12:00"]},
            "holidays": ["2026-01-03"],
            "makeup_days": ["2026-01-03"],
        },
    ],
)
def test_malformed_calendars_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        calendar_from_mapping(data)


def test_24_00_closes_a_span_at_midnight() -> None:
    assert str(WorkingSpan.parse("18:00-24:00")) == "18:00-24:00"
    assert OFFICE.hours[0] == OFFICE_HOURS


# Instants from 2025 to 2027 at minute resolution; durations up to ten working weeks.
instants = st.datetimes(
    min_value=datetime(2025, 6, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value=datetime(2027, 6, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
).map(lambda at: at.replace(second=0, microsecond=0))
durations = st.integers(min_value=0, max_value=10 * 5 * 9 * 60).map(lambda m: timedelta(minutes=m))
calendars = st.sampled_from([OFFICE, CN_2026, CALENDAR_24X7, WorkingCalendar(zone="UTC")])


@RELAXED
@given(cal=calendars, start=instants, duration=durations)
def test_working_time_up_to_the_due_time_is_the_duration_added(
    cal: WorkingCalendar, start: datetime, duration: timedelta
) -> None:
    assert working_time_between(cal, start, add_working_time(cal, start, duration)) == duration


@RELAXED
@given(cal=calendars, start=instants, a=durations, b=durations)
def test_adding_working_time_in_two_steps_equals_adding_it_at_once(
    cal: WorkingCalendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    assert add_working_time(cal, add_working_time(cal, start, a), b) == add_working_time(
        cal, start, a + b
    )


@RELAXED
@given(cal=calendars, start=instants, middle=durations, end=durations)
def test_working_time_between_adds_up_over_a_split(
    cal: WorkingCalendar, start: datetime, middle: timedelta, end: timedelta
) -> None:
    mid, stop = start + middle, start + middle + end
    total = working_time_between(cal, start, stop)
    assert total == working_time_between(cal, start, mid) + working_time_between(cal, mid, stop)
