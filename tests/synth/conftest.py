"""One small synthetic province shared by the generator tests (a few seconds to build)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from weixi.synth import SynthConfig, generate

SMALL = SynthConfig(customers=6_000, months=12, seed=11, workers=1, chunk_size=3_000)


@pytest.fixture(scope="session")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("province")
    generate(SMALL, out)
    return out


@pytest.fixture()
def sql(province: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with one view per generated table."""
    con = duckdb.connect()
    for path in province.glob("*.parquet"):
        con.execute(f"CREATE VIEW {path.stem} AS SELECT * FROM read_parquet('{path}')")
    truth = province / "_truth" / "churn_truth.parquet"
    con.execute(f"CREATE VIEW churn_truth AS SELECT * FROM read_parquet('{truth}')")
    return con
