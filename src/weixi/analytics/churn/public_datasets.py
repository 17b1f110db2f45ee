"""Column mappings for the three public churn data sets under ``shared_dir/data``.

Only the mapping differs between them (id, label, churn values, revenue columns, and
the bill-trend roles where a table has them: IBM's ``tenure``, ``TotalCharges`` and
``MonthlyCharges``); the model, its hyper-parameters and the feature typing are the same
for all three.

Iranian churn, ``Status``: the UCI description says every attribute except ``Churn``
aggregates the first 9 months and ``Churn`` is the state at the end of month 12, so
``Status`` (1 active / 2 non-active) is measured *before* the label. It is also not a
restatement of the label in the data: of 2,368 "active" customers 125 churned, and of
782 "non-active" ones 412 did not. It is therefore kept as a feature; the evaluation
reports a sensitivity variant without it (``iranian-dedup-no-status``) so a reader can
see how much of the score it carries. The raw file holds 300 exact duplicate rows, which
random CV folds can put on both sides of a split; both the raw and the de-duplicated
(2,850 rows) results are reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from weixi.analytics.churn.mapping import ColumnMapping, read_table
from weixi.config import get_settings


@dataclass(frozen=True)
class PublicDataset:
    """A public labelled table and its mapping."""

    key: str
    title: str
    relative_path: str
    mapping: ColumnMapping
    auc_floor: float

    def path(self, shared_dir: Path | None = None) -> Path:
        base = shared_dir if shared_dir is not None else get_settings().shared_dir
        return Path(base) / "data" / self.relative_path

    def load(self, shared_dir: Path | None = None) -> pd.DataFrame:
        return read_table(self.path(shared_dir))


_IRANIAN = "iranian-churn/Customer_Churn.csv"
_IRANIAN_MAPPING = ColumnMapping(
    label_column="Churn", churn_values=("1",), revenue_columns=("Customer Value",)
)

PUBLIC_DATASETS: dict[str, PublicDataset] = {
    d.key: d
    for d in (
        PublicDataset(
            "ibm-telco",
            "IBM Telco Customer Churn",
            "ibm-telco/WA_Fn-UseC_-Telco-Customer-Churn.csv",
            ColumnMapping(
                label_column="Churn",
                churn_values=("Yes",),
                id_column="customerID",
                revenue_columns=("MonthlyCharges",),
                tenure_column="tenure",
                lifetime_charges_column="TotalCharges",
                monthly_charge_column="MonthlyCharges",
            ),
            0.85,
        ),
        PublicDataset(
            "mlc-churn",
            "MLC++ churn (synthetic)",
            "mlc-churn/mlc_churn.csv",
            ColumnMapping(
                label_column="churn",
                churn_values=("yes",),
                revenue_columns=(
                    "total_day_charge",
                    "total_eve_charge",
                    "total_night_charge",
                    "total_intl_charge",
                ),
            ),
            0.92,
        ),
        PublicDataset("iranian-raw", "Iranian churn, raw file", _IRANIAN, _IRANIAN_MAPPING, 0.98),
        PublicDataset(
            "iranian-dedup",
            "Iranian churn, 300 duplicate rows removed",
            _IRANIAN,
            ColumnMapping(
                label_column="Churn",
                churn_values=("1",),
                revenue_columns=("Customer Value",),
                deduplicate=True,
            ),
            0.98,
        ),
        PublicDataset(
            "iranian-dedup-no-status",
            "Iranian churn, de-duplicated, without Status (sensitivity)",
            _IRANIAN,
            ColumnMapping(
                label_column="Churn",
                churn_values=("1",),
                drop_columns=("Status",),
                revenue_columns=("Customer Value",),
                deduplicate=True,
            ),
            0.0,
        ),
    )
}
