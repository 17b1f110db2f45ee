"""DuckDB and Spark (local mode) give the same features, labels, tiers and stages.

Skipped only when PySpark or Java is missing *and* CI is not "true"; in CI these run.
One small Spark session is shared by the module (local[2], 4 shuffle partitions, no UI).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import os
import shutil
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.analytics.fixtures_features import AS_OF, EXPECTED_C1, write_random_export

from weixi.analytics.engines import Engine
from weixi.analytics.engines.duckdb_engine import DuckDBEngine
from weixi.analytics.features import assign_stages, assign_tiers, build_labels, compute_features

_HAVE_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None
_IN_CI = os.environ.get("CI") == "true"

pytestmark = [
    pytest.mark.spark,
    pytest.mark.xdist_group("spark"),
    pytest.mark.skipif(not _HAVE_SPARK and not _IN_CI, reason="needs PySpark and Java"),
]


@pytest.fixture(scope="module")
def spark_engine() -> Iterator[Engine]:
    from weixi.analytics.engines.spark_engine import SparkEngine, local_session

    session = local_session(
        master="local[2]",
        shuffle_partitions=4,
        extra_conf={
            # Tiny inputs: compiling generated code and re-planning cost more than they save.
            "spark.sql.codegen.wholeStage": "false",
            "spark.sql.adaptive.enabled": "false",
        },
    )
    yield SparkEngine(session=session)
    session.stop()


@pytest.fixture(scope="module")
def duck() -> DuckDBEngine:
    return DuckDBEngine(memory_limit="1GB", threads=2)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made customers plus 300 random ones (one dataset: Spark jobs are slow)."""
    return write_random_export(tmp_path_factory.mktemp("random"), customers=300)


def _rows(path: Path) -> dict[str, dict[str, Any]]:
    return {row["customer_id"]: row for row in pq.read_table(path).to_pylist()}


def _assert_same(left: Path, right: Path) -> None:
    a, b = _rows(left), _rows(right)
    assert a.keys() == b.keys()
    assert pq.read_table(left).column_names == pq.read_table(right).column_names
    for cid, row in a.items():
        for name, value in row.items():
            other = b[cid][name]
            if isinstance(value, float) and other is not None:
                assert math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-12), (cid, name)
            else:
                assert value == other, (cid, name, value, other)


def _write_scores(features: Path, scores: Path) -> Path:
    """Deterministic pseudo churn probabilities for every featured customer."""
    ids = sorted(pq.read_table(features, columns=["customer_id"]).column("customer_id").to_pylist())
    probability = [(zlib.crc32(cid.encode()) % 1000) / 1000 for cid in ids]
    scores.mkdir(parents=True)
    pq.write_table(pa.table({"customer_id": ids, "churn_probability": probability}),
                   scores / "part-0.parquet")  # fmt: skip
    return scores


def _run_steps(
    engine: Engine, directory: Path, base: Path, *, scores: Path, previous: dict[str, Path]
) -> dict[str, Path]:
    """Every step on one engine; tiers and stages read that engine's own features and the
    previous night's tiers/stages (40 days earlier)."""
    features = compute_features(engine, directory, AS_OF, base / "features", buckets=3)
    later = AS_OF + dt.timedelta(days=40)
    return {
        "features": features,
        "labels": build_labels(engine, directory, AS_OF, base / "labels"),
        "tiers": assign_tiers(engine, features, base / "tiers", previous_dir=previous["tiers"]),
        "stages": assign_stages(
            engine, directory, features, later, base / "stages",
            scores_dir=scores, previous_dir=previous["stages"],
        ),
    }  # fmt: skip


def test_every_step_gives_equal_results_on_duckdb_and_spark(
    data: Path, duck: DuckDBEngine, spark_engine: Engine, tmp_path: Path
) -> None:
    # The previous night, on DuckDB only (a Spark job costs seconds even on tiny data).
    first = compute_features(duck, data, AS_OF, tmp_path / "first" / "features", buckets=2)
    scores = _write_scores(first, tmp_path / "scores")
    previous = {
        "tiers": assign_tiers(duck, first, tmp_path / "first" / "tiers"),
        "stages": assign_stages(
            duck, data, first, AS_OF, tmp_path / "first" / "stages", scores_dir=scores
        ),
    }
    on_duck = _run_steps(duck, data, tmp_path / "duck", scores=scores, previous=previous)
    on_spark = _run_steps(spark_engine, data, tmp_path / "spark", scores=scores, previous=previous)
    for step, path in on_duck.items():
        _assert_same(path, on_spark[step])
    spark_features = _rows(on_spark["features"])
    assert len(spark_features) > 150
    for name, want in EXPECTED_C1.items():
        got = spark_features["C1"][name]
        assert got == pytest.approx(want, rel=1e-12) if isinstance(want, float) else got == want
    assert spark_features["C2"]["net_drop_rate"] is None
    stages = _rows(on_spark["stages"]).values()
    assert {"warning", "stable", "churned", "onboarding"} <= {row["stage"] for row in stages}
    assert any(row["entered"] for row in stages)
    assert all(row["previous_tier"] for row in _rows(on_spark["tiers"]).values())
