"""Every contact a customer had with the operator, on any channel (the 360 view's timeline).

The export's ``contacts`` file (hall, 10010 IVR and seats, online, app, SMS, self-service,
agents) is imported like customers and products: validated, bad rows quarantined, upserted
by the contact number, so re-importing the same file changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, case, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from weixi.customers.models import Customer
from weixi.db.base import Base
from weixi.db.types import UTCDateTime
from weixi.importing import ImportReport, chunked, import_file
from weixi.ingest.validate import KnownIds, known_ids_from_file
from weixi.org.models import Staff

CUSTOMER_KEY = "customers.customer_id"
STAFF_KEY = "staff.staff_id"


class CustomerContact(Base):
    """One contact: when, on which channel, what it was, and how it ended."""

    __tablename__ = "customer_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(30))
    category: Mapped[str | None] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    row_hash: Mapped[str] = mapped_column(String(64))


#: The 360 view reads one customer's newest contacts: one index range, already in order.
Index("ix_customer_contacts_customer_at", CustomerContact.customer_id, CustomerContact.at)


@dataclass(frozen=True, slots=True)
class ContactSummary:
    """Counts per channel over everything imported for the customer."""

    channel: str
    contacts: int
    complaints: int
    unresolved: int


def recent_contacts(session: Session, customer_id: int, limit: int = 50) -> list[CustomerContact]:
    """The customer's newest contacts first (the caller has checked it may see the customer)."""
    stmt = (
        select(CustomerContact)
        .where(CustomerContact.customer_id == customer_id)
        .order_by(CustomerContact.at.desc(), CustomerContact.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def channel_summary(session: Session, customer_id: int) -> list[ContactSummary]:
    c = CustomerContact
    rows = session.execute(
        select(
            c.channel,
            func.count(),
            func.sum(case((c.kind == "complaint", 1), else_=0)),
            func.sum(case((c.resolved.is_(False), 1), else_=0)),
        )
        .where(c.customer_id == customer_id)
        .group_by(c.channel)
        .order_by(func.count().desc(), c.channel)
    ).all()
    return [ContactSummary(ch, int(n), int(k or 0), int(u or 0)) for ch, n, k, u in rows]


def import_contacts(
    session: Session,
    path: Path,
    *,
    now: datetime,
    customers_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Contacts reference customers already imported (or in ``customers_file``) and staff."""
    ids: dict[str, int] = {}
    staff = dict(session.execute(select(Staff.code, Staff.id)).all())

    def prefetch(rows: list[dict[str, Any]]) -> None:
        ids.clear()
        for part in chunked(list({r["customer_id"] for r in rows})):
            found = session.execute(
                select(Customer.code, Customer.id).where(Customer.code.in_(part))
            )
            ids.update(dict(found.all()))

    if customers_file is not None and customers_file.exists():
        known_customers = known_ids_from_file(customers_file, "customer_id")
    else:
        known_customers = KnownIds.from_values(list(session.scalars(select(Customer.code))))

    def mapper(row: dict[str, Any]) -> dict[str, Any] | str:
        cid = ids.get(row["customer_id"])
        if cid is None:
            return f"unknown_reference: customer {row['customer_id']} was not imported"
        handler = row.get("staff_id")
        return {
            "code": row["contact_id"],
            "customer_id": cid,
            "at": row["at"],
            "channel": row["channel"],
            "kind": row["kind"],
            "category": row.get("category"),
            "description": row.get("description_zh") or "",
            "resolved": bool(row.get("resolved")),
            "staff_id": staff.get(handler) if handler else None,
            "satisfaction": row.get("satisfaction"),
        }

    return import_file(
        session,
        path=path,
        table="contacts",
        model=CustomerContact,
        key="code",
        mapper=mapper,
        known={CUSTOMER_KEY: known_customers, STAFF_KEY: KnownIds.from_values(list(staff))},
        now=now,
        on_batch=progress,
        prefetch=prefetch,
    )
