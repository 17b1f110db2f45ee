"""Rendering console pages: the Jinja environment, the per-request context, flash messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from weixi.org.actor import Actor
from weixi.org.roles import Role
from weixi.privacy import mask_id_number, mask_phone
from weixi.web.console import csrf
from weixi.web.console.i18n import N_, Translator, normalise
from weixi.web.deps import current_actor
from weixi.workorders.policies import can_log_complaint

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LANG_COOKIE = "weixi_lang"

env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def translator(request: Request) -> Translator:
    """The request's language: the session's choice, the cookie, then the operator default."""
    settings = request.app.state.settings
    chosen = request.session.get("lang") or request.cookies.get(LANG_COOKIE)
    return Translator(normalise(chosen) or settings.default_locale, settings.timezone)


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str
    href: str
    label: str


def nav_items(actor: Actor | None) -> list[NavItem]:
    """The menu a role sees (labels are message ids)."""
    if actor is None:
        return []
    items = [
        NavItem("home", "/console/", N_("Home")),
        NavItem("work", "/console/work", N_("My work")),
    ]
    if can_log_complaint(actor):
        items.append(NavItem("contact", "/console/contacts/new", N_("Log a contact")))
    if actor.role is not Role.DEPARTMENT_HANDLER:
        items.append(NavItem("customers", "/console/customers", N_("Customers")))
    if actor.is_supervisor:
        items.append(NavItem("dashboard", "/console/dashboard", N_("Dashboard")))
    if actor.role is Role.ADMIN:
        items.append(NavItem("admin", "/console/admin/staff", N_("Administration")))
    items.append(NavItem("notifications", "/console/notifications", N_("Notifications")))
    return items


class PhoneDisplay:
    """Shows personal numbers whole only to roles that may see them."""

    def __init__(self, actor: Actor | None) -> None:
        self._actor = actor

    def phone(self, value: str | None) -> str:
        if self._actor is not None and self._actor.sees_phone:
            return value or ""
        return mask_phone(value)

    def typed(self, value: str) -> str:
        """A searched number echoed back into its input: whole only if the role may see it."""
        digits = sum(ch.isdigit() for ch in value)
        if digits < 11 or (self._actor is not None and self._actor.sees_phone):
            return value
        return ""

    def id_number(self, value: str | None) -> str:
        if self._actor is not None and self._actor.sees_id_number:
            return value or ""
        return mask_id_number(value)

    def text(self, value: str | None) -> str:
        """Free text (a contact's description): numbers in it masked as above."""
        if not value:
            return ""
        value = ID_IN_TEXT.sub(lambda m: self.id_number(m.group(0)), value)
        return PHONE_IN_TEXT.sub(lambda m: self.phone(m.group(0)), value)


PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_IN_TEXT = re.compile(r"(?<![0-9])\d{17}[0-9Xx](?![0-9A-Za-z])")


def render(
    request: Request,
    template: str,
    *,
    actor: Actor | None,
    status: int = 200,
    active: str = "",
    **context: object,
) -> HTMLResponse:
    """Render ``template`` with the shared context (translator, menu, CSRF token, flashes)."""
    t = translator(request)
    flashes = request.session.pop("flash", [])
    here = context.pop("here", None) or _here(request)
    body = env.get_template(template).render(
        request=request,
        t=t,
        _=t.gettext,
        actor=actor,
        nav=nav_items(actor),
        active=active,
        csrf_token=csrf.token(request),
        show=PhoneDisplay(actor),
        flashes=flashes,
        now=request.app.state.clock.now(),
        here=here,
        **context,
    )
    return HTMLResponse(body, status_code=status)


def _here(request: Request) -> str:
    """Where the language switch returns to: this page, or home after a form post."""
    if request.method != "GET" or not request.url.path.startswith("/console"):
        return "/console/"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "phone"]
    query = f"?{urlencode(kept)}" if kept else ""
    return request.url.path + query


def flash(request: Request, msgid: str, kind: str = "ok") -> None:
    """Queue a message (a message id) for the next page rendered in this session."""
    messages = list(request.session.get("flash", []))
    messages.append({"kind": kind, "msgid": msgid})
    request.session["flash"] = messages


def redirect(url: str) -> RedirectResponse:
    """After a successful POST: see-other to a page (so reload does not resubmit)."""
    return RedirectResponse(url, status_code=303)


Viewer = Annotated[Actor, Depends(current_actor)]
Csrf = Annotated[None, Depends(csrf.check_csrf)]
