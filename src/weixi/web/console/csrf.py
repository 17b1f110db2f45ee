"""CSRF protection for console forms: a per-session token, checked on every POST.

The token lives in the signed session cookie; forms carry it in a hidden ``csrf_token``
field and htmx requests in the ``X-CSRF-Token`` header. A mismatch is refused with 403.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from weixi.errors import Forbidden

FIELD = "csrf_token"
HEADER = "x-csrf-token"


def token(request: Request) -> str:
    """The session's token, created on first use."""
    value = request.session.get(FIELD)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        request.session[FIELD] = value
    return value


async def check_csrf(request: Request) -> None:
    """Dependency of every console POST: the submitted token must match the session's."""
    expected = request.session.get(FIELD)
    sent = request.headers.get(HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(FIELD)
        sent = field if isinstance(field, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise CsrfRejected("the form expired or did not come from this site; reload and retry")


class CsrfRejected(Forbidden):
    code = "csrf_rejected"
