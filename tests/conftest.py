"""Shared fixtures: both database backends, built by the real migrations.

Every database test runs on SQLite and on PostgreSQL (127.0.0.1:5432, database
``test``). PostgreSQL is used when it answers; under CI=true it must answer.
Each test runs inside a transaction that is rolled back at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from weixi.clock import FixedClock, utc
from weixi.db.migrate import upgrade
from weixi.db.session import make_engine
from weixi.db.uow import UnitOfWork

PG_ADMIN_URL = os.environ.get(
    "WEIXI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI") == "true"


def _pg_available() -> bool:
    try:
        engine = make_engine(PG_ADMIN_URL, pool_size=1)
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


PG_OK = _pg_available()
if IN_CI and not PG_OK:
    raise RuntimeError("CI=true but PostgreSQL at 127.0.0.1:5432 does not answer")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def fresh_pg_database(suffix: str) -> str:
    """Drop and create a database of our own for this worker; return its URL."""
    # The pid keeps concurrent pytest runs on one machine out of each other's databases.
    name = f"weixi_test_{_worker()}_{os.getpid()}_{suffix}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_size=1)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def migrated_url(backend: str, tmp_dir: Path, suffix: str = "main") -> str:
    """A URL of an empty database of ``backend`` built by the real migrations."""
    if backend == "postgresql":
        url = fresh_pg_database(suffix)
    else:
        url = f"sqlite:///{tmp_dir / f'weixi-{suffix}.db'}"
    upgrade(url)
    return url


BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not PG_OK, reason="PostgreSQL not running (allowed outside CI)"),
    ),
]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def db_engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = migrated_url(backend, tmp_path_factory.mktemp(backend))
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if backend == "postgresql":
        drop_pg_database(url)


@pytest.fixture
def clock() -> FixedClock:
    # A Monday morning in Shanghai (09:00 +08:00).
    return FixedClock(utc(2026, 3, 2, 1, 0))


@pytest.fixture
def session_factory(db_engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions joined to one outer transaction that is rolled back after the test."""
    conn = db_engine.connect()
    outer = conn.begin()
    factory = sessionmaker(
        bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    yield factory
    outer.rollback()
    conn.close()


@pytest.fixture
def uow(session_factory: sessionmaker[Session], clock: FixedClock) -> Iterator[UnitOfWork]:
    with UnitOfWork(session_factory, clock=clock) as work:
        yield work


@pytest.fixture(autouse=True)
def _no_cached_configuration() -> Iterator[None]:
    """Each test starts without configuration cached by an earlier test's database."""
    from weixi.versioned.service import forget_cached
    from weixi.workorders.pools import forget_units

    forget_cached()
    forget_units()
    yield
    forget_cached()
    forget_units()


def dispose_and_drop(engine: Engine) -> None:
    """Close a test-made engine and drop its PostgreSQL database (SQLite files are temp)."""
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    if engine.dialect.name == "postgresql":
        drop_pg_database(url)
