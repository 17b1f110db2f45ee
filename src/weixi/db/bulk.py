"""Writing many rows at once, portably: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg.types.json import Jsonb
from sqlalchemy import ARRAY, Connection, any_, bindparam, insert


def insert_rows(conn: Connection, model: Any, rows: list[dict[str, object]]) -> None:
    """Many rows at once: COPY on PostgreSQL, an executemany elsewhere."""
    if conn.dialect.name != "postgresql":
        conn.execute(insert(model), rows)
        return
    table = model.__table__
    cols = list(rows[0])
    json_cols = {c.name for c in table.columns if c.name in cols and _is_json(c.type)}
    driver = conn.connection.driver_connection
    assert driver is not None
    statement = f"COPY {table.name} ({', '.join(cols)}) FROM STDIN"
    with driver.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [Jsonb(row[c]) if c in json_cols and row[c] is not None else row[c] for c in cols]
            )


#: Rows per CSV chunk handed to COPY: bounds the text buffered at once.
COPY_CHUNK_ROWS = 100_000


def copy_arrow(conn: Connection, table: str, rows: pa.Table) -> None:
    """COPY an Arrow table into ``table`` (PostgreSQL), its columns matched by name.

    Arrow writes the rows as CSV in C, chunk by chunk, so no Python object is made per
    value: strings quoted, nulls as empty unquoted fields, dates ISO, booleans
    ``true``/``false``, numbers as their shortest exact text.
    """
    driver = conn.connection.driver_connection
    assert driver is not None
    options = pacsv.WriteOptions(include_header=False)
    statement = f"COPY {table} ({', '.join(rows.column_names)}) FROM STDIN (FORMAT csv)"
    with driver.cursor() as cur, cur.copy(statement) as copy:
        for batch in rows.to_batches(max_chunksize=COPY_CHUNK_ROWS):
            sink = pa.BufferOutputStream()
            pacsv.write_csv(batch, sink, options)
            copy.write(memoryview(sink.getvalue()))


def json_rows(table: pa.Table, json_columns: Collection[str]) -> list[dict[str, Any]]:
    """The table's rows as dicts, for an executemany: JSON text in ``json_columns``
    parsed into objects (Arrow holds JSON as text; the column types bind objects)."""
    rows = table.to_pylist()
    for name in set(json_columns).intersection(table.column_names):
        for row in rows:
            if row[name] is not None:
                row[name] = json.loads(row[name])
    return rows


def _is_json(column_type: Any) -> bool:
    return "JSON" in type(column_type).__name__.upper() or "JSON" in str(column_type).upper()


def one_of(column: Any, values: list[Any], dialect: str) -> Any:
    """``column IN values`` that stays cheap for thousands of values.

    PostgreSQL gets one array parameter (``= ANY(:values)``) instead of thousands of
    placeholders, which cost more to build and parse than the lookup itself (an
    ``ARRAY[…]`` literal is still one placeholder per element).
    """
    if dialect == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
