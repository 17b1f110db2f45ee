"""Log-in, log-out, the language switch, the home page per role, and notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import update

from weixi.auth.service import authenticate
from weixi.errors import Unauthenticated
from weixi.notifications.models import Notification
from weixi.web.console import csrf, queries
from weixi.web.console.i18n import ROLE_INTROS, normalise
from weixi.web.console.rendering import LANG_COOKIE, Csrf, Viewer, redirect, render
from weixi.web.deps import Uow

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only ever send people back inside the console (no open redirects)."""
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return "/console/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "") -> HTMLResponse:
    return render(request, "login.html", actor=None, next=_safe_next(next), failed=False)


@router.post("/login", response_model=None)
def login(
    request: Request,
    uow: Uow,
    _csrf: Csrf,
    login: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "",
) -> Response:
    try:
        staff = authenticate(uow.session, login.strip(), password)
    except Unauthenticated:
        page = render(request, "login.html", actor=None, next=_safe_next(next), failed=True)
        page.status_code = 401
        return page
    uow.commit()
    lang = request.session.get("lang")
    request.session.clear()  # a fresh session (and CSRF token) on every log-in
    if lang:
        request.session["lang"] = lang
    request.session["staff_id"] = staff.id
    csrf.token(request)
    return redirect(_safe_next(next))


@router.post("/logout")
def logout(request: Request, _csrf: Csrf) -> RedirectResponse:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return redirect("/console/login")


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "") -> RedirectResponse:
    """One click to the other language; kept in the session and a long-lived cookie."""
    locale = normalise(code)
    response = RedirectResponse(_safe_next(next), status_code=303)
    if locale:
        request.session["lang"] = locale
        settings = request.app.state.settings
        response.set_cookie(
            LANG_COOKIE,
            locale,
            max_age=365 * 86400,
            samesite="lax",
            secure=settings.secure_cookies,
            httponly=True,
        )
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, actor: Viewer, uow: Uow) -> HTMLResponse:
    now = uow.clock.now()
    counts = queries.count_work(uow.session, actor, area=False, now=now)
    area = queries.count_work(uow.session, actor, area=True, now=now) if actor.is_supervisor else {}
    recent = queries.my_notifications(uow.session, actor, limit=5)
    unit = queries.unit_names(uow.session, [actor.unit_id]).get(actor.unit_id)
    return render(
        request,
        "home.html",
        actor=actor,
        active="home",
        counts=counts,
        area=area,
        recent=recent,
        unit=unit,
        unread=queries.unread_count(uow.session, actor),
        intro=ROLE_INTROS[actor.role.value],
    )


@router.get("/notifications", response_class=HTMLResponse)
def notifications(request: Request, actor: Viewer, uow: Uow) -> HTMLResponse:
    items = queries.my_notifications(uow.session, actor)
    return render(request, "notifications.html", actor=actor, active="notifications", items=items)


@router.post("/notifications/read")
def mark_read(request: Request, actor: Viewer, uow: Uow, _csrf: Csrf) -> RedirectResponse:
    uow.session.execute(
        update(Notification)
        .where(Notification.recipient_id == actor.staff_id, Notification.read_at.is_(None))
        .values(read_at=uow.clock.now())
    )
    uow.commit()
    return redirect("/console/notifications")
