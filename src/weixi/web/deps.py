"""Request-scoped dependencies: the unit of work and the authenticated actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from weixi.auth.service import staff_for_token
from weixi.db.uow import UnitOfWork
from weixi.errors import Unauthenticated
from weixi.notifications.service import sender
from weixi.org.actor import Actor
from weixi.org.models import Staff
from weixi.org.service import actor_for


def get_uow(request: Request) -> Iterator[UnitOfWork]:
    state = request.app.state
    outbox = getattr(state, "outbox", None)
    after_commit = (
        outbox.handle
        if outbox is not None
        else sender(state.session_factory, state.notifier, state.clock)
    )
    with UnitOfWork(state.session_factory, clock=state.clock, after_commit=after_commit) as uow:
        yield uow


Uow = Annotated[UnitOfWork, Depends(get_uow)]


def current_actor(request: Request, uow: Uow) -> Actor:
    """From a bearer token (API clients) or the console's session cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        staff = staff_for_token(uow.session, header[7:].strip(), now=uow.clock.now())
        return actor_for(uow.session, staff)
    staff_id = request.session.get("staff_id") if "session" in request.scope else None
    if staff_id is None:
        raise Unauthenticated("log in first")
    found = uow.session.get(Staff, int(staff_id))
    if found is None or not found.active:
        request.session.clear()
        raise Unauthenticated("log in first")
    return actor_for(uow.session, found)


CurrentActor = Annotated[Actor, Depends(current_actor)]
