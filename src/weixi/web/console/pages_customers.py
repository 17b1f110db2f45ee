"""Customer search, the customer 360 view, and logging a contact or complaint."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from weixi.customers import contacts as contact_log
from weixi.customers import repository as customers
from weixi.customers.usage import monthly_usage
from weixi.errors import Forbidden, ValidationFailed
from weixi.network import perception
from weixi.network.repository import customer_network
from weixi.org.actor import Actor
from weixi.org.roles import Role
from weixi.web.console import queries
from weixi.web.console.i18n import N_
from weixi.web.console.rendering import Csrf, Viewer, flash, redirect, render, translator
from weixi.web.console.usage import usage_chart
from weixi.web.deps import Uow
from weixi.workorders import policies, service
from weixi.workorders.kinds import Category, WorkOrderKind
from weixi.workorders.service import OrderCreate

router = APIRouter()

#: The network panel's targets, by KPI (telecom-domain.md; see weixi.network.perception).
THRESHOLDS = {
    "coverage": perception.COVERAGE,
    "accessibility": perception.ACCESSIBILITY,
    "drop_rate": perception.DROP_RATE,
    "handover": perception.HANDOVER,
}

#: What a front-line contact can become (the first-contact-owner kinds).
CONTACT_KINDS = (
    WorkOrderKind.COMPLAINT,
    WorkOrderKind.FAULT,
    WorkOrderKind.REPAIR,
    WorkOrderKind.INSTALL,
    WorkOrderKind.MOVE,
)
CHANNEL_OF_ROLE = {
    Role.HALL_AGENT: "hall",
    Role.HOTLINE_AGENT: "hotline",
    Role.ACCOUNT_MANAGER: "account_manager",
}


@router.get("/customers", response_class=HTMLResponse)
def search(request: Request, actor: Viewer, uow: Uow, phone: str = "") -> HTMLResponse:
    found = queries.find_customers(uow.session, actor, phone) if phone else []
    return render(
        request, "customers.html", actor=actor, active="customers", phone=phone, found=found
    )


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer_360(request: Request, customer_id: int, actor: Viewer, uow: Uow) -> HTMLResponse:
    session = uow.session
    customer = customers.get_visible_customer(session, actor, customer_id)
    usage = monthly_usage(session, actor, customer.id)
    orders = queries.customer_orders(session, actor, customer.id)
    contacts = contact_log.recent_contacts(session, customer.id)
    names = queries.staff_names(
        session, [customer.account_manager_id, *(c.staff_id for c in contacts)]
    )
    return render(
        request,
        "customer.html",
        actor=actor,
        active="customers",
        customer=customer,
        products=customers.products(session, customer.id),
        events=queries.customer_events(session, customer.id),
        orders=orders,
        usage=usage,
        usage_chart=usage_chart(translator(request), usage),
        manager=names.get(customer.account_manager_id or 0, ""),
        contacts=contacts,
        channels=contact_log.channel_summary(session, customer.id),
        handlers=names,
        network=customer_network(session, customer.id),
        thresholds=THRESHOLDS,
        county=queries.unit_names(session, [customer.county_id]).get(customer.county_id),
    )


@router.get("/contacts/new", response_class=HTMLResponse)
def new_contact(
    request: Request, actor: Viewer, uow: Uow, phone: str = "", customer_id: int | None = None
) -> HTMLResponse:
    _may_log(actor)
    found = queries.find_customers(uow.session, actor, phone) if phone else []
    chosen = (
        customers.get_visible_customer(uow.session, actor, customer_id) if customer_id else None
    )
    return render(
        request,
        "contact_new.html",
        actor=actor,
        active="contact",
        phone=phone,
        found=found,
        chosen=chosen,
        kinds=[k.value for k in CONTACT_KINDS],
        categories=[c.value for c in Category],
    )


@router.post("/contacts")
def log_contact(
    request: Request,
    actor: Viewer,
    uow: Uow,
    _csrf: Csrf,
    customer_id: Annotated[int, Form()],
    kind: Annotated[str, Form()],
    category: Annotated[str, Form()],
    title: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Log it; the agent becomes the first-contact owner and follows it wherever it goes."""
    _may_log(actor)
    if kind not in {k.value for k in CONTACT_KINDS}:
        raise ValidationFailed(f"not a contact kind: {kind}")
    if category not in {c.value for c in Category}:
        raise ValidationFailed(f"unknown category: {category}")
    if not title.strip():
        raise ValidationFailed("say in a few words what it is about")
    data = OrderCreate(
        kind=WorkOrderKind(kind),
        title=title.strip(),
        customer_id=customer_id,
        category=category,
        description=description.strip(),
        channel=CHANNEL_OF_ROLE.get(actor.role, "system"),
    )
    order = service.create_order(uow, actor, data)
    uow.commit()
    flash(request, N_("Logged. You are its first-contact owner and will hear of every change."))
    return redirect(f"/console/orders/{order.id}")


def _may_log(actor: Actor) -> None:
    if not policies.can_log_complaint(actor):
        raise Forbidden("your role does not log contacts")
