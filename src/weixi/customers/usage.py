"""Each customer's monthly usage and bills (the 360 view's chart), read from the database.

The export's ``usage_monthly`` file is imported like customers and products: validated
against the import schema, bad rows quarantined with file, row, field and reason, and
upserted by customer and month, so re-importing the same file changes nothing. Only the
newest `KEEP_MONTHS` months of each customer are kept: older rows of the file are not
stored, and stored months that a newer import pushes out of the window are deleted.

The import is set-based, like `weixi.importing.import_columns` (whose single-column key
does not fit a key of customer and month): the validated batches are staged in a
temporary table (COPY from Arrow on PostgreSQL, one executemany on SQLite), customers'
codes are resolved to ids by a join, and a handful of statements upsert and prune.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Date, Float, ForeignKey, Integer, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from weixi.customers.models import Customer, QuarantinedRow
from weixi.db.base import Base
from weixi.db.bulk import copy_arrow, insert_rows
from weixi.importing import (
    IMPORT_BATCH_ROWS,
    ImportReport,
    finish_run,
    good_row_numbers,
    start_run,
    store_quarantine,
)
from weixi.ingest.validate import KnownIds, iter_validated, known_ids_from_file
from weixi.org.actor import Actor
from weixi.org.scope import customer_filter

TABLE = "usage_monthly"
CUSTOMER_KEY = "customers.customer_id"
#: Months kept per customer (the 360 view's chart shows them all).
KEEP_MONTHS = 12


class CustomerUsageMonth(Base):
    """One customer's usage and bill in one calendar month (all of the customer's products).

    The primary key (customer, month) is the index the 360 view reads: one range, in order.
    """

    __tablename__ = "customer_usage_monthly"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    voice_minutes: Mapped[float] = mapped_column(Float)
    data_mb: Mapped[float] = mapped_column(Float)
    sms: Mapped[int] = mapped_column(Integer)
    bill_amount: Mapped[float] = mapped_column(Float)
    dropped_calls: Mapped[int] = mapped_column(Integer)


#: The file's columns stored as they are (file name = model column).
VALUES = ("voice_minutes", "data_mb", "sms", "bill_amount", "dropped_calls")


def monthly_usage(
    session: Session, actor: Actor, customer_id: int, months: int = KEEP_MONTHS
) -> list[CustomerUsageMonth]:
    """The customer's last ``months`` months, oldest first; empty when none were imported
    or the customer is outside what ``actor`` may see."""
    u = CustomerUsageMonth
    stmt = (
        select(u)
        .join(Customer, Customer.id == u.customer_id)
        .where(u.customer_id == customer_id, customer_filter(actor, Customer))
        .order_by(u.month.desc())
        .limit(months)
    )
    return list(reversed(session.scalars(stmt).all()))


@dataclass
class UsageImportReport(ImportReport):
    """An import's counts; besides the usual ones, the rows not kept for being old."""

    #: Valid rows of the file older than their customer's newest `KEEP_MONTHS` in it.
    older: int = 0
    #: Stored months deleted because newer ones pushed them out of the window.
    removed: int = 0


def import_usage(
    session: Session,
    path: Path,
    *,
    now: datetime,
    customers_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> UsageImportReport:
    """Import ``path`` (the export's ``usage_monthly``) in the session's transaction.

    Rows reference customers already in the database: with ``customers_file`` a row whose
    customer is not in that file is quarantined while validating, and a row whose customer
    is in neither the file nor the database (quarantined from the customers import) is
    quarantined by the join.
    """
    known: dict[str, KnownIds] = {}
    if customers_file is not None and customers_file.exists():
        known[CUSTOMER_KEY] = known_ids_from_file(customers_file, "customer_id")
    run, _ = start_run(session, path, TABLE, now)
    report = UsageImportReport(table=TABLE, file=str(path))
    conn = session.connection()
    stage = _Stage(conn)
    first_row = 0
    for batch in iter_validated(path, TABLE, known=known, batch_rows=IMPORT_BATCH_ROWS):
        report.rows_read += batch.rows_read
        store_quarantine(session, run.id, batch.quarantined, report)
        if batch.good.num_rows:
            stage.append(_mapped(batch.good, good_row_numbers(batch, first_row)))
        first_row += batch.rows_read
        if progress:
            progress(batch.rows_read)
    if stage.rows:
        stage.upsert(run.id, str(path), report)
    # On failure the rollback takes the temporary tables with it (DDL is transactional).
    stage.drop()
    finish_run(run, report)
    return report


def _mapped(good: pa.RecordBatch, row_numbers: pa.Array) -> pa.Table:
    return pa.table(
        {
            "customer_code": good.column("customer_id"),
            "month": good.column("month"),
            **{name: good.column(name) for name in VALUES},
            "row_no": row_numbers,
        }
    )


class _Stage:
    """The file's valid rows in a temporary table, and the statements storing them."""

    COLUMNS = (
        "customer_code VARCHAR(64), month DATE, voice_minutes FLOAT, data_mb FLOAT, "
        "sms BIGINT, bill_amount FLOAT, dropped_calls BIGINT, row_no BIGINT"
    )

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        schema = "pg_temp" if self.pg else "temp"
        self.rows_table = f"{schema}.usage_stage"
        self.kept_table = f"{schema}.usage_kept"
        self.rows = 0
        self.drop()
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE usage_stage ({self.COLUMNS})")

    def append(self, rows: pa.Table) -> None:
        self.rows += rows.num_rows
        if self.pg:
            copy_arrow(self.conn, self.rows_table, rows)
            return
        columns = [
            pc.cast(col, pa.string()) if pa.types.is_date(col.type) else col for col in rows.columns
        ]
        values = list(zip(*(c.to_pylist() for c in columns), strict=True))
        marks = ", ".join("?" for _ in rows.column_names)
        self.conn.exec_driver_sql(
            f"INSERT INTO {self.rows_table} ({', '.join(rows.column_names)}) VALUES ({marks})",
            values,
        )

    def upsert(self, import_id: int, file: str, report: UsageImportReport) -> None:
        """Quarantine rows of unknown customers, keep each customer's newest months,
        update what changed, insert what is new, delete what fell out of the window."""
        sql = self.conn.exec_driver_sql
        s, k, t = self.rows_table, self.kept_table, CustomerUsageMonth.__tablename__
        if self.pg:
            sql(f"ANALYZE {s}")
        unknown = [
            (int(row_no), str(code))
            for row_no, code in sql(
                f"SELECT s.row_no, s.customer_code FROM {s} s WHERE NOT EXISTS "
                "(SELECT 1 FROM customers c WHERE c.code = s.customer_code) ORDER BY s.row_no"
            )
        ]
        _quarantine_unknown(self.conn, import_id, file, unknown, report)
        values = ", ".join(VALUES)
        sql(
            f"CREATE TEMPORARY TABLE usage_kept AS SELECT customer_id, month, {values} FROM "
            f"(SELECT c.id AS customer_id, s.month, {', '.join(f's.{v}' for v in VALUES)}, "
            "row_number() OVER (PARTITION BY c.id ORDER BY s.month DESC) AS newest "
            f"FROM {s} s JOIN customers c ON c.code = s.customer_code) r "
            f"WHERE newest <= {KEEP_MONTHS}"
        )
        if self.pg:
            sql(f"ANALYZE {k}")
        kept = int(sql(f"SELECT count(*) FROM {k}").scalar_one())
        report.older += self.rows - len(unknown) - kept
        same_key = f"{t}.customer_id = k.customer_id AND {t}.month = k.month"
        changed = " OR ".join(f"{t}.{v} <> k.{v}" for v in VALUES)
        updated = sql(
            f"UPDATE {t} SET {', '.join(f'{v} = k.{v}' for v in VALUES)} "
            f"FROM {k} k WHERE {same_key} AND ({changed})"
        ).rowcount
        inserted = sql(
            f"INSERT INTO {t} (customer_id, month, {values}) "
            f"SELECT k.customer_id, k.month, {', '.join(f'k.{v}' for v in VALUES)} FROM {k} k "
            f"WHERE NOT EXISTS (SELECT 1 FROM {t} x "
            "WHERE x.customer_id = k.customer_id AND x.month = k.month) "
            "ORDER BY k.customer_id, k.month"
        ).rowcount
        # Only a new month can push one out: after every import no customer has more than
        # KEEP_MONTHS, so an import that inserted nothing has nothing to prune.
        removed = 0
        if inserted > 0:
            removed = self._prune()
        if self.pg and (inserted or updated or removed):
            # The planner must see the new row count inside this import's transaction.
            sql(f"ANALYZE {t}")
        report.inserted += max(inserted, 0)
        report.updated += max(updated, 0)
        report.removed += removed
        report.unchanged += kept - max(inserted, 0) - max(updated, 0)

    def _prune(self) -> int:
        """Delete the months of the staged customers beyond their newest `KEEP_MONTHS`."""
        k, t = self.kept_table, CustomerUsageMonth.__tablename__
        removed = self.conn.exec_driver_sql(
            f"DELETE FROM {t} WHERE (customer_id, month) IN (SELECT customer_id, month FROM "
            f"(SELECT x.customer_id, x.month, row_number() OVER "
            "(PARTITION BY x.customer_id ORDER BY x.month DESC) AS newest "
            f"FROM {t} x WHERE x.customer_id IN (SELECT DISTINCT customer_id FROM {k})) o "
            f"WHERE newest > {KEEP_MONTHS})"
        ).rowcount
        return max(removed, 0)

    def drop(self) -> None:
        for name in (self.rows_table, self.kept_table):
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


def _quarantine_unknown(
    conn: Connection,
    import_id: int,
    file: str,
    unknown: Sequence[tuple[int, str]],
    report: ImportReport,
) -> None:
    rows: list[dict[str, object]] = [
        {
            "import_id": import_id,
            "file": file,
            "row_number": row_no,
            "field": "customer_id",
            "value": code,
            "reason": f"unknown_reference: customer {code} was not imported",
        }
        for row_no, code in unknown
    ]
    if rows:
        insert_rows(conn, QuarantinedRow, rows)
        report.add_quarantine("unknown_reference", len(rows))
