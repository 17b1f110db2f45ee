"""Organisation units and staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from weixi.db.base import Base
from weixi.db.types import JSONType, UTCDateTime


class OrgUnit(Base):
    """A node of the province → city → county tree, or a hall/team/department under it.

    Every unit carries the ids of its province, city and county ancestors (itself
    included), so "everything under my unit" is one indexed equality.
    """

    __tablename__ = "org_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    kind: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(20))
    hall_kind: Mapped[str | None] = mapped_column(String(20))
    rural: Mapped[bool] = mapped_column(Boolean, default=False)
    province_id: Mapped[int | None] = mapped_column(Integer, index=True)
    city_id: Mapped[int | None] = mapped_column(Integer, index=True)
    county_id: Mapped[int | None] = mapped_column(Integer, index=True)
    path: Mapped[str] = mapped_column(String(200), index=True)
    row_hash: Mapped[str | None] = mapped_column(String(64))


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"), index=True)
    role: Mapped[str] = mapped_column(String(30), index=True)
    seat: Mapped[str | None] = mapped_column(String(20))
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    calendar: Mapped[str] = mapped_column(String(40), default="default")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # Denormalised from the unit, for scope filters.
    province_id: Mapped[int | None] = mapped_column(Integer)
    city_id: Mapped[int | None] = mapped_column(Integer, index=True)
    county_id: Mapped[int | None] = mapped_column(Integer, index=True)
    open_orders: Mapped[int] = mapped_column(Integer, default=0)
    row_hash: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """Bearer tokens for API clients; only the SHA-256 of the token is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


Index("ix_staff_unit_role_active", Staff.unit_id, Staff.role, Staff.active)
