"""Imports into the operational database: validated rows upserted by their code,
bad rows kept in quarantine with file, row, field and reason, counts reported.

Re-importing the same file changes nothing: each row carries a hash of its
values, and a row whose hash is unchanged is not written again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from weixi.customers.models import ImportRun, QuarantinedRow
from weixi.db.bulk import insert_rows, one_of
from weixi.ingest.validate import KnownIds, Quarantined, iter_validated

Row = dict[str, Any]
#: Turns a validated row into column values, or returns a reason to quarantine it.
Mapper = Callable[[Row], Row | str]


@dataclass
class ImportReport:
    table: str
    file: str
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add_quarantine(self, reason: str, rows: int = 1) -> None:
        self.quarantined += rows
        self.reasons[reason] = self.reasons.get(reason, 0) + rows


def chunked(values: list[Any], size: int = 5000) -> Iterator[list[Any]]:
    """Slices small enough for an IN list on every backend."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def row_hash(row: Row) -> str:
    text = json.dumps(row, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def import_file(
    session: Session,
    *,
    path: Path,
    table: str,
    model: Any,
    key: str,
    mapper: Mapper,
    known: Mapping[str, KnownIds] | None,
    now: datetime,
    on_batch: Callable[[int], None] | None = None,
    prefetch: Callable[[list[Row]], None] | None = None,
) -> ImportReport:
    """Validate ``path`` as ``table`` and upsert its rows into ``model`` by ``key``.

    ``prefetch`` sees each batch's rows before they are mapped (to look up ids in bulk).
    """
    run, report = start_run(session, path, table, now)
    for batch in iter_validated(path, table, known=known):
        report.rows_read += batch.rows_read
        store_quarantine(session, run.id, batch.quarantined, report)
        raw = batch.good.to_pylist()
        if prefetch:
            prefetch(raw)
        rows = _mapped(raw, mapper, run.id, path, session, report)
        _upsert(session, model, key, rows, report)
        if on_batch:
            on_batch(batch.rows_read)
    finish_run(run, report)
    return report


def start_run(
    session: Session, path: Path, table: str, now: datetime
) -> tuple[ImportRun, ImportReport]:
    """Record that an import of ``path`` began."""
    run = ImportRun(
        table=table,
        file=str(path),
        file_sha256=file_sha256(path),
        at=now,
        rows_read=0,
        inserted=0,
        updated=0,
        unchanged=0,
        quarantined=0,
    )
    session.add(run)
    session.flush()
    return run, ImportReport(table=table, file=str(path))


def finish_run(run: ImportRun, report: ImportReport) -> None:
    for name in ("rows_read", "inserted", "updated", "unchanged", "quarantined"):
        setattr(run, name, getattr(report, name))


def store_quarantine(
    session: Session, import_id: int, records: Iterable[Quarantined], report: ImportReport
) -> None:
    records_list = list(records)
    rows = [
        {
            "import_id": import_id,
            "file": q.file,
            "row_number": q.row_number,
            "field": q.field,
            "value": q.value,
            "reason": f"{q.reason.value}: {q.detail}" if q.detail else q.reason.value,
        }
        for q in records_list
    ]
    if rows:
        session.execute(insert(QuarantinedRow), rows)
    first_reason: dict[int, str] = {}
    for q in records_list:
        first_reason.setdefault(q.row_number, q.reason.value)
    for reason in first_reason.values():
        report.add_quarantine(reason)


def _mapped(
    good: list[Row],
    mapper: Mapper,
    import_id: int,
    path: Path,
    session: Session,
    report: ImportReport,
) -> list[Row]:
    out: list[Row] = []
    for raw in good:
        mapped = mapper(raw)
        if isinstance(mapped, str):  # a rule only the database can check
            value = json.dumps(raw, default=str, ensure_ascii=False)[:500]
            session.add(
                QuarantinedRow(
                    import_id=import_id,
                    file=str(path),
                    row_number=0,
                    field="*",
                    value=value,
                    reason=mapped,
                )
            )
            report.add_quarantine(mapped.split(":")[0])
            continue
        mapped["row_hash"] = row_hash(raw)
        out.append(mapped)
    return out


def _upsert(session: Session, model: Any, key: str, rows: list[Row], report: ImportReport) -> None:
    if not rows:
        return
    key_col = getattr(model, key)
    existing: dict[str, tuple[int, str]] = {}
    for part in chunked([r[key] for r in rows]):
        where = one_of(key_col, part, session.get_bind().dialect.name)
        found = session.execute(select(key_col, model.id, model.row_hash).where(where))
        existing.update({k: (i, h) for k, i, h in found.all()})
    new = [r for r in rows if r[key] not in existing]
    changed = [
        {**r, "_id": existing[r[key]][0]}
        for r in rows
        if r[key] in existing and existing[r[key]][1] != r["row_hash"]
    ]
    if new:
        conn = session.connection()
        insert_rows(conn, model, new)
        if conn.dialect.name == "postgresql":
            # Keep the planner's row count current inside one long import transaction, or
            # the next batch's key lookup scans the table instead of using its index.
            conn.exec_driver_sql(f"ANALYZE {model.__tablename__}")
    if changed:
        cols = [c for c in changed[0] if c not in ("_id",)]
        stmt = (
            update(model)
            .where(model.id == bindparam("_id"))
            .values({c: bindparam(c) for c in cols})
        )
        session.connection().execute(stmt, changed)
    report.inserted += len(new)
    report.updated += len(changed)
    report.unchanged += len(rows) - len(new) - len(changed)
