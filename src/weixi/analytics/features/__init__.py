"""Customer features and training labels as of a date, on any engine.

Steps (pure functions of tables; the engine is a resource passed in):

- `compute_features`: inputs customers, usage_monthly, products, contacts, fixed_orders,
  customer_cells, cell_kpi_daily → output ``features/`` (one row per active customer,
  columns ``customer_id``, ``as_of`` and `FEATURE_NAMES`).
- `assign_tiers`, `assign_stages`: see `weixi.analytics.features.segmentation`.
- `build_labels`: input customers → output ``labels/`` (``customer_id``, ``as_of``,
  ``churned``, ``deactivated_on``) for the same population.
"""

from __future__ import annotations

import calendar
import datetime as dt
from importlib import resources
from pathlib import Path

from weixi.analytics.engines.base import (
    Engine,
    SqlJob,
    Stage,
    date_literal,
    export_sources,
    timestamp_literal,
)
from weixi.analytics.features.catalogue import (
    FEATURE_NAMES,
    FEATURES,
    WORST_CELL_MIN_SHARE,
    Feature,
    catalogue_markdown,
    select_list,
)
from weixi.analytics.features.segmentation import assign_stages, assign_tiers

FEATURE_INPUTS: tuple[str, ...] = (
    "customers",
    "usage_monthly",
    "products",
    "contacts",
    "fixed_orders",
    "customer_cells",
    "cell_kpi_daily",
)
"""The export tables `compute_features` reads."""

CUSTOMER_KEYED: tuple[str, ...] = tuple(t for t in FEATURE_INPUTS if t != "cell_kpi_daily")

WINDOW_MONTHS = 6
NETWORK_MONTHS = 3


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` shifted by whole months, clamped to the target month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def feature_params(as_of: dt.date) -> dict[str, str]:
    """The literals the feature SQL is parameterised with."""
    m0 = month_start(as_of)
    m1 = add_months(m0, -1)
    return {
        "as_of": date_literal(as_of),
        "as_of_ts": timestamp_literal(as_of),
        "m0": date_literal(m0),
        "m1": date_literal(m1),
        "m3": date_literal(add_months(m0, -NETWORK_MONTHS)),
        "m6": date_literal(add_months(m0, -WINDOW_MONTHS)),
        "d90": timestamp_literal(as_of - dt.timedelta(days=90)),
        "d180": timestamp_literal(as_of - dt.timedelta(days=180)),
        "days_last_month": f"{calendar.monthrange(m1.year, m1.month)[1]}.0",
        "worst_cell_min_share": repr(WORST_CELL_MIN_SHARE),
    }


def _sql(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def feature_job(as_of: dt.date) -> SqlJob:
    """The engine-neutral job that computes the catalogue as of ``as_of``."""
    query = _sql("features.sql").replace("{feature_columns}", select_list(FEATURES))
    return SqlJob(
        name="features",
        inputs=FEATURE_INPUTS,
        stages=(Stage("cell_month", _sql("cell_month.sql")),),
        query=query,
        params=feature_params(as_of),
        bucketed_inputs=CUSTOMER_KEYED,
    )


def label_job(as_of: dt.date, *, horizon_months: int = 1) -> SqlJob:
    """The engine-neutral job that labels churn in ``[as_of, as_of + horizon)``."""
    params = {
        "as_of": date_literal(as_of),
        "label_end": date_literal(add_months(as_of, horizon_months)),
    }
    return SqlJob(
        name="labels",
        inputs=("customers",),
        query=_sql("labels.sql"),
        params=params,
        bucketed_inputs=("customers",),
    )


def compute_features(
    engine: Engine, data_dir: Path, as_of: dt.date, out_dir: Path, buckets: int = 4
) -> Path:
    """Compute every catalogue feature for customers active at ``as_of``.

    Reads the export tables in ``data_dir``; writes Parquet parts to ``out_dir`` (replaced
    atomically) and returns it. ``buckets`` bounds DuckDB's memory; Spark ignores it.
    """
    sources = export_sources(Path(data_dir), FEATURE_INPUTS)
    return engine.run(feature_job(as_of), sources, Path(out_dir), buckets=buckets)


def build_labels(
    engine: Engine,
    data_dir: Path,
    as_of: dt.date,
    out_dir: Path,
    *,
    horizon_months: int = 1,
    buckets: int = 1,
) -> Path:
    """Label each customer active at ``as_of``: churned (1) if deactivated within the next
    ``horizon_months`` months, else 0. Pair with features of the same ``as_of``, which use
    only data from before it, so no post-churn data leaks into training."""
    sources = export_sources(Path(data_dir), ("customers",))
    job = label_job(as_of, horizon_months=horizon_months)
    return engine.run(job, sources, Path(out_dir), buckets=buckets)


__all__ = [
    "FEATURES",
    "FEATURE_INPUTS",
    "FEATURE_NAMES",
    "Feature",
    "add_months",
    "assign_stages",
    "assign_tiers",
    "build_labels",
    "catalogue_markdown",
    "compute_features",
    "feature_job",
    "label_job",
]
