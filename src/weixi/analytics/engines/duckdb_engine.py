"""The default engine: DuckDB in-process, in bounded memory.

One big query over every customer holds every customer's groups at once (issue 4 measured
15–19 GB for 10M customers × 6 months). Here the per-customer query runs once per bucket
of customer ids: customer-keyed inputs are views filtered to the bucket, global stages are
computed once, and each bucket writes its own Parquet part. Memory then scales with the
bucket, not the base.

A bucket is a range of customer ids, cut at quantiles of the first customer-keyed input's
ids. Exports are commonly written customer by customer (a warehouse unloads by key), and
then Parquet's row-group statistics let DuckDB skip the row groups of the other buckets:
each bucket reads about its own share of the files instead of all of them. Where a file is
in another order, the range test costs no more than the hash it replaces (``hash(id) %
buckets``, which read every row once per bucket).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb

from weixi.analytics.engines.base import (
    Dialect,
    Source,
    SourceFormat,
    SqlJob,
    csv_columns,
    publish,
    staging_dir,
    string_literal,
)
from weixi.ingest.schema import ColumnType

_DUCK_TYPES: dict[ColumnType, str] = {
    ColumnType.STRING: "VARCHAR",
    ColumnType.INT: "BIGINT",
    ColumnType.FLOAT: "DOUBLE",
    ColumnType.BOOL: "BOOLEAN",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMPTZ",
}


class DuckDBEngine:
    """Runs jobs on DuckDB, bucket by bucket, with a memory limit and few threads."""

    name = "duckdb"
    dialect = Dialect.DUCKDB

    def __init__(
        self,
        *,
        memory_limit: str = "4GB",
        threads: int = 2,
        temp_directory: Path | None = None,
        compression: str = "zstd",
    ) -> None:
        self.memory_limit = memory_limit
        self.threads = threads
        self.temp_directory = temp_directory
        self.compression = compression

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A fresh in-memory connection with this engine's settings."""
        con = duckdb.connect(":memory:")
        con.execute(f"SET memory_limit = {string_literal(self.memory_limit)}")
        con.execute(f"SET threads = {int(self.threads)}")
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET TimeZone = 'UTC'")
        if self.temp_directory is not None:
            con.execute(f"SET temp_directory = {string_literal(str(self.temp_directory))}")
        return con

    def run(
        self, job: SqlJob, sources: Mapping[str, Source], out_dir: Path, *, buckets: int = 1
    ) -> Path:
        if buckets < 1:
            raise ValueError("buckets must be at least 1")
        _check_inputs(job, sources)
        tmp = staging_dir(out_dir)
        tmp.mkdir(parents=True)
        con = self.connect()
        try:
            for name in job.inputs:
                con.execute(
                    f"CREATE VIEW {name}__src AS SELECT * FROM {scan_expression(sources[name])}"
                )
            for stage in job.stages:
                self._bind_inputs(con, job, bucket=None, bounds=[])
                con.execute(
                    f"CREATE TEMP TABLE {stage.name} AS {job.render(stage.sql, self.dialect)}"
                )
            query = job.render(job.query, self.dialect)
            bounds = _bucket_bounds(con, job, buckets)
            for bucket in range(buckets):
                self._bind_inputs(con, job, bucket=bucket if buckets > 1 else None, bounds=bounds)
                part = tmp / f"part-{bucket:05d}.parquet"
                con.execute(
                    f"COPY ({query}) TO {string_literal(str(part))} "
                    f"(FORMAT parquet, COMPRESSION {self.compression})"
                )
        finally:
            con.close()
        return publish(tmp, out_dir)

    def close(self) -> None:
        """Nothing to release: every run opens and closes its own connection."""

    def _bind_inputs(
        self,
        con: duckdb.DuckDBPyConnection,
        job: SqlJob,
        *,
        bucket: int | None,
        bounds: list[str],
    ) -> None:
        """(Re)define each input's view, filtered to ``bucket`` for customer-keyed inputs.

        Bucket ``b`` holds the ids from ``bounds[b - 1]`` (included) up to ``bounds[b]``
        (excluded); the first has no lower bound and also holds rows without an id, the
        last has no upper bound.
        """
        for name in job.inputs:
            where = ""
            if bucket is not None and name in job.bucketed_inputs:
                key = job.bucket_key
                tests = []
                if bucket > 0:
                    tests.append(f"{key} >= {string_literal(bounds[bucket - 1])}")
                if bucket < len(bounds):
                    upper = f"{key} < {string_literal(bounds[bucket])}"
                    tests.append(f"({upper} OR {key} IS NULL)" if bucket == 0 else upper)
                where = " WHERE " + " AND ".join(tests)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {name}__src{where}")


def _bucket_bounds(con: duckdb.DuckDBPyConnection, job: SqlJob, buckets: int) -> list[str]:
    """``buckets - 1`` cut points between ranges of about as many customers each (the
    bucket key is a customer code, text); with no customers, everything in the last."""
    if buckets <= 1 or not job.bucketed_inputs:
        return []
    shares = ", ".join(repr(k / buckets) for k in range(1, buckets))
    row = con.execute(
        f"SELECT quantile_disc({job.bucket_key}, [{shares}]) FROM {job.bucketed_inputs[0]}__src"
    ).fetchone()
    cuts = row[0] if row is not None else None
    return [str(c) for c in cuts] if cuts else [""] * (buckets - 1)


def _check_inputs(job: SqlJob, sources: Mapping[str, Source]) -> None:
    missing = [name for name in job.inputs if name not in sources]
    if missing:
        raise KeyError(f"job {job.name} lacks sources for {', '.join(missing)}")


def scan_expression(source: Source) -> str:
    """The DuckDB table function that reads ``source``."""
    if source.format is SourceFormat.CSV:
        columns = ", ".join(
            f"{string_literal(name)}: {string_literal(_DUCK_TYPES[kind])}"
            for name, kind in csv_columns(source.table).items()
        )
        return (
            f"read_csv({string_literal(str(source.path))}, header = true, columns = {{{columns}}})"
        )
    return f"read_parquet({string_literal(source.parquet_glob())})"
