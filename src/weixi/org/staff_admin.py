"""Administering staff: scoped reads and the edits an administrator makes (with history).

Every read starts from :func:`visible_staff` (the administrator's area as a query filter).
Each change is kept as a new version of the document ``staff:<code>`` in the versioned
store, with its author, time, comment and the fields that changed. Services take the unit
of work and never commit; the caller does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from weixi.db.uow import UnitOfWork
from weixi.errors import Conflict, Forbidden, NotFound, ValidationFailed
from weixi.org.actor import Actor
from weixi.org.models import OrgUnit, Staff
from weixi.org.scope import area_filter
from weixi.org.staff_rules import (
    StaffSettings,
    can_manage_staff,
    changes,
    check_own_change,
    check_unit,
)
from weixi.versioned import service as versioned
from weixi.versioned.models import VersionedDocument
from weixi.workorders.kinds import OPEN_STATUSES
from weixi.workorders.models import WorkOrder


def _require(actor: Actor) -> None:
    if not can_manage_staff(actor):
        raise Forbidden("administration is for administrators")


def visible_staff(actor: Actor) -> Select[Staff]:
    return select(Staff).where(area_filter(actor, Staff.county_id, Staff.city_id))


def visible_units(actor: Actor) -> Select[OrgUnit]:
    return select(OrgUnit).where(area_filter(actor, OrgUnit.county_id, OrgUnit.city_id))


def get_staff(session: Session, actor: Actor, staff_id: int) -> Staff:
    _require(actor)
    staff = session.scalars(visible_staff(actor).where(Staff.id == staff_id)).one_or_none()
    if staff is None:
        raise NotFound(f"staff {staff_id} not found")
    return staff


def units_in_scope(session: Session, actor: Actor) -> list[OrgUnit]:
    return list(session.scalars(visible_units(actor).order_by(OrgUnit.path)))


def settings_of(session: Session, staff: Staff) -> StaffSettings:
    unit = session.get(OrgUnit, staff.unit_id)
    return StaffSettings(
        role=staff.role,
        seat=staff.seat,
        skills=tuple(staff.skills or ()),
        capacity=staff.capacity,
        unit=unit.code if unit else "",
    )


def document_name(staff: Staff) -> str:
    return f"staff:{staff.code}"


@dataclass(frozen=True, slots=True)
class StaffChange:
    staff: Staff
    diff: dict[str, list[object]]
    version: int | None


def update_staff(
    uow: UnitOfWork, actor: Actor, staff_id: int, new: StaffSettings, *, comment: str = ""
) -> StaffChange:
    """Apply ``new`` to a staff member of the administrator's area and keep the change."""
    session = uow.session
    staff = get_staff(session, actor, staff_id)
    unit = session.scalars(visible_units(actor).where(OrgUnit.code == new.unit)).one_or_none()
    if unit is None:
        raise ValidationFailed(f"no unit {new.unit} in your area")
    check_unit(new, unit.kind)
    diff = changes(settings_of(session, staff), new)
    check_own_change(actor, staff.id, diff)
    if not diff:
        return StaffChange(staff, diff, None)
    if "role" in diff:
        handling = open_orders_of(session, staff.id)
        if handling:
            raise Conflict(
                f"{staff.code} still handles {handling} open orders: transfer them first"
            )
    staff.role, staff.seat, staff.skills = new.role, new.seat, list(new.skills)
    staff.capacity = new.capacity
    if "unit" in diff:
        staff.unit_id = unit.id
        staff.province_id, staff.city_id, staff.county_id = (
            unit.province_id,
            unit.city_id,
            unit.county_id,
        )
    return StaffChange(staff, diff, _record(uow, actor, staff, diff, comment))


def open_orders_of(session: Session, staff_id: int) -> int:
    """Open orders the staff member handles (a role change would strand them)."""
    stmt = select(func.count()).where(
        WorkOrder.handler_id == staff_id,
        WorkOrder.status.in_([s.value for s in OPEN_STATUSES]),
    )
    return int(session.scalar(stmt) or 0)


def set_active(uow: UnitOfWork, actor: Actor, staff_id: int, active: bool) -> StaffChange:
    staff = get_staff(uow.session, actor, staff_id)
    if staff.id == actor.staff_id:
        raise ValidationFailed("you cannot deactivate yourself")
    if staff.active == active:
        return StaffChange(staff, {}, None)
    diff: dict[str, list[object]] = {"active": [staff.active, active]}
    staff.active = active
    return StaffChange(staff, diff, _record(uow, actor, staff, diff, ""))


def _record(
    uow: UnitOfWork, actor: Actor, staff: Staff, diff: dict[str, list[object]], comment: str
) -> int:
    body: dict[str, object] = {
        "changes": diff,
        "settings": {**settings_of(uow.session, staff).as_dict(), "active": staff.active},
    }
    doc = versioned.save_version(
        uow.session,
        document_name(staff),
        body,
        author_id=actor.staff_id,
        at=uow.clock.now(),
        comment=comment.strip(),
    )
    return doc.version


def history(session: Session, staff: Staff) -> list[VersionedDocument]:
    """Who changed what, newest first (the caller read ``staff`` through the scope)."""
    return versioned.versions(session, document_name(staff))
