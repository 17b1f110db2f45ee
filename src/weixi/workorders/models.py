"""Work orders, their append-only history, SLA pauses, escalations and notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from weixi.db.base import Base
from weixi.db.types import JSONType, UTCDateTime


class WorkOrder(Base):
    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    category: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str | None] = mapped_column(String(30))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    tier: Mapped[str | None] = mapped_column(String(20))
    county_id: Mapped[int] = mapped_column(Integer)  # indexed by (county_id, status) below
    city_id: Mapped[int] = mapped_column(Integer, index=True)
    pool_kind: Mapped[str | None] = mapped_column(String(30))
    pool_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    #: Indexed by (handler_id, status) below.
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    last_handler_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    first_contact_owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    dispatch_reason: Mapped[str] = mapped_column(Text, default="")
    dispatch_rules_version: Mapped[int | None] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_policy: Mapped[dict[str, object]] = mapped_column(JSONType, default=dict)
    response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_level: Mapped[str] = mapped_column(String(20), default="none")
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)
    callback_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    unanswered_callbacks: Mapped[int] = mapped_column(Integer, default=0)
    callback_script: Mapped[str | None] = mapped_column(String(60))
    outcome: Mapped[str | None] = mapped_column(String(40))
    reasons: Mapped[list[dict[str, object]] | None] = mapped_column(JSONType)
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class WorkOrderHistory(Base):
    """Append-only: database triggers refuse UPDATE and DELETE (see the migration)."""

    __tablename__ = "work_order_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    event: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object] | None] = mapped_column(JSONType)


class SlaPause(Base):
    __tablename__ = "sla_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Escalation(Base):
    __tablename__ = "escalations"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    notified_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str] = mapped_column(Text, default="")


class WorkOrderNote(Base):
    __tablename__ = "work_order_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)


#: These two also answer lookups by county or by handler alone (their leading column), so
#: neither column has an index of its own (migration 0006 dropped them).
Index("ix_work_orders_county_status", WorkOrder.county_id, WorkOrder.status)
Index("ix_work_orders_handler_status", WorkOrder.handler_id, WorkOrder.status)
Index("ix_escalations_order_level", Escalation.order_id, Escalation.level, unique=True)
#: The supervisor dashboard's one pass over an area's orders (kind × status × area, with the
#: SLA columns) reads this index alone instead of the wide order rows.
Index(
    "ix_work_orders_figures",
    WorkOrder.kind,
    WorkOrder.status,
    WorkOrder.city_id,
    WorkOrder.county_id,
    WorkOrder.sla_breached,
    WorkOrder.resolution_due,
    WorkOrder.resolved_at,
)
