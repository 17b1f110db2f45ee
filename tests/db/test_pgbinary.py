"""Binary COPY stores exactly what CSV COPY stores, for every type it handles.

PostgreSQL only: the binary format is PostgreSQL's (SQLite never COPYs).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyarrow as pa
import pytest
from sqlalchemy import Connection, text
from tests.conftest import PG_ADMIN_URL, PG_OK

from weixi.db import bulk, pgbinary
from weixi.db.session import make_engine

pytestmark = pytest.mark.skipif(not PG_OK, reason="PostgreSQL not running (allowed outside CI)")

COLUMNS = """
    i2 smallint, i4 integer, i8 bigint, r real, d double precision, b boolean,
    t text, v varchar(12), j json, jb jsonb, day date,
    ts timestamp, tz timestamptz
"""

UTC8 = dt.timezone(dt.timedelta(hours=8))


def _wall(*parts: int) -> dt.datetime:
    """A wall-clock time without a zone, as ``timestamp without time zone`` holds it."""
    return dt.datetime(*parts, tzinfo=dt.UTC).replace(tzinfo=None)


@pytest.fixture
def conn() -> Iterator[Connection]:
    engine = make_engine(PG_ADMIN_URL, pool_size=1)
    with engine.connect() as c:
        c.execute(text("SET TIME ZONE 'Asia/Shanghai'"))
        for name in ("via_binary", "via_csv"):
            c.execute(text(f"CREATE TEMPORARY TABLE {name} ({COLUMNS})"))
        yield c
        c.rollback()
    engine.dispose()


def _rows() -> pa.Table:
    """Nulls in every column, non-ASCII and empty text, extremes, and values both sides of
    the 2000-01-01 epoch."""
    aware = pa.timestamp("us", tz="UTC")
    return pa.table(
        {
            "i2": pa.array([-32768, None, 32767, 0], pa.int64()),
            "i4": pa.array([1, 2_147_483_647, None, -5], pa.int32()),
            "i8": pa.array([None, -(2**63), 2**63 - 1, 7], pa.int64()),
            "r": pa.array([1.5, None, -0.25, 3.0e38], pa.float32()),
            "d": pa.array([0.1, 1e-300, None, -2.5], pa.float64()),
            "b": pa.array([True, False, None, True]),
            "t": pa.array(["维系客户", "", None, 'a "quoted", comma\nline'], pa.large_string()),
            "v": pa.array(["县级客户经理", None, "x", ""]).dictionary_encode(),
            "j": pa.array(['{"a": [1, 2]}', None, "[]", '"文本"']),
            "jb": pa.array(['{"k": "值", "n": 1.5}', "null", None, "[1, {}]"]),
            "day": pa.array(
                [dt.date(1999, 12, 31), dt.date(2000, 1, 1), None, dt.date(2011, 1, 1)]
            ),
            "ts": pa.array(
                [
                    _wall(1970, 1, 1),
                    None,
                    _wall(2026, 12, 4, 17, 3, 33, 123456),
                    _wall(1999, 12, 31, 23, 59, 59),
                ],
                pa.timestamp("us"),
            ),
            "tz": pa.array(
                [
                    dt.datetime(2011, 1, 1, 0, 0, tzinfo=dt.UTC),
                    None,
                    dt.datetime(1980, 6, 1, 12, 0, 0, 1, tzinfo=dt.UTC),
                    dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC),
                ],
                aware,
            ),
        }
    )


def _csv_only(conn: Connection, table: str, rows: pa.Table) -> None:
    """The CSV path of `bulk.copy_arrow`, as before binary COPY."""
    bulk.copy_arrow(conn, table, rows, binary=False)


def _stored(conn: Connection, table: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY i4 NULLS LAST"))]


def test_binary_copy_stores_what_csv_copy_stores(conn: Connection) -> None:
    rows = _rows()
    assert pgbinary.encoder(rows.schema, bulk.column_types(conn, "via_binary")) is not None
    bulk.copy_arrow(conn, "via_binary", rows)
    _csv_only(conn, "via_csv", rows)
    binary, csv = _stored(conn, "via_binary"), _stored(conn, "via_csv")
    assert binary == csv
    assert len(binary) == 4
    first = next(r for r in binary if r[1] == 1)
    assert first[6] == "维系客户" and first[7] == "县级客户经理"
    assert first[9] == {"k": "值", "n": 1.5}
    assert first[10] == dt.date(1999, 12, 31)
    assert first[12] == dt.datetime(2011, 1, 1, 8, 0, tzinfo=UTC8)


def test_slices_and_many_batches_keep_every_row_in_place(
    conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "COPY_CHUNK_ROWS", 3)
    rows = pa.concat_tables([_rows()] * 5).slice(2, 15)  # offsets into shared buffers
    rows = rows.set_column(1, "i4", pa.array(range(15), pa.int32()))
    bulk.copy_arrow(conn, "via_binary", rows)
    _csv_only(conn, "via_csv", rows)
    assert _stored(conn, "via_binary") == _stored(conn, "via_csv")
    assert len(_stored(conn, "via_binary")) == 15


def test_a_value_the_column_cannot_hold_is_refused(conn: Connection) -> None:
    with pytest.raises(pa.ArrowInvalid):
        bulk.copy_arrow(conn, "via_binary", pa.table({"i2": pa.array([40_000], pa.int64())}))


def test_a_pairing_without_a_binary_form_goes_as_csv(conn: Connection) -> None:
    """Text into an integer column, a naive time into timestamptz: PostgreSQL parses them,
    as it always did."""
    rows = pa.table(
        {
            "i4": pa.array(["42"]),
            "tz": pa.array([_wall(2011, 1, 1, 9, 30)], pa.timestamp("us")),
        }
    )
    assert pgbinary.encoder(rows.schema, bulk.column_types(conn, "via_binary")) is None
    bulk.copy_arrow(conn, "via_binary", rows)
    stored = conn.execute(text("SELECT i4, tz FROM via_binary")).one()
    assert stored == (42, dt.datetime(2011, 1, 1, 9, 30, tzinfo=UTC8))


def test_no_rows_is_no_error(conn: Connection) -> None:
    bulk.copy_arrow(conn, "via_binary", _rows().slice(0, 0))
    assert _stored(conn, "via_binary") == []


def test_runs_of_fields_without_nulls_are_written_as_blocks(conn: Connection) -> None:
    rows = pa.table(
        {
            "i2": pa.array([1, 2, 3], pa.int16()),
            "i4": pa.array([10, 20, 30], pa.int32()),
            "t": pa.array(["甲", None, "丙丙"]),
            "d": pa.array([0.5, 1.5, 2.5]),
            "b": pa.array([False, True, False]),
            "day": pa.array([dt.date(2011, 1, d) for d in (1, 2, 3)]),
            "jb": pa.array(["1", None, '{"a": 1}']),
            "tz": pa.array([dt.datetime(2011, 1, 1, h, tzinfo=dt.UTC) for h in (0, 1, 2)]),
        }
    )
    bulk.copy_arrow(conn, "via_binary", rows)
    _csv_only(conn, "via_csv", rows)
    assert _stored(conn, "via_binary") == _stored(conn, "via_csv")
    assert [r[1] for r in _stored(conn, "via_binary")] == [10, 20, 30]
