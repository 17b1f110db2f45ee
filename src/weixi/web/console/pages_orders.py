"""My work, the work-order page with its actions, supervisors' bulk actions."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from weixi.customers.models import Customer
from weixi.db.uow import UnitOfWork
from weixi.errors import Forbidden, ValidationFailed
from weixi.org.actor import Actor
from weixi.web.console import queries
from weixi.web.console.actions import BULK_ACTIONS, Action, allowed_actions
from weixi.web.console.i18n import N_
from weixi.web.console.rendering import Csrf, Viewer, flash, redirect, render
from weixi.web.console.sla_view import sla_badge
from weixi.web.deps import Uow
from weixi.workorders import repository, service
from weixi.workorders.kinds import Department, Status, WorkOrderKind

router = APIRouter()

Text = Annotated[str, Form()]
OptionalText = Annotated[str, Form()]


@router.get("/work", response_class=HTMLResponse)
def my_work(
    request: Request,
    actor: Viewer,
    uow: Uow,
    status: str = "open",
    kind: str = "",
    phone: str = "",
    sort: str = "due",
    area: bool | None = None,
    page: int = 1,
) -> HTMLResponse:
    """Supervisors start on their whole area; everyone else on their own work."""
    whole_area = actor.is_supervisor if area is None else area
    f = queries.WorkFilter(
        status=status, kind=kind, phone=phone, sort=sort, area=whole_area, page=page
    )
    rows = queries.work_list(uow.session, actor, f)
    more = len(rows) > f.limit
    rows = rows[: f.limit]
    now = uow.clock.now()
    names = queries.staff_names(uow.session, [o.handler_id for o, _ in rows])
    return render(
        request,
        "work.html",
        actor=actor,
        active="work",
        rows=[(o, c, sla_badge(o, now)) for o, c in rows],
        f=f,
        names=names,
        statuses=[s.value for s in Status],
        kinds=[k.value for k in WorkOrderKind],
        departments=[d.value for d in Department],
        bulk=actor.is_supervisor and f.area,
        bulk_actions=[a.value for a in BULK_ACTIONS],
        more=more,
        page_link=_page_link(request),
    )


def _page_link(request: Request) -> str:
    """This list's URL without its page number (the template appends one)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return "/console/work?" + "".join(f"{k}={quote(v)}&" for k, v in kept)


@router.post("/work/bulk")
def bulk(
    request: Request,
    actor: Viewer,
    uow: Uow,
    _csrf: Csrf,
    action: Text,
    reason: Text,
    order_ids: Annotated[list[int], Form()],
    department: OptionalText = "",
) -> RedirectResponse:
    """Transfer or cancel many orders at once; orders the action does not fit are skipped."""
    if not actor.is_supervisor:
        raise Forbidden("bulk actions are for supervisors")
    wanted = Action(action)
    if wanted not in BULK_ACTIONS:
        raise ValidationFailed(f"no bulk action {action}")
    done = 0
    for order_id in order_ids:
        order = repository.get_visible(uow.session, actor, order_id)
        if wanted not in allowed_actions(actor, order):
            continue
        _apply(uow, actor, order_id, wanted, reason=reason, department=department)
        done += 1
    uow.commit()
    flash(
        request, N_("Bulk action applied") if done else N_("No selected order allowed this action")
    )
    return redirect("/console/work?area=true")


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: int, actor: Viewer, uow: Uow) -> HTMLResponse:
    session = uow.session
    order = repository.get_visible(session, actor, order_id)
    customer = session.get(Customer, order.customer_id) if order.customer_id else None
    history = repository.history(session, order.id)
    records = queries.callbacks(session, order.id)
    notes = queries.notes(session, order.id)
    people = [h.actor_id for h in history] + [r.staff_id for r in records]
    people += [n.author_id for n in notes]
    people += [order.handler_id, order.first_contact_owner_id, order.last_handler_id]
    return render(
        request,
        "order.html",
        actor=actor,
        active="work",
        order=order,
        customer=customer,
        history=history,
        records=records,
        escalations=repository.escalations(session, order.id),
        notes=notes,
        names=queries.staff_names(session, people),
        units=queries.unit_names(session, [order.pool_unit_id, order.county_id]),
        actions=[a.value for a in allowed_actions(actor, order)],
        departments=[d.value for d in Department],
        sla=sla_badge(order, uow.clock.now()),
    )


@router.post("/orders/{order_id}/{action}")
def order_action(
    request: Request,
    order_id: int,
    action: str,
    actor: Viewer,
    uow: Uow,
    _csrf: Csrf,
    reason: OptionalText = "",
    department: OptionalText = "",
) -> RedirectResponse:
    try:
        wanted = Action(action.replace("-", "_"))
    except ValueError as exc:
        raise ValidationFailed(f"no action {action}") from exc
    if wanted is Action.CALLBACK:
        return redirect(f"/console/orders/{order_id}/callback")
    _apply(uow, actor, order_id, wanted, reason=reason, department=department)
    uow.commit()
    flash(request, DONE[wanted])
    return redirect(f"/console/orders/{order_id}")


DONE = {
    Action.ACCEPT: N_("Order accepted"),
    Action.TRANSFER: N_("Order transferred"),
    Action.WAIT: N_("Clock paused while waiting for the customer"),
    Action.RESUME: N_("Order resumed"),
    Action.RESOLVE: N_("Order resolved; a callback will close the loop"),
    Action.CANCEL: N_("Order cancelled"),
    Action.CLOSE_UNREACHABLE: N_("Order closed without reaching the customer"),
    Action.NOTE: N_("Note added"),
    Action.ESCALATE: N_("Order escalated to the next level"),
    Action.CALLBACK: N_("Callback recorded"),
}


def _apply(
    uow: UnitOfWork, actor: Actor, order_id: int, action: Action, *, reason: str, department: str
) -> None:
    """Run one action through its service (the services check policy and state again)."""
    from weixi.callbacks.service import close_unreachable

    if action is Action.ACCEPT:
        service.accept_order(uow, actor, order_id)
    elif action is Action.TRANSFER:
        dept = department or None
        if dept is not None and dept not in {d.value for d in Department}:
            raise ValidationFailed(f"unknown department {dept}")
        service.transfer_order(uow, actor, order_id, department=dept, reason=reason)
    elif action is Action.WAIT:
        service.wait_for_customer(uow, actor, order_id, reason=reason or "waiting for customer")
    elif action is Action.RESUME:
        service.resume_order(uow, actor, order_id)
    elif action is Action.RESOLVE:
        service.resolve_order(uow, actor, order_id, resolution=reason)
    elif action is Action.CANCEL:
        service.cancel_order(uow, actor, order_id, reason=reason)
    elif action is Action.CLOSE_UNREACHABLE:
        close_unreachable(uow, actor, order_id, reason=reason)
    elif action is Action.NOTE:
        service.add_note(uow, actor, order_id, body=reason)
    elif action is Action.ESCALATE:
        from weixi.workorders.jobs import escalate_order

        escalate_order(uow, actor, order_id, reason=reason)
