"""One customer's monthly usage and bills, read from the export Parquet with DuckDB."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

USAGE_FILE = "usage_monthly.parquet"


@dataclass(frozen=True, slots=True)
class UsageMonth:
    month: date
    voice_minutes: float
    data_mb: float
    sms: int
    bill_amount: float
    dropped_calls: int


def monthly_usage(data_dir: Path, customer_code: str, months: int = 12) -> list[UsageMonth]:
    """The customer's last ``months`` months, oldest first; empty when there is no export."""
    path = data_dir / USAGE_FILE
    if not path.is_file():
        return []
    query = """
        SELECT month, voice_minutes, data_mb, sms, bill_amount, dropped_calls
        FROM read_parquet(?)
        WHERE CAST(customer_id AS VARCHAR) = ?
        ORDER BY month DESC
        LIMIT ?
    """
    with duckdb.connect() as con:
        rows = con.execute(query, [str(path), customer_code, months]).fetchall()
    return [
        UsageMonth(
            month=row[0] if isinstance(row[0], date) else date.fromisoformat(str(row[0])[:10]),
            voice_minutes=float(row[1] or 0),
            data_mb=float(row[2] or 0),
            sms=int(row[3] or 0),
            bill_amount=float(row[4] or 0),
            dropped_calls=int(row[5] or 0),
        )
        for row in reversed(rows)
    ]
