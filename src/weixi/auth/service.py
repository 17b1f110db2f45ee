"""Passwords hashed with argon2; API tokens stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from weixi.errors import Unauthenticated
from weixi.org.models import ApiToken, Staff

_hasher = PasswordHasher()
#: Verified against when the user does not exist, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("weixi-no-such-user")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("passwords have at least 8 characters")
    return _hasher.hash(password)


def authenticate(session: Session, code: str, password: str) -> Staff:
    """The active staff member with this login and password, or 401."""
    staff = session.scalars(select(Staff).where(Staff.code == code)).one_or_none()
    stored = staff.password_hash if staff and staff.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        staff = None
    if staff is None or not staff.active or not staff.password_hash:
        raise Unauthenticated("wrong login or password")
    if _hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = _hasher.hash(password)
    return staff


def issue_token(session: Session, staff: Staff, *, now: datetime, days: int, name: str = "") -> str:
    """A new bearer token; only its digest is kept."""
    token = "wx_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            staff_id=staff.id,
            token_sha256=_digest(token),
            name=name,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    return token


def staff_for_token(session: Session, token: str, *, now: datetime) -> Staff:
    row = session.scalars(
        select(ApiToken).where(ApiToken.token_sha256 == _digest(token))
    ).one_or_none()
    if row is None or row.revoked or row.expires_at <= now:
        raise Unauthenticated("invalid or expired token")
    staff = session.get(Staff, row.staff_id)
    if staff is None or not staff.active:
        raise Unauthenticated("invalid or expired token")
    return staff


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
