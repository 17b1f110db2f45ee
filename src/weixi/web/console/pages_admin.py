"""Administration: staff (activate/deactivate) and the versioned configuration documents."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from weixi.errors import Forbidden, NotFound, ValidationFailed
from weixi.org.actor import Actor
from weixi.org.models import Staff
from weixi.org.roles import Role
from weixi.org.scope import area_filter
from weixi.versioned import service as versioned
from weixi.web.console import queries
from weixi.web.console.admin_docs import DOCUMENTS, DocumentKind, parse
from weixi.web.console.i18n import N_
from weixi.web.console.rendering import Csrf, Viewer, flash, redirect, render
from weixi.web.deps import Uow

router = APIRouter(prefix="/admin")


def _admin(actor: Actor) -> None:
    if actor.role is not Role.ADMIN:
        raise Forbidden("administration is for administrators")


@router.get("/staff", response_class=HTMLResponse)
def staff_list(request: Request, actor: Viewer, uow: Uow, role: str = "") -> HTMLResponse:
    _admin(actor)
    stmt = select(Staff).where(area_filter(actor, Staff.county_id, Staff.city_id))
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
    stmt = select(Staff).where(
        Staff.id == staff_id, area_filter(actor, Staff.county_id, Staff.city_id)
    )
    staff = uow.session.scalars(stmt).one_or_none()
    if staff is None:
        raise NotFound(f"staff {staff_id} not found")
    if staff.id == actor.staff_id:
        raise ValidationFailed("you cannot deactivate yourself")
    staff.active = active == "true"
    uow.commit()
    flash(request, N_("Staff member activated") if staff.active else N_("Staff member deactivated"))
    return redirect("/console/admin/staff")


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
