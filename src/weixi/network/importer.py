"""Import the network read model of the 360 view from the operator's export.

- ``cells``: upserted by cell code like any other import (validated, quarantined).
- ``cell_kpi_daily``: validated, then summed per cell and month into ``cell_kpi_monthly``
  (sums only, so every KPI built on them stays a ratio of sums); the months in the file
  replace the stored ones.
- ``customer_cells``: validated; over the last ``window`` months of the file (the nightly's
  network window is three months) each customer's mean monthly traffic share per cell
  (over the months the customer had traffic) replaces what was stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from weixi.customers.models import Customer
from weixi.db.bulk import insert_rows
from weixi.importing import ImportReport, finish_run, import_file, start_run, store_quarantine
from weixi.ingest.validate import KnownIds, iter_validated
from weixi.network.models import KPI_COUNTERS, Cell, CellKpiMonthly, CustomerCell
from weixi.org.models import OrgUnit
from weixi.org.roles import UnitKind

COUNTY_KEY = "org_units.unit_id[kind=county]"
CELL_KEY = "cells.cell_id"
CUSTOMER_KEY = "customers.customer_id"
WINDOW_MONTHS = 3
CHUNK = 20_000


@dataclass
class NetworkReport:
    cells: ImportReport
    kpis: ImportReport
    customer_cells: ImportReport


def import_network(
    session: Session, data_dir: Path, *, now: datetime, window: int = WINDOW_MONTHS
) -> NetworkReport:
    """Import ``cells``, ``cell_kpi_daily`` and ``customer_cells`` from ``data_dir``."""
    return NetworkReport(
        import_cells(session, data_dir / "cells.parquet", now=now),
        import_cell_kpis(session, data_dir / "cell_kpi_daily.parquet", now=now),
        import_customer_cells(session, data_dir / "customer_cells.parquet", now=now, window=window),
    )


def import_cells(session: Session, path: Path, *, now: datetime) -> ImportReport:
    counties = dict(
        session.execute(
            select(OrgUnit.code, OrgUnit.id).where(OrgUnit.kind == UnitKind.COUNTY.value)
        ).all()
    )

    def mapper(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": row["cell_id"],
            "county_id": counties[row["county_id"]],
            "technology": row["technology"],
            "band": row["band"],
            "lat": row["lat"],
            "lon": row["lon"],
        }

    return import_file(
        session,
        path=path,
        table="cells",
        model=Cell,
        key="code",
        mapper=mapper,
        known={COUNTY_KEY: KnownIds.from_values(list(counties))},
        now=now,
    )


def _cell_ids(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Cell.code, Cell.id)).all())


def _validated(
    session: Session,
    path: Path,
    table: str,
    known: dict[str, KnownIds],
    now: datetime,
    keep: Any = None,
) -> tuple[pa.Table | None, ImportReport, Any]:
    """Good rows of the whole file (those ``keep`` selects), with quarantine stored."""
    run, report = start_run(session, path, table, now)
    parts: list[pa.Table] = []
    for batch in iter_validated(path, table, known=known):
        report.rows_read += batch.rows_read
        store_quarantine(session, run.id, batch.quarantined, report)
        good = pa.Table.from_batches([batch.good])
        parts.append(good if keep is None else good.filter(keep(good)))
    good_all = pa.concat_tables(parts) if parts else None
    return good_all, report, run


SUMS = KPI_COUNTERS


def import_cell_kpis(session: Session, path: Path, *, now: datetime) -> ImportReport:
    cells = _cell_ids(session)
    good, report, run = _validated(
        session, path, "cell_kpi_daily", {CELL_KEY: KnownIds.from_values(list(cells))}, now
    )
    rows: list[dict[str, object]] = []
    if good is not None and good.num_rows:
        sums = ", ".join(f"SUM({c}) AS {c}" for c in SUMS)
        with duckdb.connect() as con:
            con.register("daily", good)
            result = con.sql(
                f"""SELECT cell_id, CAST(date_trunc('month', day) AS DATE) AS month, {sums},
                           COALESCE(SUM(throughput_kbps), 0) AS thr_sum,
                           COUNT(throughput_kbps) AS thr_days, COUNT(*) AS kpi_days
                    FROM daily GROUP BY 1, 2 ORDER BY 1, 2"""
            ).to_arrow_table()
        for r in result.to_pylist():
            r["cell_id"] = cells[r["cell_id"]]
            rows.append({k: (int(v) if k in SUMS else v) for k, v in r.items()})
    months = list({r["month"] for r in rows})
    if months:
        session.execute(delete(CellKpiMonthly).where(CellKpiMonthly.month.in_(months)))
    _insert(session, CellKpiMonthly, rows)
    report.inserted = len(rows)
    finish_run(run, report)
    return report


def import_customer_cells(
    session: Session, path: Path, *, now: datetime, window: int = WINDOW_MONTHS
) -> ImportReport:
    cells = _cell_ids(session)
    customers = dict(session.execute(select(Customer.code, Customer.id)).all())
    with duckdb.connect() as con:
        last = con.execute("SELECT MAX(month) FROM read_parquet(?)", [str(path)]).fetchone()
    end: dt.date | None = last[0] if last else None
    start = _months_back(end, window - 1) if end else None

    def keep(batch: pa.Table) -> Any:
        return pc.greater_equal(batch.column("month"), pa.scalar(start, pa.date32()))

    known = {
        CELL_KEY: KnownIds.from_values(list(cells)),
        CUSTOMER_KEY: KnownIds.from_values(list(customers)),
    }
    good, report, run = _validated(session, path, "customer_cells", known, now, keep)
    rows: list[dict[str, object]] = []
    if good is not None and good.num_rows and start and end:
        with duckdb.connect() as con:
            con.register("cc", good)
            result = con.execute(
                """SELECT customer_id, cell_id, SUM(traffic_share) / ANY_VALUE(m.months) AS share
                   FROM cc JOIN (SELECT customer_id, COUNT(DISTINCT month) AS months
                                 FROM cc GROUP BY 1) m USING (customer_id)
                   GROUP BY 1, 2 ORDER BY 1, 2"""
            ).fetchall()
        for customer, cell, share in result:
            cid = customers.get(customer)
            if cid is None:  # validated against the database: never happens
                continue
            rows.append(
                {
                    "customer_id": cid,
                    "cell_id": cells[cell],
                    "traffic_share": float(share),
                    "window_start": start,
                    "window_end": end,
                }
            )
    session.execute(delete(CustomerCell))
    _insert(session, CustomerCell, rows)
    report.inserted = len(rows)
    finish_run(run, report)
    return report


def _months_back(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - n
    return dt.date(index // 12, index % 12 + 1, 1)


def _insert(session: Session, model: Any, rows: list[dict[str, object]]) -> None:
    conn = session.connection()
    for start in range(0, len(rows), CHUNK):
        insert_rows(conn, model, rows[start : start + CHUNK])
