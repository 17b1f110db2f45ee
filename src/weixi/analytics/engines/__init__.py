"""Execution engines for the nightly steps: DuckDB (default) and Spark.

Steps never import an engine; they receive one (a resource chosen by configuration) and
hand it a `SqlJob`. `make_engine` builds one by name.
"""

from __future__ import annotations

from typing import Any

from weixi.analytics.engines.base import (
    Dialect,
    Engine,
    Source,
    SourceFormat,
    SqlJob,
    Stage,
    date_literal,
    expand_shims,
    find_source,
    parts_source,
    timestamp_literal,
)

ENGINE_NAMES = ("duckdb", "spark")


def make_engine(name: str = "duckdb", **options: Any) -> Engine:
    """The engine called ``name`` ("duckdb" or "spark"), built with ``options``."""
    if name == "duckdb":
        from weixi.analytics.engines.duckdb_engine import DuckDBEngine

        return DuckDBEngine(**options)
    if name == "spark":
        from weixi.analytics.engines.spark_engine import SparkEngine

        return SparkEngine(**options)
    raise ValueError(f"unknown engine {name!r}; known: {', '.join(ENGINE_NAMES)}")


__all__ = [
    "ENGINE_NAMES",
    "Dialect",
    "Engine",
    "Source",
    "SourceFormat",
    "SqlJob",
    "Stage",
    "date_literal",
    "expand_shims",
    "find_source",
    "make_engine",
    "parts_source",
    "timestamp_literal",
]
