"""The scale-out engine: Spark SQL (PySpark), local mode in tests, a cluster in production.

Spark partitions and spills by itself, so the bucket count a step asks for is ignored;
``spark.sql.shuffle.partitions`` sets the parallelism instead. Sessions run in UTC so
timestamps compare and convert to dates exactly as on DuckDB.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from weixi.analytics.engines.base import (
    Dialect,
    Source,
    SourceFormat,
    SqlJob,
    csv_columns,
    publish,
    staging_dir,
)
from weixi.ingest.schema import ColumnType

_SPARK_TYPES: dict[ColumnType, str] = {
    ColumnType.STRING: "STRING",
    ColumnType.INT: "BIGINT",
    ColumnType.FLOAT: "DOUBLE",
    ColumnType.BOOL: "BOOLEAN",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMP",
}


def local_session(
    *,
    master: str = "local[2]",
    shuffle_partitions: int = 4,
    driver_memory: str = "1g",
    extra_conf: Mapping[str, str] | None = None,
) -> Any:
    """A small local Spark session: no UI, UTC, few shuffle partitions."""
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(master)
        .appName("weixi")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.parquet.compression.codec", "zstd")
    )
    for key, value in (extra_conf or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine:
    """Runs jobs as Spark SQL over temporary views."""

    name = "spark"
    dialect = Dialect.SPARK

    def __init__(self, session: Any | None = None, **session_options: Any) -> None:
        self._session = session
        self._owns_session = session is None
        self._session_options = session_options

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = local_session(**self._session_options)
        return self._session

    def run(
        self, job: SqlJob, sources: Mapping[str, Source], out_dir: Path, *, buckets: int = 1
    ) -> Path:
        missing = [name for name in job.inputs if name not in sources]
        if missing:
            raise KeyError(f"job {job.name} lacks sources for {', '.join(missing)}")
        spark = self.session
        for name in job.inputs:
            self._read(sources[name]).createOrReplaceTempView(name)
        for stage in job.stages:
            frame = spark.sql(job.render(stage.sql, self.dialect))
            frame.cache().createOrReplaceTempView(stage.name)
        tmp = staging_dir(out_dir)
        spark.sql(job.render(job.query, self.dialect)).write.parquet(str(tmp))
        for stage in job.stages:
            spark.catalog.dropTempView(stage.name)
        return publish(tmp, out_dir)

    def close(self) -> None:
        if self._owns_session and self._session is not None:
            self._session.stop()
            self._session = None

    def _read(self, source: Source) -> Any:
        reader = self.session.read
        if source.format is SourceFormat.CSV:
            ddl = ", ".join(
                f"`{name}` {_SPARK_TYPES[kind]}" for name, kind in csv_columns(source.table).items()
            )
            return reader.csv(str(source.path), header=True, schema=ddl)
        return reader.parquet(str(source.path))
