"""The application factory: one FastAPI app serves the API and the console."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

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

#: How long committed notifications wait to be handed to the sender together.
OUTBOX_WINDOW_SECONDS = 0.5


class Batching:
    """Collects after-commit events for a short window, then hands them on as one batch.

    Under load the outbox then sends many committed notifications per transaction
    instead of one transaction per request; the rows are committed before they get
    here, so nothing waits on this and nothing is lost if the process dies (the tick
    sends whatever is still unsent).
    """

    def __init__(self, handle: Callable[[list[Any]], None], window: float) -> None:
        self._handle, self._window = handle, window
        self._lock = threading.Lock()
        self._pending: list[Any] = []
        self._timer: threading.Timer | None = None

    def handle(self, events: list[Any]) -> None:
        with self._lock:
            self._pending.extend(events)
            if self._timer is None:
                self._timer = threading.Timer(self._window, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        with self._lock:
            events, self._pending = self._pending, []
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        if events:
            self._handle(events)


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
        batches = Batching(outbox.handle, OUTBOX_WINDOW_SECONDS)
        app.state.outbox = batches
        task = asyncio.create_task(_ticker(app)) if run_ticker else None
        yield
        if task:
            task.cancel()
        app.state.outbox = None
        batches.flush()
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
