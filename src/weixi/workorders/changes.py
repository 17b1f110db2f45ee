"""The rows a change to an order appends: its history and the notifications it sends.

Both are plain INSERTs in the change's transaction, outside the ORM unit of work:
history is append-only and nothing reads these rows back as objects within the change,
so they skip the identity map, and without an autoflush here the order's own UPDATE
still goes out once, at the commit. On PostgreSQL the history rows ride in the same
statement as the notifications (a data-modifying ``WITH``), so a change pays one round
trip for both; SQLite, which has no such ``WITH``, sends two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import BindParameter, Table, TextClause, bindparam, insert, text
from sqlalchemy.orm import Session

from weixi.notifications.models import Notification
from weixi.workorders.models import WorkOrderHistory

Row = Mapping[str, object]

HISTORY = cast(Table, WorkOrderHistory.__table__)
NOTIFICATIONS = cast(Table, Notification.__table__)
HISTORY_COLUMNS = (
    *("order_id", "event", "from_status", "to_status", "actor_id", "at", "reason", "data"),
)
NOTIFICATION_COLUMNS = (
    *("recipient_id", "order_id", "kind", "body", "created_at", "sent_at", "read_at"),
)

_HISTORY_INSERT = insert(HISTORY)
_NOTIFICATION_INSERT = insert(NOTIFICATIONS).returning(
    NOTIFICATIONS.c.id, sort_by_parameter_order=True
)


def write_change(
    session: Session, history: Sequence[Row], notifications: Sequence[Row]
) -> list[int]:
    """Insert ``history`` and ``notifications`` in the session's transaction.

    Returns the ids of the new notifications.
    """
    with session.no_autoflush:
        if history and session.get_bind().dialect.name == "postgresql":
            stmt = _together(len(history), len(notifications))
            params = _parameters("h", HISTORY_COLUMNS, history)
            if not notifications:
                session.execute(stmt, params)
                return []
            params |= _parameters("n", NOTIFICATION_COLUMNS, notifications)
            return list(session.scalars(stmt, params))
        if history:
            # One row as a plain execute: a list, even of one, goes through executemany.
            session.execute(_HISTORY_INSERT, history[0] if len(history) == 1 else list(history))
        if not notifications:
            return []
        return list(session.scalars(_NOTIFICATION_INSERT, list(notifications)))


@cache
def _together(history: int, notifications: int) -> TextClause:
    """``WITH h AS (INSERT history …) INSERT notifications … RETURNING id``, built once per
    count of rows. Written as typed text: SQLAlchemy cannot cache the compiled form of a
    multi-row ``VALUES`` and would compile it on every change."""
    rows, binds = _values(HISTORY, "h", HISTORY_COLUMNS, history)
    if not notifications:
        return text(rows).bindparams(*binds)
    notes, more = _values(NOTIFICATIONS, "n", NOTIFICATION_COLUMNS, notifications)
    sql = f"WITH history_rows AS ({rows}) {notes} RETURNING id"
    return text(sql).bindparams(*binds, *more)


def _values(
    table: Table, prefix: str, columns: tuple[str, ...], count: int
) -> tuple[str, list[BindParameter[Any]]]:
    names = [[f"{prefix}{i}_{c}" for c in columns] for i in range(count)]
    rows = ", ".join("(" + ", ".join(f":{n}" for n in row) + ")" for row in names)
    binds = [
        bindparam(n, type_=table.c[c].type)
        for row in names
        for n, c in zip(row, columns, strict=True)
    ]
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {rows}", binds


def _parameters(prefix: str, columns: tuple[str, ...], rows: Sequence[Row]) -> dict[str, Any]:
    return {f"{prefix}{i}_{c}": row[c] for i, row in enumerate(rows) for c in columns}
