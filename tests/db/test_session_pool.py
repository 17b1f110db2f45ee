"""Pooled PostgreSQL connections survive a lost backend without a ping on every checkout."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from psycopg import pq
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from tests.conftest import PG_ADMIN_URL, PG_OK

from weixi.db import session as db_session
from weixi.db.session import make_engine, make_session_factory, read_one_statement

pytestmark = pytest.mark.skipif(not PG_OK, reason="PostgreSQL not running (allowed outside CI)")


@pytest.fixture
def engine() -> Iterator[Engine]:
    made = make_engine(PG_ADMIN_URL, pool_size=2)
    yield made
    made.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("select pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    """End a backend and wait (up to 10 s) until it has actually exited."""
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1)
    with admin.connect() as conn:
        ended = conn.execute(text("select pg_terminate_backend(:pid, 10000)"), {"pid": pid})
        assert ended.scalar_one() is True
    admin.dispose()


class _Clock:
    """Stands in for the pool's idle clock: idle time passes when a test says so."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_000.0
        monkeypatch.setattr(db_session, "_now", lambda: self.now)

    def idle_for(self, seconds: float) -> None:
        self.now += seconds


def _count_pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    pings: list[object] = []
    ping = engine.dialect.do_ping

    def counting(dbapi_conn: object) -> bool:
        pings.append(dbapi_conn)
        return ping(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return pings


def test_a_connection_in_steady_use_is_not_pinged(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_pings(engine, monkeypatch)
    pid = _backend_pid(engine)
    for _ in range(3):
        assert _backend_pid(engine) == pid
    assert pings == []


def test_a_connection_idle_for_a_while_is_pinged_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock(monkeypatch)
    pings = _count_pings(engine, monkeypatch)
    pid = _backend_pid(engine)
    clock.idle_for(db_session.PING_AFTER_IDLE_SECONDS + 0.1)
    assert _backend_pid(engine) == pid
    assert len(pings) == 1


def test_a_connection_lost_while_idle_is_replaced_before_use(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock(monkeypatch)
    lost = _backend_pid(engine)
    _terminate(lost)
    clock.idle_for(db_session.PING_AFTER_IDLE_SECONDS + 0.1)
    assert _backend_pid(engine) != lost  # the ping failed and a new connection answered


def test_a_connection_lost_in_use_fails_once_and_the_pool_recovers(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _Clock(monkeypatch)  # no idle time passes: no ping before the statement
    lost = _backend_pid(engine)
    _terminate(lost)
    with pytest.raises(OperationalError), engine.connect() as conn:
        conn.execute(text("select 1"))
    assert _backend_pid(engine) != lost


def _server_says_in_transaction(session: Session) -> bool:
    """What the server last reported (ReadyForQuery), not what SQLAlchemy believes."""
    dbapi = session.connection().connection.dbapi_connection
    return dbapi.info.transaction_status != pq.TransactionStatus.IDLE


def test_a_one_statement_read_runs_outside_a_transaction(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with factory() as session:
        read_one_statement(session)
        assert session.execute(text("select 1")).scalar_one() == 1
        assert not _server_says_in_transaction(session)
        session.rollback()
    with factory() as session:  # the same pooled connection: transactions again
        assert session.execute(text("select 1")).scalar_one() == 1
        assert _server_says_in_transaction(session)
        session.rollback()
