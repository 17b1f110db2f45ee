"""Customers and their products (the read model the nightly pipeline writes to)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from weixi.db.base import Base
from weixi.db.types import JSONType, UTCDateTime

T = TypeVar("T")


class _Standing(Generic[T]):
    """A nightly field of a customer, read from its standing; ``default`` when it has none.

    Read-only on purpose: the nightly cycle writes standings in bulk, and a query that
    filters or counts on a nightly field joins :class:`CustomerStanding` itself.
    """

    def __init__(self, default: T) -> None:
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type) -> _Standing[T]: ...
    @overload
    def __get__(self, obj: Customer, owner: type) -> T: ...
    def __get__(self, obj: Customer | None, owner: type) -> Any:
        if obj is None:
            return self
        standing = obj.standing
        return self.default if standing is None else getattr(standing, self.name)


class Customer(Base):
    __tablename__ = "customers"
    # Room on each page for a row's next version (migration 0010).
    __table_args__ = {"postgresql_with": {"fillfactor": 90}}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    id_number: Mapped[str | None] = mapped_column(String(30))
    county_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    city_id: Mapped[int] = mapped_column(Integer, index=True)
    rural: Mapped[bool] = mapped_column(Boolean, default=False)
    activated_on: Mapped[date] = mapped_column(Date)
    deactivated_on: Mapped[date | None] = mapped_column(Date)
    channel: Mapped[str | None] = mapped_column(String(30))
    device_model: Mapped[str | None] = mapped_column(String(60))
    device_is_iphone: Mapped[bool] = mapped_column(Boolean, default=False)
    device_bought_on: Mapped[date | None] = mapped_column(Date)
    contract_end_on: Mapped[date | None] = mapped_column(Date)
    household_id: Mapped[str | None] = mapped_column(String(40))
    segment: Mapped[str] = mapped_column(String(20), default="personal")
    # Not indexed, so that the nightly move of a manager is a heap-only update (0010).
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    monthly_revenue: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    row_hash: Mapped[str] = mapped_column(String(64))
    #: Where the last night placed the customer; none before the first night.
    standing: Mapped[CustomerStanding | None] = relationship(
        primaryjoin="Customer.id == foreign(CustomerStanding.customer_id)", lazy="joined"
    )

    # The nightly fields, read through the standing (a customer not yet placed has none).
    tier = _Standing[str | None](None)
    tier_rule = _Standing[str | None](None)
    lifecycle_stage = _Standing[str | None](None)
    stage_since = _Standing[date | None](None)
    churn_score = _Standing[float | None](None)
    churn_reasons = _Standing[list[dict[str, object]] | None](None)
    scored_on = _Standing[date | None](None)
    control_group = _Standing[bool](False)


class CustomerStanding(Base):
    """Where the nightly cycle placed a customer: tier, lifecycle stage, churn risk.

    One row per customer, apart from the customer row (migration 0008). The nightly
    cycle writes these fields for every customer whose values move, which on a
    province's first night is all of them: a narrow row with one index is written by
    COPY in a few microseconds, where rewriting the wide customer row and its seven
    indexes cost 25–30 µs (docs/benchmarks.md). The customer row itself changes at night
    only when the account manager does.
    """

    __tablename__ = "customer_standing"

    # No foreign key, for speed (migration 0008); customers are never deleted instead.
    customer_id: Mapped[int] = mapped_column(primary_key=True)
    tier: Mapped[str | None] = mapped_column(String(20))
    tier_rule: Mapped[str | None] = mapped_column(String(80))
    lifecycle_stage: Mapped[str | None] = mapped_column(String(20))
    stage_since: Mapped[date | None] = mapped_column(Date)
    churn_score: Mapped[float | None] = mapped_column(Float)
    churn_reasons: Mapped[list[dict[str, object]] | None] = mapped_column(JSONType)
    scored_on: Mapped[date | None] = mapped_column(Date)
    control_group: Mapped[bool] = mapped_column(Boolean, default=False)
    # The first placement, written once with the row (migration 0009): the night, the
    # tier and stage and the rules that chose them. Later moves are customer events.
    placed_on: Mapped[date | None] = mapped_column(Date)
    placed_tier: Mapped[str | None] = mapped_column(String(20))
    placed_tier_rule: Mapped[str | None] = mapped_column(String(80))
    placed_stage: Mapped[str | None] = mapped_column(String(20))
    placed_stage_rule: Mapped[str | None] = mapped_column(String(120))


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    plan_code: Mapped[str] = mapped_column(String(40))
    plan_name: Mapped[str] = mapped_column(String(100))
    monthly_fee: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    row_hash: Mapped[str] = mapped_column(String(64))


class CustomerEvent(Base):
    """Tier, lifecycle-stage and manager changes, appended by the nightly cycle.

    A customer's first tier and stage are not changes: they are on the standing row
    (``CustomerStanding.placed_*``). Placements written before migration 0009 are here,
    as events from no value.
    """

    __tablename__ = "customer_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key, for speed (migration 0008); customers are never deleted instead.
    customer_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))  # tier | stage | manager
    old_value: Mapped[str | None] = mapped_column(String(40))
    new_value: Mapped[str | None] = mapped_column(String(40))
    rule: Mapped[str | None] = mapped_column(String(120))
    as_of: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class QuarantinedRow(Base):
    """A row an import refused, with the file, row, field and reason."""

    __tablename__ = "quarantined_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    file: Mapped[str] = mapped_column(String(400))
    row_number: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(80))
    value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(400))


class ImportRun(Base):
    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    table: Mapped[str] = mapped_column(String(40))
    file: Mapped[str] = mapped_column(String(400))
    file_sha256: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    rows_read: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    quarantined: Mapped[int] = mapped_column(Integer)


Index("ix_customers_county_id", Customer.county_id)
#: The dashboard's control group (flagged customers who by design got no order): a few
#: percent of the warnings, so a partial index that the other customers never touch.
Index(
    "ix_customer_standing_control",
    CustomerStanding.lifecycle_stage,
    postgresql_where=CustomerStanding.control_group.is_(True),
    sqlite_where=CustomerStanding.control_group.is_(True),
)
