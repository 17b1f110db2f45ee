"""Feature values against hand-computed fixtures, on the default engine (DuckDB)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from tests.analytics.fixtures_features import (
    AS_OF,
    EXPECTED_C1,
    EXPECTED_C2,
    EXPECTED_LABELS,
    export_tables,
    write_export,
)

from weixi.analytics.engines import Dialect, expand_shims, make_engine
from weixi.analytics.engines.base import Source, SourceFormat, SqlJob
from weixi.analytics.engines.duckdb_engine import DuckDBEngine
from weixi.analytics.features import (
    FEATURE_NAMES,
    FEATURES,
    add_months,
    assign_stages,
    assign_tiers,
    build_labels,
    catalogue_markdown,
    compute_features,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "features.md"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_export(tmp_path_factory.mktemp("export"))


@pytest.fixture(scope="module")
def engine() -> DuckDBEngine:
    return DuckDBEngine(memory_limit="1GB", threads=2)


def _rows(path: Path) -> dict[str, dict[str, Any]]:
    return {row["customer_id"]: row for row in pq.read_table(path).to_pylist()}


def _assert_values(row: dict[str, Any], expected: dict[str, Any]) -> None:
    for name, want in expected.items():
        got = row[name]
        if want is None:
            assert got is None, f"{name}: expected NULL, got {got!r}"
        elif isinstance(want, float):
            assert got is not None and math.isclose(got, want, rel_tol=1e-12), (name, got, want)
        else:
            assert got == want, (name, got, want)


@pytest.fixture(scope="module")
def features(export: Path, engine: DuckDBEngine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compute_features(engine, export, AS_OF, tmp_path_factory.mktemp("f") / "features", 1)


@pytest.mark.parametrize("buckets", [1, 3])
def test_busy_customer_features_equal_hand_computed_values(
    export: Path, engine: DuckDBEngine, tmp_path: Path, buckets: int
) -> None:
    out = compute_features(engine, export, AS_OF, tmp_path / "features", buckets)
    assert len(list(out.glob("part-*.parquet"))) == buckets
    _assert_values(_rows(out)["C1"], EXPECTED_C1)


def test_zero_denominators_give_null_not_zero(features: Path) -> None:
    _assert_values(_rows(features)["C2"], EXPECTED_C2)


def test_every_catalogue_feature_is_a_column_in_catalogue_order(features: Path) -> None:
    names = pq.read_schema(next(features.glob("*.parquet"))).names
    assert names == ["customer_id", "as_of", *FEATURE_NAMES]
    assert len(FEATURES) >= 40
    assert set(EXPECTED_C1) == set(FEATURE_NAMES)


def test_population_is_customers_active_at_as_of(features: Path) -> None:
    # C3 left before as-of, C4 joins after it; C7 leaves on the as-of day, still in.
    assert sorted(_rows(features)) == ["C1", "C2", "C5", "C6", "C7"]


def test_device_bought_after_as_of_and_ended_contract(features: Path) -> None:
    c5 = _rows(features)["C5"]
    assert c5["device_age_days"] is None
    assert c5["contract_days_left"] == -30
    assert c5["net_cells_used"] == 0 and c5["worst_cell_id"] is None


def test_facts_dated_on_or_after_as_of_do_not_change_features(
    export: Path, features: Path, engine: DuckDBEngine, tmp_path: Path
) -> None:
    """No leakage: cut every table at the as-of date and get the same features."""
    cutoff = pa.scalar(dt.datetime.combine(AS_OF, dt.time(), dt.UTC), pa.timestamp("ms", "UTC"))
    month0 = pa.scalar(AS_OF.replace(day=1), pa.date32())
    keep = {
        "usage_monthly": lambda t: pc.less(t["month"], month0),
        "customer_cells": lambda t: pc.less(t["month"], month0),
        "cell_kpi_daily": lambda t: pc.less(t["day"], month0),
        "contacts": lambda t: pc.less(t["at"], cutoff),
        "fixed_orders": lambda t: pc.less(t["opened_at"], cutoff),
    }
    cut_dir = tmp_path / "cut"
    cut_dir.mkdir()
    for name, table in export_tables().items():
        if name in keep:
            table = table.filter(keep[name](table))
        pq.write_table(table, cut_dir / f"{name}.parquet")
    again = compute_features(engine, cut_dir, AS_OF, tmp_path / "features", 2)
    assert _rows(again) == _rows(features)


def test_csv_export_gives_the_same_features(
    features: Path, engine: DuckDBEngine, tmp_path: Path
) -> None:
    csv_dir = write_export(tmp_path / "csv", fmt="csv")
    out = compute_features(engine, csv_dir, AS_OF, tmp_path / "features", 2)
    assert _rows(out) == _rows(features)


def test_rerun_replaces_the_output(export: Path, engine: DuckDBEngine, tmp_path: Path) -> None:
    out = compute_features(engine, export, AS_OF, tmp_path / "features", 4)
    out = compute_features(engine, export, AS_OF, tmp_path / "features", 2)
    assert len(list(out.glob("*.parquet"))) == 2
    assert not (tmp_path / "features.tmp").exists()


def test_labels_mark_churn_within_one_month_and_skip_inactive(
    export: Path, engine: DuckDBEngine, tmp_path: Path
) -> None:
    labels = _rows(build_labels(engine, export, AS_OF, tmp_path / "labels"))
    assert {cid: row["churned"] for cid, row in labels.items()} == EXPECTED_LABELS


def test_labels_and_features_cover_the_same_customers(
    export: Path, features: Path, engine: DuckDBEngine, tmp_path: Path
) -> None:
    labels = build_labels(engine, export, AS_OF, tmp_path / "labels", buckets=2)
    assert sorted(_rows(labels)) == sorted(_rows(features))


def test_shims_expand_per_dialect_including_nested_calls() -> None:
    sql = "SELECT @days(@to_date(k.at), DATE '2010-07-01'), f(1, 2)"
    assert expand_shims(sql, Dialect.DUCKDB) == (
        "SELECT date_diff('day', CAST(k.at AS DATE), DATE '2010-07-01'), f(1, 2)"
    )
    assert expand_shims(sql, Dialect.SPARK) == (
        "SELECT datediff(DATE '2010-07-01', to_date(k.at)), f(1, 2)"
    )
    with pytest.raises(ValueError, match="unknown shim"):
        expand_shims("SELECT @nope(1)", Dialect.DUCKDB)


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2010, 3, 31), -1) == dt.date(2010, 2, 28)
    assert add_months(dt.date(2010, 1, 15), -6) == dt.date(2009, 7, 15)
    assert add_months(dt.date(2010, 12, 1), 1) == dt.date(2011, 1, 1)


def test_make_engine_by_name() -> None:
    assert make_engine("duckdb").name == "duckdb"
    with pytest.raises(ValueError, match="unknown engine"):
        make_engine("polars")


def test_docs_features_md_is_generated_from_the_catalogue() -> None:
    assert DOCS.read_text(encoding="utf-8") == catalogue_markdown(), (
        "docs/features.md is stale: run python -m weixi.analytics.features.docs"
    )


def test_tiers_step_places_customers_and_records_changes(
    features: Path, engine: DuckDBEngine, tmp_path: Path
) -> None:
    first = assign_tiers(engine, features, tmp_path / "tiers")
    tiers = _rows(first)
    assert (tiers["C1"]["tier"], tiers["C1"]["tier_rule"]) == ("platinum", "platinum.arpu_200")
    assert tiers["C1"]["tier_name_zh"] == "白金" and tiers["C1"]["dedicated_manager"]
    assert tiers["C2"]["tier"] == "standard" and not tiers["C2"]["tier_changed"]
    previous = tmp_path / "previous"
    previous.mkdir()
    pq.write_table(pa.table({"customer_id": ["C1", "C2"], "tier": ["gold", "standard"]}),
                   previous / "part-0.parquet")  # fmt: skip
    again = _rows(assign_tiers(engine, features, tmp_path / "tiers2", previous_dir=previous))
    assert (again["C1"]["previous_tier"], again["C1"]["tier_changed"]) == ("gold", True)
    assert (again["C2"]["previous_tier"], again["C2"]["tier_changed"]) == ("standard", False)
    assert again["C5"]["previous_tier"] is None and not again["C5"]["tier_changed"]


def test_stages_step_classifies_every_customer_and_plans_playbooks(
    export: Path, features: Path, engine: DuckDBEngine, tmp_path: Path
) -> None:
    stages = _rows(assign_stages(engine, export, features, AS_OF, tmp_path / "stages", buckets=2))
    assert {cid: row["stage_rule"] for cid, row in stages.items()} == {
        "C1": "warning.contract_ends_30d",
        "C2": "onboarding.first_90_days",
        "C3": "churned.deactivated",
        "C4": "prospect.not_activated",
        "C5": "stable.default",
        "C6": "stable.default",
        "C7": "stable.default",
    }
    # First run: only onboarding and warning are entered without history.
    assert (stages["C1"]["order_kind"], stages["C1"]["script"]) == ("warning", "retention")
    assert stages["C3"]["entered"] is False and stages["C3"]["order_kind"] is None
    # Next night C7 has left: entering churned sends the exit callback.
    later = AS_OF + dt.timedelta(days=1)
    nxt = _rows(assign_stages(engine, export, features, later, tmp_path / "next",
                              previous_dir=tmp_path / "stages"))  # fmt: skip
    assert (nxt["C7"]["previous_stage"], nxt["C7"]["stage"]) == ("stable", "churned")
    assert (nxt["C7"]["order_kind"], nxt["C7"]["script"]) == ("callback", "exit")
    assert nxt["C1"]["entered"] is False  # still in warning: no second order


@pytest.mark.parametrize("buckets", [2, 3, 5])
def test_buckets_are_id_ranges_that_hold_every_row_once_nulls_included(
    engine: DuckDBEngine, tmp_path: Path, buckets: int
) -> None:
    ids = [f"C{i:03d}" for i in range(40, 0, -1)] + [None, None]  # out of order, two nulls
    table = pa.table({"customer_id": ids, "n": list(range(len(ids)))})
    pq.write_table(table, tmp_path / "facts.parquet")
    job = SqlJob(
        name="copy",
        inputs=("facts",),
        query="SELECT customer_id, n FROM facts",
        bucketed_inputs=("facts",),
    )
    source = Source(tmp_path / "facts.parquet", SourceFormat.PARQUET, "customers")
    out = engine.run(job, {"facts": source}, tmp_path / "out", buckets=buckets)
    parts = sorted(out.glob("part-*.parquet"))
    assert len(parts) == buckets
    got = [pq.read_table(p) for p in parts]
    assert sorted(n for t in got for n in t["n"].to_pylist()) == list(range(len(ids)))
    ranges = [[c for c in t["customer_id"].to_pylist() if c is not None] for t in got]
    assert all(ranges)  # each bucket a share of the customers
    for lower, upper in itertools.pairwise(ranges):
        assert max(lower) < min(upper)  # buckets are ranges, in order
