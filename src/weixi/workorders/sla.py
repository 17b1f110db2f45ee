"""SLA clocks for work orders: deadlines, elapsed time, status and policy matching.

Pure rules: standard library plus :mod:`weixi.org.calendar`. An SLA clock starts when the
order is opened and counts either plain elapsed time (``ClockMode.CALENDAR``) or working time
of a :class:`~weixi.org.calendar.WorkingCalendar` (``ClockMode.WORKING``). It stops while the
order waits on the customer (a :class:`Pause`); an open pause (``end is None``) stops it until
further notice. All results are aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from weixi.org.calendar import (
    CALENDAR_24X7,
    WorkingCalendar,
    add_working_time,
    working_time_between,
)


class ClockMode(StrEnum):
    """What an SLA budget counts."""

    CALENDAR = "calendar"  # every hour, nights, weekends and holidays included
    WORKING = "working"  # only the working hours of the operator's calendar


class SlaStatus(StrEnum):
    OK = "ok"  # running, below the warning share
    WARNING = "warning"  # running, warning share of the budget used
    BREACHED = "breached"  # running, past the deadline
    MET = "met"  # done by the deadline
    MISSED = "missed"  # done, but after the deadline


@dataclass(frozen=True)
class SlaPolicy:
    """Time budgets for one kind of work: first response and resolution."""

    first_response: timedelta
    resolution: timedelta
    mode: ClockMode = ClockMode.CALENDAR
    warn_share: float = 0.8

    def __post_init__(self) -> None:
        if self.first_response <= timedelta(0) or self.resolution <= timedelta(0):
            raise ValueError("SLA budgets must be positive")
        if not 0.0 < self.warn_share <= 1.0:
            raise ValueError("warn_share must lie in (0, 1]")


@dataclass(frozen=True)
class Pause:
    """A stretch in which the order waits on the customer; ``end=None`` while still waiting."""

    start: datetime
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError("a pause cannot end before it starts")


@dataclass(frozen=True)
class SlaState:
    """Where an order stands against its policy at ``now``.

    Deadlines are projections: paused time so far is added, and an ongoing pause is treated
    as ending at ``now``. ``status``, ``warn_at`` and ``share_used`` concern the resolution
    clock, which drives escalation; ``response_status`` reports the first-response clock.
    """

    opened_at: datetime
    now: datetime
    policy: SlaPolicy
    calendar: WorkingCalendar
    #: Pauses merged, clipped to ``[opened_at, now]``: the ones the deadlines account for.
    pauses: tuple[Pause, ...]
    response_due: datetime
    resolution_due: datetime
    warn_at: datetime
    status: SlaStatus
    response_status: SlaStatus
    share_used: float
    elapsed: timedelta
    paused: bool


def clock_calendar(mode: ClockMode, calendar: WorkingCalendar) -> WorkingCalendar:
    """The calendar a clock in ``mode`` counts with."""
    return calendar if mode is ClockMode.WORKING else CALENDAR_24X7


def deadline(
    opened_at: datetime,
    budget: timedelta,
    mode: ClockMode,
    calendar: WorkingCalendar,
    pauses: Iterable[Pause] = (),
) -> datetime | None:
    """The instant at which ``budget`` of counted time has run since ``opened_at``.

    Paused time does not count, so every pause pushes the deadline out. Returns ``None`` when
    an open pause stops the clock before the budget is used up: there is no deadline until
    the customer answers.
    """
    cal = clock_calendar(mode, calendar)
    remaining = budget
    for run_start, run_end in _running_stretches(opened_at, merge_pauses(pauses, opened_at)):
        candidate = add_working_time(cal, run_start, remaining)
        if run_end is None or candidate <= run_end:
            return candidate
        remaining -= working_time_between(cal, run_start, run_end)
    return None


def elapsed(
    opened_at: datetime,
    now: datetime,
    mode: ClockMode,
    calendar: WorkingCalendar,
    pauses: Iterable[Pause] = (),
) -> timedelta:
    """Counted time between ``opened_at`` and ``now``, paused time left out."""
    cal = clock_calendar(mode, calendar)
    total = timedelta(0)
    for run_start, run_end in _running_stretches(opened_at, merge_pauses(pauses, opened_at)):
        if run_start >= now:
            break
        stop = now if run_end is None else min(run_end, now)
        total += working_time_between(cal, run_start, stop)
    return total


def merge_pauses(pauses: Iterable[Pause], opened_at: datetime) -> tuple[Pause, ...]:
    """Pauses sorted, overlaps merged, and anything before ``opened_at`` cut away."""
    merged: list[Pause] = []
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.end is not None and pause.end <= opened_at:
            continue
        pause = Pause(max(pause.start, opened_at), pause.end)
        last = merged[-1] if merged else None
        if last is not None and (last.end is None or pause.start <= last.end):
            end = None if last.end is None or pause.end is None else max(last.end, pause.end)
            merged[-1] = Pause(last.start, end)
        else:
            merged.append(pause)
    return tuple(merged)


def pauses_until(pauses: Iterable[Pause], now: datetime) -> tuple[Pause, ...]:
    """Pauses as known at ``now``: later ones dropped, an ongoing one ending at ``now``."""
    return tuple(
        Pause(p.start, now if p.end is None or p.end > now else p.end)
        for p in pauses
        if p.start <= now
    )


def sla_state(
    opened_at: datetime,
    now: datetime,
    policy: SlaPolicy,
    calendar: WorkingCalendar,
    pauses: Sequence[Pause] = (),
    responded_at: datetime | None = None,
    resolved_at: datetime | None = None,
) -> SlaState:
    """Evaluate both clocks of an order at ``now`` (a resolution also counts as a response)."""
    known = merge_pauses(pauses_until(pauses, now), opened_at)
    due = _Projector(opened_at, policy.mode, calendar, known)
    response_due, resolution_due = due(policy.first_response), due(policy.resolution)
    warn_at = due(policy.resolution * policy.warn_share)
    response_warn_at = due(policy.first_response * policy.warn_share)
    used = elapsed(opened_at, resolved_at or now, policy.mode, calendar, known)
    return SlaState(
        opened_at=opened_at,
        now=now,
        policy=policy,
        calendar=calendar,
        pauses=known,
        response_due=response_due,
        resolution_due=resolution_due,
        warn_at=warn_at,
        status=_status(resolved_at, now, resolution_due, warn_at),
        response_status=_status(
            _earliest(responded_at, resolved_at), now, response_due, response_warn_at
        ),
        share_used=used / policy.resolution,
        elapsed=used,
        paused=any(p.start <= now and (p.end is None or p.end > now) for p in pauses),
    )


def point_on_clock(state: SlaState, counted: timedelta) -> datetime:
    """The instant at which the order's resolution clock shows ``counted`` (projected)."""
    return _Projector(state.opened_at, state.policy.mode, state.calendar, state.pauses)(counted)


@dataclass(frozen=True)
class SlaPolicyRule:
    """A policy for the orders it matches; ``None`` in a field matches anything."""

    policy: SlaPolicy
    kind: str | None = None
    tier: str | None = None
    category: str | None = None

    def matches(self, *, kind: str, tier: str | None, category: str | None) -> bool:
        """Whether every field the rule fixes equals the order's value."""
        return all(
            wanted is None or wanted == given
            for wanted, given in ((self.kind, kind), (self.tier, tier), (self.category, category))
        )

    @property
    def specificity(self) -> tuple[int, bool, bool, bool]:
        """Sort key: fields fixed, then kind, category and tier in that order of weight."""
        fixed = (self.kind is not None, self.category is not None, self.tier is not None)
        return (sum(fixed), *fixed)


class NoPolicyMatches(LookupError):
    """No rule covers the order; ship a catch-all rule to rule this out."""


def match_policy(
    rules: Sequence[SlaPolicyRule], *, kind: str, tier: str | None, category: str | None
) -> SlaPolicyRule:
    """The most specific rule matching the order.

    Specificity is the number of fields a rule fixes. Ties between rules fixing as many fields
    go to the one fixing ``kind``, then ``category``, then ``tier``: what kind of work it is
    says more about how long it takes than who the customer is. Rules of equal weight: the
    later one in ``rules`` wins, so operator overrides are simply appended to the defaults.
    """
    best: tuple[tuple[int, bool, bool, bool], int, SlaPolicyRule] | None = None
    for position, rule in enumerate(rules):
        if rule.matches(kind=kind, tier=tier, category=category):
            key = (rule.specificity, position, rule)
            if best is None or key[:2] > best[:2]:
                best = key
    if best is None:
        raise NoPolicyMatches(
            f"no SLA policy for kind={kind!r} tier={tier!r} category={category!r}"
        )
    return best[2]


@dataclass(frozen=True)
class _Projector:
    """``deadline`` with everything but the budget fixed; pauses are closed, so never None."""

    opened_at: datetime
    mode: ClockMode
    calendar: WorkingCalendar
    pauses: tuple[Pause, ...]

    def __call__(self, budget: timedelta) -> datetime:
        due = deadline(self.opened_at, budget, self.mode, self.calendar, self.pauses)
        if due is None:  # pragma: no cover - callers pass closed pauses only
            raise ValueError("deadline undefined while a pause is open")
        return due


def _status(done_at: datetime | None, now: datetime, due: datetime, warn_at: datetime) -> SlaStatus:
    if done_at is not None:
        return SlaStatus.MET if done_at <= due else SlaStatus.MISSED
    if now > due:
        return SlaStatus.BREACHED
    return SlaStatus.WARNING if now >= warn_at else SlaStatus.OK


def _earliest(*instants: datetime | None) -> datetime | None:
    present = [at for at in instants if at is not None]
    return min(present) if present else None


def _running_stretches(
    opened_at: datetime, pauses: tuple[Pause, ...]
) -> Iterator[tuple[datetime, datetime | None]]:
    """The stretches between merged pauses in which the clock runs; ``None`` = open-ended."""
    run_start: datetime | None = opened_at
    for pause in pauses:
        if run_start is not None and pause.start > run_start:
            yield run_start, pause.start
        run_start = pause.end
    if run_start is not None:
        yield run_start, None
