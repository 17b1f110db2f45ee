"""Working calendars: when staff work, and how much working time lies between two instants.

Pure rules: standard library only. Instants are timezone-aware datetimes; whatever zone they
arrive in, results come back in UTC. Working hours are wall-clock times in the calendar's own
zone (Asia/Shanghai by default), so one calendar answers "is 09:00 Beijing time a working
minute?" for instants stored in UTC.

A day's working hours come from, in order of precedence:

1. ``holidays``: a listed date is off entirely (the whole statutory break, weekend dates included);
2. ``makeup_days`` (调休): a listed date works ``makeup_hours`` even if it falls on a weekend;
3. ``hours[weekday]`` otherwise (Monday = 0).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY = timedelta(days=1)
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Safety stop for calendars that (almost) never work: ten years of days.
_MAX_DAYS_SCANNED = 3660


@dataclass(frozen=True, order=True)
class WorkingSpan:
    """One stretch of working time within a day, as offsets from local midnight.

    ``end`` may be 24 h (midnight of the next day); spans never cross midnight.
    """

    start: timedelta
    end: timedelta

    def __post_init__(self) -> None:
        if not timedelta(0) <= self.start < self.end <= DAY:
            raise ValueError(f"working span must satisfy 00:00 <= start < end <= 24:00: {self}")

    @classmethod
    def parse(cls, text: str) -> WorkingSpan:
        """Read ``"08:30-17:30"`` (``"24:00"`` allowed as an end)."""
        try:
            start_text, end_text = (part.strip() for part in text.split("-"))
            return cls(_parse_clock(start_text), _parse_clock(end_text))
        except ValueError as exc:
            raise ValueError(f"bad working span {text!r}: expected HH:MM-HH:MM") from exc

    def __str__(self) -> str:
        return f"{_format_clock(self.start)}-{_format_clock(self.end)}"


DayHours = tuple[WorkingSpan, ...]
OFFICE_HOURS: DayHours = (WorkingSpan(timedelta(hours=8, minutes=30), timedelta(hours=17.5)),)
WHOLE_DAY: DayHours = (WorkingSpan(timedelta(0), DAY),)


def _check_sorted_disjoint(day_hours: Sequence[WorkingSpan]) -> None:
    for before, after in pairwise(day_hours):
        if after.start < before.end:
            raise ValueError(f"working spans must be sorted and disjoint: {before}, {after}")


@dataclass(frozen=True)
class WorkingCalendar:
    """Working hours per weekday, public holidays and make-up working days in one zone."""

    name: str = "office-hours"
    zone: str = "Asia/Shanghai"
    hours: tuple[DayHours, ...] = (OFFICE_HOURS,) * 5 + ((), ())
    holidays: frozenset[date] = frozenset()
    makeup_days: frozenset[date] = frozenset()
    #: Hours worked on a make-up day; ``None`` means Monday's hours.
    makeup_hours: DayHours | None = None
    #: Years whose holidays the calendar lists; empty means "not stated".
    years: frozenset[int] = field(default=frozenset())

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.zone!r}") from exc
        if len(self.hours) != 7:
            raise ValueError("hours needs exactly seven days, Monday first")
        for day_hours in (*self.hours, self.makeup_hours or ()):
            _check_sorted_disjoint(day_hours)
        if not any(self.hours):
            raise ValueError(f"calendar {self.name!r} has no working hours on any weekday")
        both = self.holidays & self.makeup_days
        if both:
            raise ValueError(f"dates both holiday and make-up day: {sorted(both)}")

    @property
    def tz(self) -> ZoneInfo:
        """The calendar's zone."""
        return ZoneInfo(self.zone)

    @property
    def always_working(self) -> bool:
        """True for a round-the-clock calendar: working time is plain elapsed time."""
        return all(day == WHOLE_DAY for day in self.hours) and not self.holidays

    def hours_on(self, day: date) -> DayHours:
        """The working spans of a local date, holidays and make-up days applied."""
        if day in self.holidays:
            return ()
        if day in self.makeup_days:
            return self.makeup_hours if self.makeup_hours is not None else self.hours[0]
        return self.hours[day.weekday()]

    def covers(self, day: date) -> bool:
        """Whether the calendar claims to know the holidays of ``day``'s year."""
        return not self.years or day.year in self.years


CALENDAR_24X7 = WorkingCalendar(name="24x7", zone="UTC", hours=(WHOLE_DAY,) * 7)


def default_calendar() -> WorkingCalendar:
    """The bundled calendar: Mon–Fri 08:30–17:30 Beijing time with China's 2026 holidays."""
    source = resources.files("weixi.org").joinpath("calendars", "cn-2026.toml")
    return calendar_from_mapping(tomllib.loads(source.read_text(encoding="utf-8")))


def load_calendar(path: str | Path) -> WorkingCalendar:
    """Read a calendar from a TOML file (see ``calendars/cn-2026.toml`` for the shape)."""
    with open(path, "rb") as fh:
        return calendar_from_mapping(tomllib.load(fh), default_name=Path(path).stem)


def calendar_from_mapping(
    data: Mapping[str, object], *, default_name: str = "calendar"
) -> WorkingCalendar:
    """Build a calendar from parsed TOML/JSON; missing weekdays are days off."""
    hours_table = data.get("hours", {})
    if not isinstance(hours_table, Mapping):
        raise ValueError("[hours] must be a table of weekday = [spans]")
    unknown = set(hours_table) - set(WEEKDAY_KEYS)
    if unknown:
        raise ValueError(f"unknown weekday keys in [hours]: {sorted(unknown)}")
    makeup = data.get("makeup_hours")
    return WorkingCalendar(
        name=str(data.get("name", default_name)),
        zone=str(data.get("zone", "Asia/Shanghai")),
        hours=tuple(_parse_day(hours_table.get(key, [])) for key in WEEKDAY_KEYS),
        holidays=frozenset(_parse_dates(data.get("holidays", []))),
        makeup_days=frozenset(_parse_dates(data.get("makeup_days", []))),
        makeup_hours=None if makeup is None else _parse_day(makeup),
        years=frozenset(int(str(year)) for year in _as_list(data.get("years", []))),
    )


def is_working(cal: WorkingCalendar, at: datetime) -> bool:
    """Whether the instant ``at`` falls inside working hours."""
    at = _utc(at)
    local_day = at.astimezone(cal.tz).date()
    return any(start <= at < end for start, end in _spans_of_day(cal, local_day))


def add_working_time(cal: WorkingCalendar, start: datetime, duration: timedelta) -> datetime:
    """The earliest instant by which ``duration`` of working time has passed since ``start``.

    A zero duration returns ``start`` itself; a duration that runs out exactly at the end of a
    working span returns that end (17:30), not the next morning.
    """
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    start = _utc(start)
    if cal.always_working or not duration:
        return start + duration
    remaining = duration
    for span_start, span_end in working_spans(cal, start):
        available = span_end - span_start
        if remaining <= available:
            return span_start + remaining
        remaining -= available
    raise AssertionError("unreachable: working_spans is endless")  # pragma: no cover


def working_time_between(cal: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    """Working time inside ``[start, end)``; zero when ``end`` is not after ``start``."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return timedelta(0)
    if cal.always_working:
        return end - start
    total = timedelta(0)
    for span_start, span_end in working_spans(cal, start):
        if span_start >= end:
            break
        total += min(span_end, end) - span_start
    return total


def working_spans(cal: WorkingCalendar, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Endless working spans in UTC from ``since`` on, the first one clipped to ``since``."""
    since = _utc(since)
    day = since.astimezone(cal.tz).date()
    empty_days = 0
    while empty_days < _MAX_DAYS_SCANNED:
        spans = [(max(s, since), e) for s, e in _spans_of_day(cal, day) if e > since]
        empty_days = 0 if spans else empty_days + 1
        yield from spans
        day += DAY
    raise ValueError(f"calendar {cal.name!r} has no working time for {_MAX_DAYS_SCANNED} days")


def _spans_of_day(cal: WorkingCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """The working spans of a local date as UTC instants."""
    midnight = datetime.combine(day, time(0), tzinfo=cal.tz)
    # Adding to an aware datetime is wall-clock arithmetic; converting afterwards picks the
    # offset valid at that wall time, which is what "08:30 local" means on a DST day.
    return [
        ((midnight + span.start).astimezone(UTC), (midnight + span.end).astimezone(UTC))
        for span in cal.hours_on(day)
    ]


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"naive datetime {at!r}: weixi works with aware datetimes only")
    return at.astimezone(UTC)


def _parse_clock(text: str) -> timedelta:
    hours_text, minutes_text = text.split(":")
    hours, minutes = int(hours_text), int(minutes_text)
    if not (0 <= minutes < 60 and 0 <= hours <= 24) or (hours == 24 and minutes):
        raise ValueError(f"bad clock time {text!r}")
    return timedelta(hours=hours, minutes=minutes)


def _format_clock(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_day(spans: object) -> DayHours:
    return tuple(sorted(WorkingSpan.parse(str(text)) for text in _as_list(spans)))


def _parse_dates(items: object) -> Iterator[date]:
    """Dates as TOML dates, ``"2026-10-01"`` or inclusive ranges ``"2026-10-01..2026-10-07"``."""
    for item in _as_list(items):
        if isinstance(item, date) and not isinstance(item, datetime):
            yield item
            continue
        first_text, _, last_text = str(item).partition("..")
        first = date.fromisoformat(first_text.strip())
        last = date.fromisoformat(last_text.strip()) if last_text else first
        if last < first:
            raise ValueError(f"date range runs backwards: {item!r}")
        yield from (first + DAY * n for n in range((last - first).days + 1))


def _as_list(value: object) -> list[object]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValueError(f"expected a list, got {value!r}")
    return list(value)
