"""Writing many rows at once, portably: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb
from sqlalchemy import Connection, insert


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


def _is_json(column_type: Any) -> bool:
    return "JSON" in type(column_type).__name__.upper() or "JSON" in str(column_type).upper()
