"""What every command needs: settings, a session factory, a unit of work, the console."""

from __future__ import annotations

from rich.console import Console

from weixi.clock import SystemClock
from weixi.config import get_settings
from weixi.db.session import make_engine, make_session_factory
from weixi.db.uow import UnitOfWork
from weixi.notifications.service import make_notifier, sender

console = Console()


def open_uow() -> UnitOfWork:
    """A unit of work on the configured database, sending notifications after commit."""
    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    clock = SystemClock()
    return UnitOfWork(
        factory, clock=clock, after_commit=sender(factory, make_notifier(settings), clock)
    )
