"""Passwords hashed with argon2; API tokens stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from weixi.errors import Unauthenticated
from weixi.org.actor import Actor
from weixi.org.models import ApiToken, Staff
from weixi.org.service import actor_for

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


#: token digest → (checked at, the actor, token expiry). A bearer token is checked against
#: the database at most every TOKEN_CACHE_SECONDS per process, so a revoked token or a
#: deactivated member of staff is refused within that time. Only digests are kept.
_TOKENS: dict[str, tuple[float, Actor, datetime]] = {}
TOKEN_CACHE_SECONDS = 10.0


def actor_for_token(session: Session, token: str, *, now: datetime) -> Actor:
    """The actor a bearer token stands for: SHA-256 lookup, remembered briefly; else 401."""
    digest = _digest(token)
    hit = _TOKENS.get(digest)
    if hit is not None and time.monotonic() - hit[0] < TOKEN_CACHE_SECONDS and hit[2] > now:
        return hit[1]
    return _check_token(session, digest, now)


def cached_token_actor(token: str, *, now: datetime) -> Actor | None:
    """The actor of a recently checked, unexpired token, without touching the database."""
    hit = _TOKENS.get(_digest(token))
    if hit is None or time.monotonic() - hit[0] >= TOKEN_CACHE_SECONDS or hit[2] <= now:
        return None
    return hit[1]


def _check_token(session: Session, digest: str, now: datetime) -> Actor:
    row = session.scalars(select(ApiToken).where(ApiToken.token_sha256 == digest)).one_or_none()
    if row is None or row.revoked or row.expires_at <= now:
        raise Unauthenticated("invalid or expired token")
    staff = session.get(Staff, row.staff_id)
    if staff is None or not staff.active:
        raise Unauthenticated("invalid or expired token")
    actor = actor_for(session, staff)
    if len(_TOKENS) > 10_000:
        _TOKENS.clear()
    _TOKENS[digest] = (time.monotonic(), actor, row.expires_at)
    return actor


def forget_tokens() -> None:
    """Drop every cached token check (tests; after revoking tokens)."""
    _TOKENS.clear()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
