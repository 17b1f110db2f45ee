"""Writing many rows at once, portably: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg.types.json import Jsonb
from sqlalchemy import ARRAY, Connection, any_, bindparam, insert

from weixi.db import pgbinary


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


def copy_arrow(conn: Connection, table: str, rows: pa.Table, *, binary: bool = True) -> None:
    """COPY an Arrow table into ``table`` (PostgreSQL), its columns matched by name.

    No Python object is made per value. Where every column has a binary form
    (`weixi.db.pgbinary`) the rows go in PostgreSQL's binary format, which neither side
    has to format or parse as text; otherwise Arrow writes them as CSV in C: strings
    quoted, nulls as empty unquoted fields, dates ISO, booleans ``true``/``false``,
    numbers as their shortest exact text. ``binary=False`` asks for CSV (to compare).
    """
    driver = conn.connection.driver_connection
    assert driver is not None
    columns = ", ".join(rows.column_names)
    encoder = pgbinary.encoder(rows.schema, column_types(conn, table)) if binary else None
    if encoder is not None:
        with (
            driver.cursor() as cur,
            cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT binary)") as copy,
        ):
            copy.write(pgbinary.HEADER)
            for batch in rows.to_batches(max_chunksize=COPY_CHUNK_ROWS):
                copy.write(encoder.encode(batch))
            copy.write(pgbinary.TRAILER)
        return
    options = pacsv.WriteOptions(include_header=False)
    statement = f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)"
    with driver.cursor() as cur, cur.copy(statement) as copy:
        for batch in rows.to_batches(max_chunksize=COPY_CHUNK_ROWS):
            sink = pa.BufferOutputStream()
            pacsv.write_csv(batch, sink, options)
            copy.write(memoryview(sink.getvalue()))


def column_types(conn: Connection, table: str) -> dict[str, str]:
    """A PostgreSQL table's columns and their types, as ``format_type`` names them
    without modifiers (``character varying``, ``timestamp with time zone``, …)."""
    result = conn.exec_driver_sql(
        "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
        "WHERE attrelid = %(t)s::regclass AND attnum > 0 AND NOT attisdropped",
        {"t": table},
    )
    return {str(name): str(kind) for name, kind in result}


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
