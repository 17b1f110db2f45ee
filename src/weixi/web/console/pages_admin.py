"""Administration: staff (role, seat, skills, capacity, unit, activation — each change kept
with its author) and the versioned configuration documents."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from weixi.errors import Forbidden, NotFound, ValidationFailed
from weixi.org import staff_admin
from weixi.org.actor import Actor
from weixi.org.models import Staff
from weixi.org.roles import Role, Seat
from weixi.org.staff_rules import SKILLS, StaffSettings, can_manage_staff, parse_settings
from weixi.versioned import service as versioned
from weixi.web.console import queries
from weixi.web.console.admin_docs import DOCUMENTS, DocumentKind, parse
from weixi.web.console.i18n import N_
from weixi.web.console.rendering import Csrf, Viewer, flash, redirect, render
from weixi.web.deps import Uow

router = APIRouter(prefix="/admin")


def _admin(actor: Actor) -> None:
    if not can_manage_staff(actor):
        raise Forbidden("administration is for administrators")


@router.get("/staff", response_class=HTMLResponse)
def staff_list(request: Request, actor: Viewer, uow: Uow, role: str = "") -> HTMLResponse:
    _admin(actor)
    stmt = staff_admin.visible_staff(actor)
    if role:
        stmt = stmt.where(Staff.role == role)
    staff = list(uow.session.scalars(stmt.order_by(Staff.code).limit(500)))
    units = queries.unit_names(uow.session, [s.unit_id for s in staff])
    return render(
        request,
        "admin_staff.html",
        actor=actor,
        active="admin",
        staff=staff,
        units=units,
        roles=[r.value for r in Role],
        role=role,
        documents=DOCUMENTS,
    )


@router.post("/staff/{staff_id}/active")
def set_active(
    request: Request,
    staff_id: int,
    actor: Viewer,
    uow: Uow,
    _csrf: Csrf,
    active: Annotated[str, Form()],
) -> RedirectResponse:
    _admin(actor)
    change = staff_admin.set_active(uow, actor, staff_id, active == "true")
    uow.commit()
    flash(
        request,
        N_("Staff member activated") if change.staff.active else N_("Staff member deactivated"),
    )
    return redirect("/console/admin/staff")


@router.get("/staff/{staff_id}", response_class=HTMLResponse)
def staff_page(request: Request, staff_id: int, actor: Viewer, uow: Uow) -> HTMLResponse:
    staff = staff_admin.get_staff(uow.session, actor, staff_id)
    current = staff_admin.settings_of(uow.session, staff)
    return _staff_page(request, actor, uow, staff, current, problems="")


@router.post("/staff/{staff_id}", response_model=None)
def save_staff(
    request: Request,
    staff_id: int,
    actor: Viewer,
    uow: Uow,
    _csrf: Csrf,
    role: Annotated[str, Form()],
    unit: Annotated[str, Form()],
    capacity: Annotated[str, Form()],
    seat: Annotated[str, Form()] = "",
    skills: Annotated[list[str] | None, Form()] = None,
    comment: Annotated[str, Form()] = "",
) -> Response:
    """Validate and apply; on a problem, show the form again with what was typed."""
    staff = staff_admin.get_staff(uow.session, actor, staff_id)
    typed = StaffSettings(role, seat or None, tuple(skills or ()), 0, unit)
    try:
        new = parse_settings(
            role=role, seat=seat, skills=list(skills or []), capacity=capacity, unit=unit
        )
        change = staff_admin.update_staff(uow, actor, staff_id, new, comment=comment)
    except ValidationFailed as exc:
        page = _staff_page(
            request, actor, uow, staff, typed, problems=exc.message, capacity=capacity
        )
        page.status_code = 422
        return page
    uow.commit()
    flash(request, N_("Changes saved") if change.diff else N_("Nothing changed"))
    return redirect(f"/console/admin/staff/{staff_id}")


def _staff_page(
    request: Request,
    actor: Actor,
    uow: Uow,
    staff: Staff,
    settings: StaffSettings,
    *,
    problems: str,
    capacity: str | None = None,
) -> HTMLResponse:
    session = uow.session
    history = staff_admin.history(session, staff)
    return render(
        request,
        "admin_staff_edit.html",
        actor=actor,
        active="admin",
        staff=staff,
        settings=settings,
        capacity=capacity if capacity is not None else str(settings.capacity),
        problems=problems,
        roles=[r.value for r in Role],
        seats=[s.value for s in Seat],
        skills=SKILLS,
        units=staff_admin.units_in_scope(session, actor),
        history=history,
        names=queries.staff_names(session, [d.author_id for d in history]),
        documents=DOCUMENTS,
    )


def _document(name: str) -> DocumentKind:
    kind = DOCUMENTS.get(name)
    if kind is None:
        raise NotFound(f"no document {name}")
    return kind


@router.get("/config/{name}", response_class=HTMLResponse)
def document_page(request: Request, name: str, actor: Viewer, uow: Uow) -> Response:
    _admin(actor)
    kind = _document(name)
    latest = versioned.latest(uow.session, kind.name)
    body = latest.body if latest else kind.default()
    text = json.dumps(body, ensure_ascii=False, indent=2)
    return _document_page(request, actor, uow, kind, text, problems="")


@router.post("/config/{name}", response_model=None)
def save_document(
    request: Request,
    name: str,
    actor: Viewer,
    uow: Uow,
    _csrf: Csrf,
    text: Annotated[str, Form()],
    comment: Annotated[str, Form()] = "",
) -> Response:
    """Validate and store as a new version; on a problem, show the text again with it."""
    _admin(actor)
    kind = _document(name)
    try:
        body = kind.validate(parse(text))
    except ValidationFailed as exc:
        page = _document_page(request, actor, uow, kind, text, problems=exc.message)
        page.status_code = 422
        return page
    doc = versioned.save_version(
        uow.session, kind.name, body, author_id=actor.staff_id, at=uow.clock.now(), comment=comment
    )
    uow.commit()
    flash(request, N_("Saved as a new version"))
    return redirect(f"/console/admin/config/{name}#v{doc.version}")


def _document_page(
    request: Request, actor: Actor, uow: Uow, kind: DocumentKind, text: str, *, problems: str
) -> HTMLResponse:
    history = versioned.versions(uow.session, kind.name)
    names = queries.staff_names(uow.session, [d.author_id for d in history])
    return render(
        request,
        "admin_config.html",
        actor=actor,
        active="admin",
        kind=kind,
        text=text,
        problems=problems,
        history=history,
        names=names,
        documents=DOCUMENTS,
    )
