"""Request-scoped dependencies: the unit of work and the authenticated actor.

Both are ``async`` so that a request costs one trip to the thread pool (the
endpoint's own) rather than one per dependency: opening a unit of work does no
I/O, a bearer token checked in the last few seconds needs no database, and
whatever does need the database is sent to the thread pool explicitly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from weixi.auth.service import actor_for_token, cached_token_actor
from weixi.db.uow import UnitOfWork
from weixi.errors import Unauthenticated
from weixi.notifications.service import sender
from weixi.org.actor import Actor
from weixi.org.models import Staff
from weixi.org.service import actor_for


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    state = request.app.state
    outbox = getattr(state, "outbox", None)
    after_commit = (
        outbox.handle
        if outbox is not None
        else sender(state.session_factory, state.notifier, state.clock)
    )
    uow = UnitOfWork(state.session_factory, clock=state.clock, after_commit=after_commit)
    uow.__enter__()  # a session object; no connection until the first statement
    try:
        yield uow
    except BaseException as exc:
        await run_in_threadpool(uow.__exit__, type(exc), exc, exc.__traceback__)
        raise
    if uow.session.in_transaction():  # a read that never committed: ROLLBACK is I/O
        await run_in_threadpool(uow.__exit__, None, None, None)
    else:
        uow.__exit__(None, None, None)


Uow = Annotated[UnitOfWork, Depends(get_uow)]


async def current_actor(request: Request, uow: Uow) -> Actor:
    """From a bearer token (API clients) or the console's session cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token, now = header[7:].strip(), uow.clock.now()
        actor = cached_token_actor(token, now=now)
        if actor is None:
            actor = await run_in_threadpool(actor_for_token, uow.session, token, now=now)
        return actor
    staff_id = request.session.get("staff_id") if "session" in request.scope else None
    if staff_id is None:
        raise Unauthenticated("log in first")
    found = await run_in_threadpool(uow.session.get, Staff, int(staff_id))
    if found is None or not found.active:
        request.session.clear()
        raise Unauthenticated("log in first")
    return actor_for(uow.session, found)


CurrentActor = Annotated[Actor, Depends(current_actor)]
