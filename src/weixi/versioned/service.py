"""Read and write versioned configuration documents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from weixi.versioned.models import VersionedDocument


def latest(session: Session, name: str) -> VersionedDocument | None:
    """The newest version of ``name``, or None when only the built-in default exists."""
    stmt = (
        select(VersionedDocument)
        .where(VersionedDocument.name == name)
        .order_by(VersionedDocument.version.desc())
        .limit(1)
    )
    return session.scalars(stmt).one_or_none()


def save_version(
    session: Session,
    name: str,
    body: dict[str, object],
    *,
    author_id: int | None,
    at: datetime,
    comment: str = "",
) -> VersionedDocument:
    """Append a new version (never overwrite); the caller has validated ``body``."""
    current = session.scalar(
        select(func.max(VersionedDocument.version)).where(VersionedDocument.name == name)
    )
    doc = VersionedDocument(
        name=name,
        version=(current or 0) + 1,
        body=body,
        author_id=author_id,
        at=at,
        comment=comment,
    )
    session.add(doc)
    session.flush()
    return doc


def versions(session: Session, name: str) -> list[VersionedDocument]:
    stmt = (
        select(VersionedDocument)
        .where(VersionedDocument.name == name)
        .order_by(VersionedDocument.version.desc())
    )
    return list(session.scalars(stmt))
