"""Engines and sessions."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker

#: A pooled PostgreSQL connection left unused for longer than this is pinged before it is
#: handed out again (see :func:`_ping_after_idle`).
PING_AFTER_IDLE_SECONDS = 0.5
#: The clock idle time is measured by (tests move it instead of sleeping).
_now = time.monotonic
#: Execution option that marks a SQLite connection's coming transaction as a read.
READ_ONLY = "weixi_read_only"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; creates the SQLite file's folder and sets sane pragmas."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # Up to 30 connections as before, but 20 of them kept: a connection beyond the kept
    # ones is closed when it comes back, and opening one costs PostgreSQL a new backend
    # process. A worker serving 16 keep-alive clients used to open one every few requests.
    kwargs.setdefault("pool_size", 20)
    kwargs.setdefault("max_overflow", 10)
    ping_every_checkout = kwargs.setdefault("pool_pre_ping", False)
    engine = create_engine(url, **kwargs)
    if not ping_every_checkout:
        _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has sat idle for a while.

    ``pool_pre_ping`` costs a round trip on every checkout (one in seven of a busy
    server's round trips). A connection that went back to the pool milliseconds ago
    cannot have outlived a database restart that it did not see, so only one idle for
    longer than :data:`PING_AFTER_IDLE_SECONDS` is pinged; a failed ping reconnects
    and recycles every older pooled connection, as the pre-ping does. A connection that
    breaks while in use still fails its statement, which invalidates the whole pool
    (SQLAlchemy's disconnect handling), so the next requests get fresh connections.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = _now()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or _now() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as error:
            raise exc.InvalidatePoolError(str(error)) from error


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself, so writers serialise on BEGIN IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin_immediate(conn: Connection) -> None:
    # A read takes no write lock: in WAL mode it runs beside the one writer.
    conn.exec_driver_sql(
        "BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
    )


def read_one_statement(session: Session) -> None:
    """Declare that the session's work, before it ends, is a single SELECT.

    One statement reads one snapshot by itself, so on PostgreSQL it runs outside a
    transaction (no BEGIN and ROLLBACK, two round trips of the three); on SQLite it
    takes a plain BEGIN instead of the writers' BEGIN IMMEDIATE. Does nothing once the
    session has begun, or when it is joined to an outer transaction (the tests').
    """
    if session.in_transaction():
        return
    bind = session.get_bind()
    if isinstance(bind, Connection):
        return
    if bind.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    else:
        session.connection(execution_options={READ_ONLY: True})


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
