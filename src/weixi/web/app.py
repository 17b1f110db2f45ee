"""The application factory: one FastAPI app serves the API and the console."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware

from weixi import __version__
from weixi.clock import Clock, SystemClock
from weixi.config import Settings, get_settings
from weixi.db.session import make_engine, make_session_factory
from weixi.db.uow import UnitOfWork
from weixi.notifications.ports import Notifier
from weixi.notifications.service import BackgroundSender, make_notifier, send_unsent, sender
from weixi.web import problems

log = logging.getLogger("weixi.web")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    notifier: Notifier | None = None,
    run_ticker: bool = False,
) -> FastAPI:
    """Build the app; ``run_ticker`` starts the periodic SLA tick (the server does)."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    clock = clock or SystemClock()
    notifier = notifier or make_notifier(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        outbox = BackgroundSender(lambda: app.state.session_factory, notifier, clock)
        outbox.start()
        app.state.outbox = outbox
        task = asyncio.create_task(_ticker(app)) if run_ticker else None
        yield
        if task:
            task.cancel()
        app.state.outbox = None
        outbox.stop()
        engine.dispose()

    app = FastAPI(title="weixi 维系", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = factory
    app.state.clock = clock
    app.state.notifier = notifier
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="weixi_session",
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    problems.install(app)
    _include_routers(app)
    return app


def _include_routers(app: FastAPI) -> None:
    from weixi.web.api import auth, customers, orders

    for module in (auth, customers, orders):
        app.include_router(module.router, prefix="/api/v1")
    with contextlib.suppress(ImportError):
        from weixi.web.console import routes as console

        console.install(app)


async def _ticker(app: FastAPI) -> None:
    """Evaluate SLA clocks every ``tick_seconds`` (the same work as ``weixi tick``)."""

    while True:
        await asyncio.sleep(app.state.settings.tick_seconds)
        try:
            await asyncio.to_thread(_tick_once, app)
        except Exception:
            log.exception("SLA tick failed; will retry")


def _tick_once(app: FastAPI) -> None:
    from weixi.workorders.jobs import tick

    state = app.state
    with UnitOfWork(
        state.session_factory,
        clock=state.clock,
        after_commit=sender(state.session_factory, state.notifier, state.clock),
    ) as uow:
        tick(uow)
        uow.commit()
    send_unsent(state.session_factory, state.notifier, state.clock)
