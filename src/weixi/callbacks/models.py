"""Callback records (回访记录), stored against the script version that was used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from weixi.db.base import Base
from weixi.db.types import JSONType, UTCDateTime


class CallbackRecord(Base):
    __tablename__ = "callback_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    script_code: Mapped[str] = mapped_column(String(60))
    script_version: Mapped[int] = mapped_column(Integer)
    reached: Mapped[bool] = mapped_column(Boolean)
    answers: Mapped[dict[str, object]] = mapped_column(JSONType, default=dict)
    resolved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[float | None] = mapped_column(Float)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
