"""What every engine offers, and the portable SQL that steps hand to it.

A step (features, labels, tiers, stages) describes its work as a `SqlJob`: the named
input tables, optional global stages materialised once, and one per-customer query. The
SQL is written once, in the subset of SQL that DuckDB and Spark SQL share, plus a few
*shims*: ``@name(arg, ...)`` calls that each engine expands into its own function
(`expand_shims`). Parameters such as the as-of date are substituted as literals before
that (``{as_of}``), so no date arithmetic on parameters happens inside SQL.

An engine reads the inputs (Parquet or CSV files of an export directory, or directories
of Parquet parts written by an earlier step) as named tables and writes the query's
result as a directory of Parquet parts. How it bounds memory (DuckDB: buckets of
customer ids; Spark: its own partitioning) is the engine's business, not the step's.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol, runtime_checkable

from weixi.ingest.schema import TABLES, ColumnType


class Dialect(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


class SourceFormat(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"
    PARQUET_DIR = "parquet_dir"


@dataclass(frozen=True)
class Source:
    """One input table: where it is and how it is stored."""

    path: Path
    format: SourceFormat
    table: str
    """The schema table name (for CSV column types); may differ from the registered name."""

    def parquet_glob(self) -> str:
        """The file or glob an engine reads for Parquet sources."""
        if self.format is SourceFormat.PARQUET_DIR:
            return str(self.path / "*.parquet")
        return str(self.path)


@dataclass(frozen=True)
class Stage:
    """A global intermediate table, computed once over all customers before the query."""

    name: str
    sql: str


@dataclass(frozen=True)
class SqlJob:
    """A step's work, engine-neutral.

    ``query`` must keep customers independent: it may join customer-keyed inputs on
    ``bucket_key`` and read global stages, but must not aggregate across customers,
    because the DuckDB engine runs it once per bucket of customer ids.
    """

    name: str
    inputs: tuple[str, ...]
    query: str
    stages: tuple[Stage, ...] = ()
    params: Mapping[str, str] = field(default_factory=dict)
    bucket_key: str = "customer_id"
    bucketed_inputs: tuple[str, ...] = ()
    """Inputs filtered to the bucket's customers (all have a ``bucket_key`` column)."""

    def render(self, sql: str, dialect: Dialect) -> str:
        """Drop comment lines, substitute parameters, then expand shims for ``dialect``."""
        code = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
        return expand_shims(code.format_map(dict(self.params)), dialect)


@runtime_checkable
class Engine(Protocol):
    """Runs a `SqlJob` over named sources and writes a directory of Parquet parts."""

    name: str
    dialect: Dialect

    def run(
        self, job: SqlJob, sources: Mapping[str, Source], out_dir: Path, *, buckets: int = 1
    ) -> Path:
        """Run ``job`` and atomically replace ``out_dir`` with its Parquet parts."""
        ...

    def close(self) -> None:
        """Release resources (connections, sessions) the engine opened itself."""
        ...


# --- Literals -----------------------------------------------------------------------------


def date_literal(day: dt.date) -> str:
    """A DATE literal both engines parse."""
    return f"DATE '{day.isoformat()}'"


def timestamp_literal(day: dt.date) -> str:
    """Midnight UTC of ``day`` as a TIMESTAMP literal (both engines run in UTC)."""
    return f"TIMESTAMP '{day.isoformat()} 00:00:00'"


def string_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- Shims --------------------------------------------------------------------------------

ShimFn = Callable[[list[str]], str]

SHIMS: dict[str, dict[Dialect, ShimFn]] = {
    # Whole days from a to b (b - a), dates.
    "days": {
        Dialect.DUCKDB: lambda a: f"date_diff('day', {a[0]}, {a[1]})",
        Dialect.SPARK: lambda a: f"datediff({a[1]}, {a[0]})",
    },
    # First day of the month of a date.
    "month_start": {
        Dialect.DUCKDB: lambda a: f"CAST(date_trunc('month', {a[0]}) AS DATE)",
        Dialect.SPARK: lambda a: f"trunc({a[0]}, 'MM')",
    },
    # The UTC calendar date of a timestamp (both sessions run in UTC).
    "to_date": {
        Dialect.DUCKDB: lambda a: f"CAST({a[0]} AS DATE)",
        Dialect.SPARK: lambda a: f"to_date({a[0]})",
    },
}
"""Per-engine spellings of the few functions the two dialects name differently."""


def expand_shims(sql: str, dialect: Dialect) -> str:
    """Replace every ``@name(args)`` with the dialect's expression (nested calls allowed)."""
    out: list[str] = []
    i = 0
    while True:
        at = sql.find("@", i)
        if at < 0:
            out.append(sql[i:])
            return "".join(out)
        out.append(sql[i:at])
        open_paren = sql.find("(", at)
        name = sql[at + 1 : open_paren].strip()
        if open_paren < 0 or name not in SHIMS:
            raise ValueError(f"unknown shim near {sql[at : at + 30]!r}")
        args, end = _split_args(sql, open_paren)
        expanded = [expand_shims(arg, dialect) for arg in args]
        out.append(SHIMS[name][dialect](expanded))
        i = end + 1


def _split_args(sql: str, open_paren: int) -> tuple[list[str], int]:
    """The top-level comma-separated arguments after ``open_paren`` and the closing index."""
    depth, start, args = 0, open_paren + 1, []
    quoted = False
    for pos in range(open_paren, len(sql)):
        ch = sql[pos]
        if ch == "'":
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append(sql[start:pos].strip())
                return args, pos
        elif ch == "," and depth == 1:
            args.append(sql[start:pos].strip())
            start = pos + 1
    raise ValueError("unbalanced parentheses in shim call")


# --- Sources ------------------------------------------------------------------------------


def find_source(directory: Path, table: str, *, name: str | None = None) -> Source:
    """Locate ``table`` in an export directory: ``<table>.parquet``, ``<table>.csv`` or a
    directory ``<table>/`` of Parquet parts (what the engines write)."""
    stem = name or table
    candidates = (
        (directory / f"{stem}.parquet", SourceFormat.PARQUET),
        (directory / stem, SourceFormat.PARQUET_DIR),
        (directory / f"{stem}.csv", SourceFormat.CSV),
    )
    for path, fmt in candidates:
        if fmt is SourceFormat.PARQUET_DIR and not path.is_dir():
            continue
        if path.exists():
            return Source(path, fmt, table)
    raise FileNotFoundError(f"no {stem}.parquet, {stem}.csv or {stem}/ in {directory}")


def export_sources(directory: Path, tables: tuple[str, ...]) -> dict[str, Source]:
    """Each of ``tables`` in an export directory, as an engine source."""
    return {table: find_source(directory, table) for table in tables}


def parts_source(directory: Path, table: str) -> Source:
    """A directory of Parquet parts written by an engine, registered as ``table``."""
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a directory of Parquet parts")
    return Source(directory, SourceFormat.PARQUET_DIR, table)


def csv_columns(table: str) -> dict[str, ColumnType]:
    """Column name → type of a schema table, for reading its CSV export with fixed types."""
    return {col.name: col.type for col in TABLES[table].columns}


# --- Output -------------------------------------------------------------------------------


def staging_dir(out_dir: Path) -> Path:
    """A fresh sibling directory to write into before the atomic swap."""
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    return tmp


def publish(tmp: Path, out_dir: Path) -> Path:
    """Replace ``out_dir`` by ``tmp`` so readers never see a half-written result."""
    if out_dir.exists():
        old = out_dir.with_name(out_dir.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old)
    else:
        tmp.rename(out_dir)
    return out_dir
