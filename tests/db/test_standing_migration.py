"""Migration 0008 moves the nightly fields into customer_standing and back, losing nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from tests.conftest import drop_pg_database, fresh_pg_database

from weixi.db.migrate import downgrade, upgrade
from weixi.db.session import make_engine

CUSTOMER = (
    "INSERT INTO customers (id, code, name, phone, county_id, city_id, rural, activated_on, "
    "device_is_iphone, segment, row_hash, tier, tier_rule, lifecycle_stage, stage_since, "
    "churn_score, scored_on, control_group) VALUES (:id, :code, '客户', '13800000000', 1, 1, "
    "false, '2024-01-01', false, 'personal', '-', :tier, :rule, :stage, :since, :score, "
    ":scored, :control)"
)
PLACED = {
    "id": 1,
    "code": "C1",
    "tier": "gold",
    "rule": "3G ≥ 66",
    "stage": "warning",
    "since": "2026-11-30",
    "score": 0.82,
    "scored": "2026-12-01",
    "control": True,
}
UNIT = (
    "INSERT INTO org_units (id, code, kind, name_zh, name_en, rural, path) "
    "VALUES (1, 'JN', 'city', '济南', 'Jinan', false, '/1/')"
)
#: A customer as imported (the schema at head: no nightly fields on the row).
BARE_CUSTOMER = (
    "INSERT INTO customers (id, code, name, phone, county_id, city_id, rural, activated_on, "
    "device_is_iphone, segment, row_hash) VALUES (1, 'C1', '客户', '13800000000', 1, 1, "
    "false, '2024-01-01', false, 'personal', '-')"
)
#: Imported but never placed by a night: gets no standing row.
UNPLACED = {k: None for k in PLACED} | {"id": 2, "code": "C2", "control": False}


@pytest.fixture
def url(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "postgresql":
        address = fresh_pg_database("standing")
        yield address
        drop_pg_database(address)
    else:
        yield f"sqlite:///{tmp_path / 'standing.db'}"


def _read(url: str, query: str, *, keys: bool = False) -> list[tuple[object, ...]]:
    """The query's rows as tuples (or, with ``keys``, its column names as one tuple)."""
    engine = make_engine(url)
    with engine.connect() as conn:
        result = conn.execute(text(query))
        rows = [tuple(result.keys())] if keys else [tuple(r) for r in result]
    engine.dispose()
    return rows


def test_upgrade_moves_placed_customers_and_downgrade_puts_them_back(url: str) -> None:
    upgrade(url, "0007")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(UNIT))
        conn.execute(text(CUSTOMER), [PLACED, UNPLACED])
    engine.dispose()

    upgrade(url, "0008")
    rows = _read(
        url,
        "SELECT customer_id, tier, tier_rule, lifecycle_stage, churn_score, control_group "
        "FROM customer_standing",
    )
    assert rows == [(1, "gold", "3G ≥ 66", "warning", 0.82, True)]
    assert not {"tier", "control_group"} & set(
        _read(url, "SELECT * FROM customers LIMIT 0", keys=True)[0]
    )

    downgrade(url, "0007")
    back = _read(
        url,
        "SELECT id, tier, lifecycle_stage, churn_score, control_group FROM customers ORDER BY id",
    )
    assert back == [
        (1, "gold", "warning", 0.82, True),
        (2, None, None, None, False),
    ]


def _at_head_with_one_customer(url: str) -> Engine:
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(UNIT))
        conn.execute(text(BARE_CUSTOMER))
    return engine


def test_customers_are_never_deleted_and_their_events_never_change(url: str) -> None:
    """What the dropped foreign keys guarded: no standing or event can lose its customer."""
    engine = _at_head_with_one_customer(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer_events (customer_id, kind, new_value, as_of, at) "
                "VALUES (1, 'tier', 'gold', '2026-12-01', '2026-12-01 01:00:00+00:00')"
            )
        )
    for statement, refusal in (
        ("DELETE FROM customers WHERE id = 1", "never deleted"),
        ("UPDATE customer_events SET new_value = 'silver'", "append-only"),
        ("DELETE FROM customer_events", "append-only"),
    ):
        with pytest.raises(DBAPIError, match=refusal), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM customers")).scalar() == 1
        assert conn.execute(text("SELECT new_value FROM customer_events")).scalar() == "gold"
    engine.dispose()


def test_downgrading_0009_writes_first_placements_back_as_events(url: str) -> None:
    engine = _at_head_with_one_customer(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer_standing (customer_id, tier, lifecycle_stage, "
                "control_group, placed_on, placed_tier, placed_tier_rule, placed_stage, "
                "placed_stage_rule) VALUES (1, 'silver', 'stable', false, '2026-11-30', "
                "'gold', '3G ≥ 66', 'onboarding', 'onboarding.first_90_days')"
            )
        )
    engine.dispose()

    downgrade(url, "0008")
    events = _read(
        url,
        "SELECT customer_id, kind, old_value, new_value, rule, as_of, at "
        "FROM customer_events ORDER BY kind DESC",
    )
    assert [e[:5] for e in events] == [
        (1, "tier", None, "gold", "3G ≥ 66"),
        (1, "stage", None, "onboarding", "onboarding.first_90_days"),
    ]
    assert {str(e[5]) for e in events} == {"2026-11-30"}
    assert all(str(e[6]).startswith("2026-11-30 00:00:00") for e in events)
    assert "placed_on" not in _read(url, "SELECT * FROM customer_standing LIMIT 0", keys=True)[0]
    upgrade(url)  # and up again
