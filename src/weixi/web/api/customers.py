"""Customers, scoped to the caller and masked by role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from weixi.customers import repository
from weixi.web.api.schemas import CustomerRead
from weixi.web.deps import CurrentActor, Uow

router = APIRouter(tags=["customers"])


@router.get("/customers", response_model=list[CustomerRead])
def search_customers(
    actor: CurrentActor,
    uow: Uow,
    phone: str | None = None,
    code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[CustomerRead]:
    rows = repository.search(uow.session, actor, phone=phone, code=code, limit=limit, offset=offset)
    return [CustomerRead.of(c, actor) for c in rows]


@router.get("/customers/{customer_id}", response_model=CustomerRead)
def get_customer(customer_id: int, actor: CurrentActor, uow: Uow) -> CustomerRead:
    return CustomerRead.of(repository.get_visible_customer(uow.session, actor, customer_id), actor)
