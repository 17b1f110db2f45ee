"""Fixtures for the churn-model tests: the public data directory and small synthetic tables.

``weixi.analytics.churn`` sets ``OMP_WAIT_POLICY=passive`` before LightGBM loads
(LightGBM next to scikit-learn on 2 cores can otherwise stall in OpenMP spin-waits);
importing it here makes sure that happens before any test imports LightGBM itself.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import weixi.analytics.churn  # noqa: F401  (sets OMP_WAIT_POLICY before lightgbm loads)
from weixi.config import get_settings


@pytest.fixture(scope="session")
def public_data_dir() -> Path:
    """``shared_dir`` from settings; skipped when absent, except under CI=true (fails)."""
    shared = Path(get_settings().shared_dir)
    if not (shared / "data").is_dir():
        message = f"public data sets not found under {shared / 'data'}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)  # only outside CI: under CI=true it failed above
    return shared


def churn_table(rows: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A small table with numeric, categorical and missing values and a learnable label."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "bill_change_vs_6m_avg_pct": rng.normal(0, 30, rows),
            "dropped_calls_per_day": rng.poisson(1.0, rows).astype(float),
            "contract_days_left": rng.integers(0, 365, rows).astype(float),
            "tenure_months": rng.integers(1, 120, rows).astype(float),
            "plan": pd.Categorical(rng.choice(["A", "B", "C", "D"], rows)),
            "noise": rng.normal(size=rows),
        }
    )
    X.loc[rng.random(rows) < 0.05, "bill_change_vs_6m_avg_pct"] = np.nan
    logit = (
        -2.0
        + 0.03 * X["bill_change_vs_6m_avg_pct"].fillna(0)
        + 0.6 * X["dropped_calls_per_day"]
        - 0.006 * X["contract_days_left"]
        + 0.8 * (X["plan"] == "D")
    )
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


@pytest.fixture(scope="module")
def small_table() -> tuple[pd.DataFrame, np.ndarray]:
    return churn_table()
