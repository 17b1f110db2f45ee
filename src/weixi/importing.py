"""Imports into the operational database: validated rows upserted by their code,
bad rows kept in quarantine with file, row, field and reason, counts reported.

Re-importing the same file changes nothing: each row carries a hash of its
values, and a row whose hash is unchanged is not written again.

Two ways in. `import_columns` is the fast one, for big files (customers, products):
each validated Arrow batch is mapped column by column and hashed in DuckDB, never row
by row in Python; the file is loaded into a temporary staging table (COPY on PostgreSQL,
executemany on SQLite, one transaction) and upserted with two set-based statements
(``UPDATE … FROM`` the rows whose hash changed, then ``INSERT … SELECT`` the new ones).
Codes of referenced rows (a product's customer) are resolved to ids by a join in the
same statements; rows whose reference is unknown are quarantined. Into an empty table
the rows are written directly. `import_file` maps row by row in Python; it stays for
small tables (staff, cells).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import BigInteger, Connection, bindparam, select, update
from sqlalchemy.orm import Session

from weixi.customers.models import ImportRun, QuarantinedRow
from weixi.db.bulk import copy_arrow, insert_rows, one_of
from weixi.ingest.validate import KnownIds, Quarantined, ValidatedBatch, iter_validated

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
    rows: list[dict[str, object]] = [
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
        insert_rows(session.connection(), QuarantinedRow, rows)
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


# --- The columnar path ----------------------------------------------------------------------

ColumnMapper = Callable[[pa.RecordBatch], pa.Table]
"""Turns a validated batch into the model's columns: same rows, same order.

Strings, numbers, booleans and dates; a foreign key the database resolves is given as
the referenced code under the `Resolve`'s ``code`` name instead of the id.
"""


@dataclass(frozen=True)
class Resolve:
    """A foreign key filled in by the database while upserting.

    ``column`` gets the id of the ``target`` row whose ``by`` column equals the staged
    code ``code``; rows whose code matches no target row are quarantined as unknown
    references (under the file's ``field``; ``noun`` names the target in the reason).
    """

    column: str
    code: str
    target: Any
    field: str
    noun: str
    by: str = "code"


def import_columns(
    session: Session,
    *,
    path: Path,
    table: str,
    model: Any,
    key: str,
    mapper: ColumnMapper,
    known: Mapping[str, KnownIds] | None,
    now: datetime,
    on_batch: Callable[[int], None] | None = None,
    resolve: Sequence[Resolve] = (),
) -> ImportReport:
    """Validate ``path`` as ``table`` and upsert its rows into ``model`` by ``key``, set-based
    (see the module's docstring); all in the session's transaction.

    Batches are written as they come (the next one validated, mapped and hashed in a
    thread meanwhile). Into an empty table, with no ids to look up, they go straight in;
    otherwise the whole file is staged first and then upserted by one UPDATE and one
    INSERT: one join of the file against the table, however big both are, so the time
    grows linearly with the file. A load bigger than the table (the first import of an
    operator's customers) is a `_BulkLoad`.
    """
    conn = session.connection()
    target = model.__tablename__
    # Into an empty table every valid row is new (the validator already refused repeated
    # keys): the rows go straight in, unstaged, unless ids are to be looked up.
    direct = not resolve and conn.exec_driver_sql(f"SELECT 1 FROM {target} LIMIT 1").first() is None
    with _at_least(conn, "work_mem", UPSERT_WORK_MEMORY):
        run, report = start_run(session, path, table, now)
        stage: _Stage | None = None
        bulk: _BulkLoad | None = None
        for batch, mapped in _ahead(_prepared(path, table, known, mapper)):
            report.rows_read += batch.rows_read
            store_quarantine(session, run.id, batch.quarantined, report)
            if mapped is not None and direct:
                first = report.inserted == 0
                if first and (_file_rows(path) or batch.rows_read) >= BULK_MIN_ROWS:
                    bulk = _BulkLoad(conn, target)
                write_rows(conn, target, mapped.drop_columns(["row_no"]))
                report.inserted += mapped.num_rows
            elif mapped is not None:
                if stage is None:
                    stage = _Stage(conn, model, key, mapped.column_names, resolve)
                stage.append(mapped)
            if on_batch:
                on_batch(batch.rows_read)
        if bulk is not None:
            bulk.finish()
        if direct and report.inserted:
            _analyze(conn, target)
        if stage is not None:
            _upsert_staged(conn, stage, run.id, str(path), report)
        finish_run(run, report)
    return report


def _file_rows(path: Path) -> int | None:
    """Rows of a Parquet file, from its footer; None for CSV (not known before reading)."""
    if path.suffix.lower() != ".parquet":
        return None
    return int(pq.ParquetFile(path).metadata.num_rows)


def _analyze(conn: Connection, table: str) -> None:
    """Autovacuum cannot see rows of a transaction still running: without this the planner
    would cost the next statements' joins (products → customers) on the row count of
    before this import."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {table}")


def write_rows(conn: Connection, table: str, rows: pa.Table) -> None:
    """Append an Arrow table's rows to ``table`` (columns by name): COPY on PostgreSQL, an
    executemany elsewhere."""
    if conn.dialect.name == "postgresql":
        copy_arrow(conn, table, rows)
        return
    marks = ", ".join("?" for _ in rows.column_names)
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(rows.column_names)}) VALUES ({marks})",
        _python_rows(rows),
    )


def _upsert_staged(
    conn: Connection, stage: _Stage, import_id: int, file: str, report: ImportReport
) -> None:
    stage.analyze()
    bulk = None
    if stage.rows >= BULK_MIN_ROWS and stage.rows > _rows_up_to(conn, stage):
        bulk = _BulkLoad(conn, stage.target)
    unknown = stage.unknown_references()
    _quarantine_unknown(conn, import_id, file, unknown, report)
    inserted, updated = stage.upsert()
    stage.drop()
    if bulk is not None:
        bulk.finish()
    if inserted or updated:
        _analyze(conn, stage.target)
    report.inserted += inserted
    report.updated += updated
    rejected = len({row_no for row_no, _, _ in unknown})
    report.unchanged += stage.rows - rejected - inserted - updated


def _rows_up_to(conn: Connection, stage: _Stage) -> float:
    """The target's rows as PostgreSQL's planner knows them; if never analyzed (or on
    SQLite), counted up to the staged rows' number (enough to compare)."""
    if stage.pg:
        known = conn.exec_driver_sql(
            f"SELECT reltuples FROM pg_class WHERE oid = '{stage.target}'::regclass"
        ).scalar()
        if known is not None and known >= 0:
            return float(known)
    found = conn.exec_driver_sql(
        f"SELECT count(*) FROM (SELECT 1 FROM {stage.target} LIMIT {stage.rows + 1}) t"
    ).scalar()
    return float(found or 0)


#: A load of at least this many rows into a smaller table is a `_BulkLoad`.
BULK_MIN_ROWS = 100_000
#: Rows per validated batch: small enough that validating the next batch overlaps with
#: storing this one, large enough that per-batch costs vanish.
IMPORT_BATCH_ROWS = 1 << 18


def _prepared(
    path: Path, table: str, known: Mapping[str, KnownIds] | None, mapper: ColumnMapper
) -> Iterator[tuple[ValidatedBatch, pa.Table | None]]:
    """Validated batches with their good rows mapped, hashed and numbered (no database)."""
    first_row = 0
    for batch in iter_validated(path, table, known=known, batch_rows=IMPORT_BATCH_ROWS):
        mapped = None
        if batch.good.num_rows:
            mapped = mapper(batch.good)
            mapped = mapped.append_column("row_hash", hash_rows(mapped))
            mapped = mapped.append_column("row_no", good_row_numbers(batch, first_row))
        first_row += batch.rows_read
        yield batch, mapped


_T = TypeVar("_T")


def _ahead(items: Iterator[_T]) -> Iterator[_T]:
    """``items``, the next one computed in a worker thread while the caller uses this one.

    Arrow, NumPy and DuckDB release the GIL, and the database works in its own process,
    so on two cores validation and writing overlap.
    """
    end = object()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import") as pool:
        future = pool.submit(next, items, end)
        while (item := future.result()) is not end:
            future = pool.submit(next, items, end)
            yield item  # type: ignore[misc]


class _BulkLoad:
    """A load that dwarfs its table: non-unique indexes (and on PostgreSQL foreign keys)
    are dropped before the insert and rebuilt after it, in the same transaction.

    Maintaining nine indexes row by row and checking each row's foreign keys costs several
    times more than sorting each index once and validating each key with one join. The
    primary key and unique indexes stay: the upsert looks rows up by their code. The
    table is locked until commit (ACCESS EXCLUSIVE on PostgreSQL), which suits a first
    load; an import into a table at least as big as the file (the daily re-import) never
    takes this path.
    """

    def __init__(self, conn: Connection, table: str) -> None:
        self.conn, self.table = conn, table
        self.foreign_keys: list[tuple[str, str]] = []
        if conn.dialect.name != "postgresql":
            # SQLite keeps its foreign keys (they cannot be dropped; checking them is cheap).
            found = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                f"AND tbl_name = '{table}' AND sql IS NOT NULL "
                "AND upper(sql) NOT LIKE 'CREATE UNIQUE%' ORDER BY name"
            )
            self.indexes = [(f'"{name}"', str(ddl)) for name, ddl in found]
        else:
            self.indexes = [
                (str(name), str(ddl))
                for name, ddl in conn.exec_driver_sql(
                    "SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname), "
                    "pg_get_indexdef(x.indexrelid) "
                    "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                    "JOIN pg_namespace n ON n.oid = i.relnamespace "
                    f"WHERE x.indrelid = '{table}'::regclass "
                    "AND NOT x.indisunique AND NOT x.indisprimary ORDER BY i.relname"
                )
            ]
            self.foreign_keys = [
                (str(name), str(ddl))
                for name, ddl in conn.exec_driver_sql(
                    "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint "
                    f"WHERE conrelid = '{table}'::regclass AND contype = 'f' ORDER BY conname"
                )
            ]
        for name, _ in self.foreign_keys:
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        for name, _ in self.indexes:
            conn.exec_driver_sql(f"DROP INDEX {name}")

    def finish(self) -> None:
        with _at_least(self.conn, "maintenance_work_mem", BULK_INDEX_MEMORY):
            for _, ddl in self.indexes:
                self.conn.exec_driver_sql(ddl)
            for name, ddl in self.foreign_keys:
                self.conn.exec_driver_sql(f"ALTER TABLE {self.table} ADD CONSTRAINT {name} {ddl}")


@contextmanager
def _at_least(conn: Connection, setting: str, size: str) -> Iterator[None]:
    """Raise a PostgreSQL memory setting to ``size`` for a while (never lower it)."""
    if conn.dialect.name != "postgresql":
        yield
        return
    old, enough = conn.exec_driver_sql(
        f"SELECT current_setting('{setting}'), "
        f"pg_size_bytes(current_setting('{setting}')) >= pg_size_bytes('{size}')"
    ).one()
    if not enough:
        conn.exec_driver_sql(f"SET LOCAL {setting} = '{size}'")
    yield
    if not enough:
        conn.exec_driver_sql(f"SET LOCAL {setting} = '{old}'")


#: Memory for rebuilding an index after a bulk load (a session setting, restored after).
BULK_INDEX_MEMORY = "512MB"
#: Memory for each hash and sort of the upsert (set for the import, restored after).
UPSERT_WORK_MEMORY = "256MB"


_local = threading.local()


def _duckdb() -> duckdb.DuckDBPyConnection:
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
        con.execute("SET preserve_insertion_order = true")
        con.execute("SET enable_progress_bar = false")
    return con


def hash_rows(table: pa.Table) -> pa.Array:
    """A 64-bit hash per row of all of ``table``'s columns, as decimal text.

    DuckDB's ``hash`` over the typed columns: vectorised, seedless (the same in every
    process and run, so re-importing an identical file finds every row unchanged) and
    null-aware. A DuckDB upgrade that changed the function would make the next import
    rewrite each row once (reported as updated), never lose a change: for one key, a
    changed row keeps its old hash with probability 2⁻⁶⁴.
    """
    names = [f"c{i}" for i in range(table.num_columns)]
    con = _duckdb()
    con.register("import_rows_to_hash", table.rename_columns(names))
    try:
        result = con.sql(
            f"SELECT hash({', '.join(names)}) AS h FROM import_rows_to_hash"
        ).to_arrow_table()
    finally:
        con.unregister("import_rows_to_hash")
    return pc.cast(result.column("h").combine_chunks(), pa.string())


def good_row_numbers(batch: ValidatedBatch, first_row: int) -> pa.Array:
    """The file's 1-based row numbers of the batch's good rows (its other rows are the
    quarantined ones); zeros if they cannot be told apart."""
    numbers = np.arange(first_row + 1, first_row + batch.rows_read + 1, dtype=np.int64)
    bad = np.fromiter((q.row_number for q in batch.quarantined if q.row_number > 0), dtype=np.int64)
    if bad.size:
        numbers = numbers[~np.isin(numbers, bad)]
    if len(numbers) != batch.good.num_rows:
        numbers = np.zeros(batch.good.num_rows, dtype=np.int64)
    return pa.array(numbers)


def lookup(codes: pa.Array, known: Mapping[str, Any], value_type: pa.DataType) -> pa.Array:
    """The value each code maps to in ``known`` (null for nulls and unknown codes)."""
    keys = pa.array(list(known), pa.string())
    values = pa.array(list(known.values()), value_type)
    return pc.take(values, pc.index_in(codes, value_set=keys))


class _Stage:
    """A temporary table holding a file's mapped rows, and the statements upserting them."""

    def __init__(
        self,
        conn: Connection,
        model: Any,
        key: str,
        columns: Sequence[str],
        resolve: Sequence[Resolve],
    ) -> None:
        self.conn, self.key = conn, key
        self.pg = conn.dialect.name == "postgresql"
        self.target = model.__tablename__
        self.name = f"{'pg_temp' if self.pg else 'temp'}.import_stage_{self.target}"
        self.resolve = list(resolve)
        codes = {r.code: r for r in self.resolve}
        self.columns = list(columns)
        self.rows = 0
        self.plain = [c for c in self.columns if c != "row_no" and c not in codes]
        types = []
        for c in self.columns:
            if c == "row_no":
                type_: Any = BigInteger()
            elif c in codes:
                type_ = getattr(codes[c].target, codes[c].by).type
            else:
                type_ = model.__table__.c[c].type
            types.append(f"{c} {type_.compile(dialect=conn.dialect)}")
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.name}")
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {self.name[self.name.index('.') + 1 :]} "
                             f"({', '.join(types)})")  # fmt: skip

    def append(self, rows: pa.Table) -> None:
        self.rows += rows.num_rows
        write_rows(self.conn, self.name, rows.select(self.columns))

    def analyze(self) -> None:
        """Temporary tables are never analyzed by autovacuum; the joins need row counts."""
        if self.pg:
            self.conn.exec_driver_sql(f"ANALYZE {self.name}")

    def unknown_references(self) -> list[tuple[int, Resolve, str]]:
        """(row number, reference, code) of staged rows whose code matches no target row."""
        out: list[tuple[int, Resolve, str]] = []
        for r in self.resolve:
            found = self.conn.exec_driver_sql(
                f"SELECT s.row_no, s.{r.code} FROM {self.name} s WHERE NOT EXISTS "
                f"(SELECT 1 FROM {r.target.__tablename__} t WHERE t.{r.by} = s.{r.code})"
            )
            out.extend((int(row_no), r, str(code)) for row_no, code in found)
        return sorted(out, key=lambda u: u[0])

    def upsert(self) -> tuple[int, int]:
        """Update the rows whose hash changed, insert the new ones: (inserted, updated)."""
        t, s = self.target, self.name
        joins = " ".join(
            f"JOIN {r.target.__tablename__} r{i} ON r{i}.{r.by} = s.{r.code}"
            for i, r in enumerate(self.resolve)
        )
        ids = [f"r{i}.id" for i in range(len(self.resolve))]
        sets = [f"{c} = s.{c}" for c in self.plain if c != self.key]
        sets += [f"{r.column} = {i}" for r, i in zip(self.resolve, ids, strict=True)]
        updated = self.conn.exec_driver_sql(
            f"UPDATE {t} SET {', '.join(sets)} FROM {s} s {joins} "
            f"WHERE {t}.{self.key} = s.{self.key} "
            f"AND ({t}.row_hash IS NULL OR {t}.row_hash <> s.row_hash)"
        ).rowcount
        cols = self.plain + [r.column for r in self.resolve]
        values = [f"s.{c}" for c in self.plain] + ids
        inserted = self.conn.exec_driver_sql(
            f"INSERT INTO {t} ({', '.join(cols)}) SELECT {', '.join(values)} FROM {s} s {joins} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {t} x WHERE x.{self.key} = s.{self.key}) "
            f"ORDER BY s.row_no"
        ).rowcount
        return max(inserted, 0), max(updated, 0)

    def drop(self) -> None:
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.name}")


def _python_rows(rows: pa.Table) -> list[tuple[Any, ...]]:
    """Rows as tuples for a DB-API executemany; dates as ISO text (SQLite's DATE)."""
    columns = []
    for col in rows.columns:
        if pa.types.is_date(col.type):
            col = pc.cast(col, pa.string())
        columns.append(col.to_pylist())
    return list(zip(*columns, strict=True))


def _quarantine_unknown(
    conn: Connection,
    import_id: int,
    file: str,
    unknown: list[tuple[int, Resolve, str]],
    report: ImportReport,
) -> None:
    rows: list[dict[str, object]] = [
        {
            "import_id": import_id,
            "file": file,
            "row_number": row_no,
            "field": r.field,
            "value": code,
            "reason": f"unknown_reference: {r.noun} {code} was not imported",
        }
        for row_no, r, code in unknown
    ]
    if rows:
        insert_rows(conn, QuarantinedRow, rows)
    for _ in {row_no for row_no, _, _ in unknown}:
        report.add_quarantine("unknown_reference")
