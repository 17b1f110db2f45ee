"""AUC floors on the three public churn data sets (issue 4), same defaults for all.

Stratified 5-fold CV with seed 0 and the shipped ``ChurnModel`` defaults, exactly what
``weixi model evaluate-public`` runs and docs/model-evaluation.md reports (one LightGBM
thread, which is also the command's default). No faster profile: the floors are asserted
for the model that is shipped. IBM Telco clears its floor (0.85) by only 0.0002 — well
inside one fold's standard deviation (0.012); the docs say so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from weixi.analytics.churn.evaluate import cross_validate
from weixi.analytics.churn.mapping import prepare_table
from weixi.analytics.churn.public_datasets import PUBLIC_DATASETS

SHIPPED = {"n_jobs": 1}  # the defaults with one thread, as `weixi model evaluate-public` runs

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "key",
    ["ibm-telco", "mlc-churn", "iranian-raw", "iranian-dedup"],
)
def test_public_dataset_meets_auc_floor(key: str, public_data_dir: Path) -> None:
    dataset = PUBLIC_DATASETS[key]
    table = prepare_table(dataset.load(public_data_dir), dataset.mapping)
    result = cross_validate(table.X, table.y, n_splits=5, seed=0, params=SHIPPED)
    assert result.mean("auc") >= dataset.auc_floor


def test_iranian_duplicates_are_removed_and_status_is_not_the_label(
    public_data_dir: Path,
) -> None:
    dataset = PUBLIC_DATASETS["iranian-dedup"]
    table = prepare_table(dataset.load(public_data_dir), dataset.mapping)
    assert table.duplicates_removed == 300 and len(table.y) == 2850
    status = table.X["Status"].to_numpy()
    # Non-active customers who stayed and active ones who churned both exist in numbers.
    assert ((status == 2) & (table.y == 0)).sum() > 300
    assert ((status == 1) & (table.y == 1)).sum() > 100


def test_ibm_blank_total_charges_become_missing_numbers(public_data_dir: Path) -> None:
    dataset = PUBLIC_DATASETS["ibm-telco"]
    table = prepare_table(dataset.load(public_data_dir), dataset.mapping)
    assert table.X["TotalCharges"].isna().sum() == 11
    assert "customerID" not in table.X.columns


def test_derived_features_come_from_mapping_roles(public_data_dir: Path) -> None:
    from weixi.analytics.churn.mapping import (
        BILL_TREND_FEATURE,
        LIFETIME_AVG_FEATURE,
        REVENUE_FEATURE,
    )

    ibm = PUBLIC_DATASETS["ibm-telco"]
    X = prepare_table(ibm.load(public_data_dir), ibm.mapping).X
    average = X["TotalCharges"] / X["tenure"]
    ok = X["tenure"] > 0
    assert (X.loc[ok, LIFETIME_AVG_FEATURE] - average[ok]).abs().max() < 1e-9
    ratio = X["MonthlyCharges"] / X[LIFETIME_AVG_FEATURE]
    assert (X[BILL_TREND_FEATURE] - ratio).abs().max() < 1e-9
    assert X.loc[~ok, LIFETIME_AVG_FEATURE].isna().all()  # tenure 0: no history yet
    mlc = PUBLIC_DATASETS["mlc-churn"]
    Xm = prepare_table(mlc.load(public_data_dir), mlc.mapping).X
    parts = Xm[list(mlc.mapping.revenue_columns)].sum(axis=1)
    assert (Xm[REVENUE_FEATURE] - parts).abs().max() < 1e-9
    iranian = PUBLIC_DATASETS["iranian-raw"]  # one revenue column, no bill-trend roles
    Xi = prepare_table(iranian.load(public_data_dir), iranian.mapping).X
    assert REVENUE_FEATURE not in Xi and BILL_TREND_FEATURE not in Xi
