"""Work orders over HTTP: list, read, create, and every action of the closed loop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from weixi.db.session import read_one_statement
from weixi.web.api.schemas import (
    CallbackBody,
    CallbackRead,
    HistoryRead,
    NoteBody,
    OrderCreateBody,
    OrderRead,
    Page,
    ReasonBody,
    ResolveBody,
    TransferBody,
)
from weixi.web.deps import CurrentActor, Uow
from weixi.workorders import repository, service
from weixi.workorders.kinds import Department
from weixi.workorders.models import WorkOrder
from weixi.workorders.repository import OrderQuery
from weixi.workorders.service import OrderCreate

router = APIRouter(tags=["work orders"])


def _json(model: BaseModel, status_code: int = 200) -> Response:
    """Serialise once, here in the worker thread (``response_model`` still documents it)."""
    return Response(model.model_dump_json(), status_code, media_type="application/json")


def _order(order: WorkOrder, status_code: int = 200) -> Response:
    return _json(OrderRead.model_validate(order), status_code)


@router.get("/orders", response_model=Page[OrderRead])
def list_orders(
    actor: CurrentActor,
    uow: Uow,
    status: Annotated[list[str] | None, Query()] = None,
    kind: Annotated[list[str] | None, Query()] = None,
    mine: bool = False,
    open_only: bool = False,
    breached: bool | None = None,
    customer_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[OrderRead]:
    q = OrderQuery(
        status=status,
        kind=kind,
        handler_id=actor.staff_id if mine else None,
        open_only=open_only,
        breached=breached,
        customer_id=customer_id,
        limit=limit,
        offset=offset,
    )
    rows, total = repository.list_visible(uow.session, actor, q)
    items = [OrderRead.model_validate(r) for r in rows]
    return Page[OrderRead](items=items, total=total, limit=limit, offset=offset)


@router.post("/orders", response_model=OrderRead, status_code=201)
def create_order(body: OrderCreateBody, actor: CurrentActor, uow: Uow) -> Response:
    data = OrderCreate(
        kind=body.kind,
        title=body.title,
        customer_id=body.customer_id,
        county_id=body.county_id,
        category=body.category,
        description=body.description,
        channel=body.channel,
    )
    order = service.create_order(uow, actor, data)
    uow.commit()
    return _order(order, 201)


@router.get("/orders/{order_id}", response_model=OrderRead)
def get_order(order_id: int, actor: CurrentActor, uow: Uow) -> Response:
    read_one_statement(uow.session)
    response = _order(repository.get_visible(uow.session, actor, order_id))
    uow.rollback()  # end the read here in the worker thread, not on the event loop
    return response


@router.get("/orders/{order_id}/history", response_model=list[HistoryRead])
def order_history(order_id: int, actor: CurrentActor, uow: Uow) -> list[HistoryRead]:
    order = repository.get_visible(uow.session, actor, order_id)
    return [HistoryRead.model_validate(h) for h in repository.history(uow.session, order.id)]


@router.post("/orders/{order_id}/accept", response_model=OrderRead)
def accept(order_id: int, actor: CurrentActor, uow: Uow) -> Response:
    order = service.accept_order(uow, actor, order_id)
    uow.commit()
    return _order(order)


@router.post("/orders/{order_id}/transfer", response_model=OrderRead)
def transfer(order_id: int, body: TransferBody, actor: CurrentActor, uow: Uow) -> Response:
    order = service.transfer_order(
        uow, actor, order_id, department=Department(body.department).value, reason=body.reason
    )
    uow.commit()
    return _order(order)


@router.post("/orders/{order_id}/wait", response_model=OrderRead)
def wait(order_id: int, body: ReasonBody, actor: CurrentActor, uow: Uow) -> Response:
    order = service.wait_for_customer(uow, actor, order_id, reason=body.reason)
    uow.commit()
    return _order(order)


@router.post("/orders/{order_id}/resume", response_model=OrderRead)
def resume(order_id: int, actor: CurrentActor, uow: Uow) -> Response:
    order = service.resume_order(uow, actor, order_id)
    uow.commit()
    return _order(order)


@router.post("/orders/{order_id}/resolve", response_model=OrderRead)
def resolve(order_id: int, body: ResolveBody, actor: CurrentActor, uow: Uow) -> Response:
    order = service.resolve_order(
        uow, actor, order_id, resolution=body.resolution, outcome=body.outcome
    )
    uow.commit()
    return _order(order)


@router.post("/orders/{order_id}/cancel", response_model=OrderRead)
def cancel(order_id: int, body: ReasonBody, actor: CurrentActor, uow: Uow) -> Response:
    order = service.cancel_order(uow, actor, order_id, reason=body.reason)
    uow.commit()
    return _order(order)


@router.post("/orders/{order_id}/notes", status_code=201)
def add_note(order_id: int, body: NoteBody, actor: CurrentActor, uow: Uow) -> dict[str, int]:
    note = service.add_note(uow, actor, order_id, body=body.body)
    uow.commit()
    return {"id": note.id}


@router.post("/orders/{order_id}/callbacks", response_model=CallbackRead, status_code=201)
def record_callback(order_id: int, body: CallbackBody, actor: CurrentActor, uow: Uow) -> Response:
    from weixi.callbacks.service import record_callback as record

    rec = record(uow, actor, order_id, reached=body.reached, answers=body.answers, note=body.note)
    uow.commit()
    return _json(CallbackRead.model_validate(rec), 201)


@router.post("/orders/{order_id}/close-unreachable", response_model=OrderRead)
def close_unreachable(order_id: int, body: ReasonBody, actor: CurrentActor, uow: Uow) -> Response:
    from weixi.callbacks.service import close_unreachable as close

    order = close(uow, actor, order_id, reason=body.reason)
    uow.commit()
    return _order(order)


@router.post("/orders/{order_id}/escalate", response_model=OrderRead)
def escalate(order_id: int, body: ReasonBody, actor: CurrentActor, uow: Uow) -> Response:
    from weixi.workorders.jobs import escalate_order

    order = escalate_order(uow, actor, order_id, reason=body.reason)
    uow.commit()
    return _order(order)
