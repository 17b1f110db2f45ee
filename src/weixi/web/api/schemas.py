"""Request and response bodies of the JSON API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from weixi.customers.models import Customer
from weixi.org.actor import Actor
from weixi.privacy import mask_id_number, mask_phone
from weixi.workorders.kinds import Category, Department, WorkOrderKind

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class LoginRequest(BaseModel):
    login: str
    password: str


class TokenRequest(LoginRequest):
    name: str = ""


class TokenRead(BaseModel):
    token: str
    token_type: str = "bearer"


class MeRead(BaseModel):
    id: int
    code: str
    name: str
    role: str
    unit_id: int
    area_level: str


class CustomerRead(BaseModel):
    id: int
    code: str
    name: str
    phone: str
    id_number: str
    county_id: int
    tier: str | None
    lifecycle_stage: str | None
    churn_score: float | None
    account_manager_id: int | None
    activated_on: date

    @classmethod
    def of(cls, c: Customer, actor: Actor) -> CustomerRead:
        """Phone and ID numbers masked unless the actor's role may see them."""
        return cls(
            id=c.id,
            code=c.code,
            name=c.name,
            phone=c.phone if actor.sees_phone else mask_phone(c.phone),
            id_number=(c.id_number or "") if actor.sees_id_number else mask_id_number(c.id_number),
            county_id=c.county_id,
            tier=c.tier,
            lifecycle_stage=c.lifecycle_stage,
            churn_score=c.churn_score,
            account_manager_id=c.account_manager_id,
            activated_on=c.activated_on,
        )


class OrderCreateBody(BaseModel):
    kind: WorkOrderKind
    title: str = Field(min_length=1, max_length=200)
    customer_id: int | None = None
    county_id: int | None = None
    category: Category | None = None
    description: str = ""
    channel: str | None = None


class OrderRead(BaseModel):
    id: int
    kind: str
    category: str | None
    status: str
    title: str
    description: str
    customer_id: int | None
    county_id: int
    handler_id: int | None
    first_contact_owner_id: int | None
    pool_kind: str | None
    dispatch_reason: str
    opened_at: datetime
    response_due: datetime | None
    resolution_due: datetime | None
    warn_at: datetime | None
    escalation_level: str
    sla_breached: bool
    callback_verified: bool
    unanswered_callbacks: int
    outcome: str | None
    reasons: list[dict[str, object]] | None
    version: int

    model_config = {"from_attributes": True}


class HistoryRead(BaseModel):
    event: str
    from_status: str | None
    to_status: str | None
    actor_id: int | None
    at: datetime
    reason: str

    model_config = {"from_attributes": True}


class TransferBody(BaseModel):
    department: Department
    reason: str = Field(min_length=1)


class ReasonBody(BaseModel):
    reason: str = Field(min_length=1)


class ResolveBody(BaseModel):
    resolution: str = Field(min_length=1)
    outcome: str | None = None


class NoteBody(BaseModel):
    body: str = Field(min_length=1, max_length=4000)


class CallbackBody(BaseModel):
    reached: bool
    answers: dict[str, object] = Field(default_factory=dict)
    note: str = ""


class CallbackRead(BaseModel):
    id: int
    script_code: str
    script_version: int
    reached: bool
    resolved: bool | None
    satisfaction: float | None
    at: datetime

    model_config = {"from_attributes": True}
