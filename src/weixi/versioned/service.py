"""Read and write versioned configuration documents."""

from __future__ import annotations

import time
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
    forget_cached(name)
    return doc


def versions(session: Session, name: str) -> list[VersionedDocument]:
    stmt = (
        select(VersionedDocument)
        .where(VersionedDocument.name == name)
        .order_by(VersionedDocument.version.desc())
    )
    return list(session.scalars(stmt))


#: name → (read at, (version, body) or None). Rules change rarely and are read on every
#: order, so each process re-reads them at most every few seconds; a save clears the entry.
_CACHE: dict[str, tuple[float, tuple[int, dict[str, object]] | None]] = {}
CACHE_SECONDS = 5.0


def latest_body(session: Session, name: str) -> tuple[int, dict[str, object]] | None:
    """(version, body) of the newest version, read through a short per-process cache."""
    now = time.monotonic()
    hit = _CACHE.get(name)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    doc = latest(session, name)
    value = (doc.version, doc.body) if doc is not None else None
    _CACHE[name] = (now, value)
    return value


def forget_cached(name: str | None = None) -> None:
    """Drop cached versions (after a save, and between tests)."""
    if name is None:
        _CACHE.clear()
    else:
        _CACHE.pop(name, None)
