"""What an administrator may set on a staff member, and what a change is (pure).

A staff member has one role. The seat (ordinary / expert, 普通/专家坐席) belongs to hotline
agents only and every hotline agent has one; skills come from the export's skill list;
capacity is a whole number (account managers: customers in the portfolio, others: open
orders at once); and the unit must be one a person of that role works in.
"""

from __future__ import annotations

from dataclasses import dataclass

from weixi.errors import ValidationFailed
from weixi.org.actor import Actor
from weixi.org.roles import AREA_KINDS, Role, Seat, UnitKind

#: The export's skills (``weixi.ingest.schema.Skill``), repeated here to keep this pure.
SKILLS = ("3g", "iphone", "roaming", "enterprise", "broadband", "fixed_line")
MAX_CAPACITY = 5000

#: The kinds of unit a person of each role works in.
UNIT_KINDS: dict[Role, frozenset[UnitKind]] = {
    Role.ACCOUNT_MANAGER: frozenset({UnitKind.AM_TEAM}),
    Role.HALL_AGENT: frozenset({UnitKind.HALL}),
    Role.HOTLINE_AGENT: frozenset({UnitKind.HOTLINE_CENTRE}),
    Role.DEPARTMENT_HANDLER: frozenset({UnitKind.DEPARTMENT}),
    Role.SUPERVISOR: AREA_KINDS | {UnitKind.HOTLINE_CENTRE},
    Role.ADMIN: AREA_KINDS,
}

FIELDS = ("role", "seat", "skills", "capacity", "unit")


@dataclass(frozen=True, slots=True)
class StaffSettings:
    """The editable settings of a staff member (``unit`` is the unit's code)."""

    role: str
    seat: str | None
    skills: tuple[str, ...]
    capacity: int
    unit: str

    def as_dict(self) -> dict[str, object]:
        return {
            "role": self.role,
            "seat": self.seat,
            "skills": list(self.skills),
            "capacity": self.capacity,
            "unit": self.unit,
        }


def can_manage_staff(actor: Actor) -> bool:
    """Administrators manage the staff of their own area."""
    return actor.role is Role.ADMIN


def parse_settings(
    *, role: str, seat: str, skills: list[str], capacity: str, unit: str
) -> StaffSettings:
    """Form values → settings, or ValidationFailed naming what is wrong."""
    if role not in {r.value for r in Role}:
        raise ValidationFailed(f"unknown role: {role}")
    seat_value = seat.strip() or None
    if role == Role.HOTLINE_AGENT.value:
        if seat_value not in {s.value for s in Seat}:
            raise ValidationFailed("a hotline agent needs an ordinary or an expert seat")
    elif seat_value is not None:
        raise ValidationFailed("only hotline agents have a seat")
    unknown = sorted(set(skills) - set(SKILLS))
    if unknown:
        raise ValidationFailed(f"unknown skill: {', '.join(unknown)}")
    try:
        cap = int(capacity.strip())
    except ValueError:
        raise ValidationFailed("capacity must be a whole number") from None
    if not 0 <= cap <= MAX_CAPACITY:
        raise ValidationFailed(f"capacity must be between 0 and {MAX_CAPACITY}")
    if not unit.strip():
        raise ValidationFailed("choose a unit")
    ordered = tuple(s for s in SKILLS if s in set(skills))
    return StaffSettings(role, seat_value, ordered, cap, unit.strip())


def check_unit(settings: StaffSettings, unit_kind: str) -> None:
    if unit_kind not in UNIT_KINDS[Role(settings.role)]:
        raise ValidationFailed(f"a {settings.role} does not work in a unit of kind {unit_kind}")


def changes(old: StaffSettings, new: StaffSettings) -> dict[str, list[object]]:
    """Field → [old, new] for every field that differs."""
    a, b = old.as_dict(), new.as_dict()
    return {f: [a[f], b[f]] for f in FIELDS if a[f] != b[f]}


def check_own_change(actor: Actor, staff_id: int, diff: dict[str, list[object]]) -> None:
    """An administrator cannot take away their own role or move out of their own area."""
    if staff_id == actor.staff_id and ({"role", "unit"} & set(diff)):
        raise ValidationFailed("you cannot change your own role or unit")
