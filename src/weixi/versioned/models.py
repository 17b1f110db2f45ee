"""Versioned configuration documents: dispatch rules, SLA policies, tier rules, scripts.

Every edit writes a new version with its author; nothing is overwritten, so
"who changed what" is a query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from weixi.db.base import Base
from weixi.db.types import JSONType, UTCDateTime


class VersionedDocument(Base):
    __tablename__ = "versioned_documents"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_versioned_documents_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, object]] = mapped_column(JSONType)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
