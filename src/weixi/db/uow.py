"""The unit of work: the edge opens it, services use it, it commits once or rolls back.

Events raised during the work are handed to the dispatcher only after a
successful commit, so a notification never announces a change that was rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from weixi.clock import Clock, SystemClock

EventHandler = Callable[[list[Any]], None]


class UnitOfWork:
    """A session plus the events to publish after commit."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        clock: Clock | None = None,
        after_commit: EventHandler | None = None,
    ) -> None:
        self._factory = session_factory
        self.clock: Clock = clock or SystemClock()
        self._after_commit = after_commit
        self.events: list[Any] = []
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.events = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None:
                self.session.rollback()
        finally:
            self.session.close()

    def emit(self, event: Any) -> None:
        """Queue an event for after the commit."""
        self.events.append(event)

    def commit(self) -> None:
        self.session.commit()
        events, self.events = self.events, []
        if events and self._after_commit is not None:
            self._after_commit(events)

    def rollback(self) -> None:
        self.session.rollback()
        self.events = []
