"""Train and evaluate on any labelled customer table through a column mapping.

A ``ColumnMapping`` says which column identifies the customer, which holds the label
and which of its values mean "churned", which columns to drop (leakage, free text),
and optionally which column(s) carry monthly revenue. Everything else is inferred the
same way for every table, so no data set gets its own treatment:

* column names are stripped and runs of whitespace collapsed (``"Call  Failure"``);
* text columns whose non-blank values are (almost) all numbers become numeric, blanks
  becoming missing (IBM's ``TotalCharges``);
* remaining text columns become categorical, unless they look like identifiers
  (nearly one distinct value per row), which are dropped and reported.

Derived features, declared by mapping roles rather than by data set:

* **Bill trend.** When the mapping names a ``tenure_column`` (months with the operator),
  a ``lifetime_charges_column`` (everything billed so far) and a ``monthly_charge_column``
  (the current monthly charge), two features are added: ``lifetime_avg_monthly_charge``
  = lifetime charges / tenure, and ``charge_vs_lifetime_avg`` = current monthly charge /
  that average (missing where tenure or the average is not positive). This is the "bill
  against its own history" signal the nightly feature catalogue computes for operators
  (``bill_change_vs_6m_avg_pct``), for tables that only carry a lifetime total.
* **Total revenue.** When the mapping
names **two or more revenue columns** (revenue billed in parts: day, evening, night and
international charges; voice, data and roaming), their row sum is added as the feature
``revenue_total`` (``revenue_feature = false`` turns this off). A customer's total bill
is a standard churn driver, and trees cannot add columns up: they would approximate
the sum by many splits. With a single revenue column nothing is added (it already is a
feature). The parts stay features too. This is the same quantity the evaluation uses
as monthly revenue.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from weixi.analytics.churn.model import ChurnModel
from weixi.errors import ImportFailed, ValidationFailed

LIFETIME_AVG_FEATURE = "lifetime_avg_monthly_charge"
BILL_TREND_FEATURE = "charge_vs_lifetime_avg"
REVENUE_FEATURE = "revenue_total"  # sum of two or more mapped revenue columns
NUMERIC_SHARE = 0.95  # share of non-blank values that must parse for a text column to be numeric
IDENTIFIER_SHARE = 0.5  # distinct values per row above which a text column is an identifier


@dataclass(frozen=True)
class ColumnMapping:
    """How a labelled customer table maps onto features and a churn label."""

    label_column: str
    churn_values: tuple[str, ...]
    id_column: str | None = None
    drop_columns: tuple[str, ...] = ()
    revenue_columns: tuple[str, ...] = ()
    deduplicate: bool = False
    revenue_feature: bool = True
    tenure_column: str | None = None
    lifetime_charges_column: str | None = None
    monthly_charge_column: str | None = None
    notes: str = ""

    def bill_trend_columns(self) -> tuple[str, str, str] | None:
        """(tenure, lifetime charges, monthly charge) when all three roles are declared."""
        roles = (self.tenure_column, self.lifetime_charges_column, self.monthly_charge_column)
        if any(r is None for r in roles):
            return None
        return tuple(normalise_name(r) for r in roles)  # type: ignore[return-value]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnMapping:
        section = data.get("mapping", data)
        try:
            return cls(
                label_column=str(section["label_column"]),
                churn_values=tuple(str(v) for v in section["churn_values"]),
                id_column=section.get("id_column"),
                drop_columns=tuple(section.get("drop_columns", ())),
                revenue_columns=tuple(section.get("revenue_columns", ())),
                deduplicate=bool(section.get("deduplicate", False)),
                revenue_feature=bool(section.get("revenue_feature", True)),
                tenure_column=section.get("tenure_column"),
                lifetime_charges_column=section.get("lifetime_charges_column"),
                monthly_charge_column=section.get("monthly_charge_column"),
                notes=str(section.get("notes", "")),
            )
        except KeyError as exc:
            raise ValidationFailed("mapping lacks a required key", key=str(exc)) from exc

    @classmethod
    def from_toml(cls, path: str | Path) -> ColumnMapping:
        """Read a mapping file (keys at top level or under ``[mapping]``)."""
        with open(path, "rb") as fh:
            return cls.from_dict(tomllib.load(fh))


@dataclass
class PreparedTable:
    """Model-ready features, labels and side columns of one labelled table."""

    X: pd.DataFrame
    y: NDArray[np.int_]
    ids: pd.Series | None
    revenue: NDArray[np.float64] | None
    dropped: dict[str, str] = field(default_factory=dict)
    duplicates_removed: int = 0


def normalise_name(name: object) -> str:
    """Strip and collapse whitespace in a column name."""
    return " ".join(str(name).split())


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV or Parquet file, every CSV column as text (typing is done later)."""
    src = Path(path)
    if not src.exists():
        raise ImportFailed("table file not found", path=str(src))
    if src.suffix.lower() in {".parquet", ".pq"}:
        return pd.read_parquet(src)
    return pd.read_csv(src, dtype=str, keep_default_na=False)


def prepare_table(frame: pd.DataFrame, mapping: ColumnMapping) -> PreparedTable:
    """Features, 0/1 labels, ids and revenue for ``frame`` under ``mapping``."""
    frame = frame.rename(columns=normalise_name)
    wanted = [mapping.label_column, *mapping.drop_columns, *mapping.revenue_columns]
    wanted += list(mapping.bill_trend_columns() or ())
    if mapping.id_column:
        wanted.append(mapping.id_column)
    absent = [normalise_name(c) for c in wanted if normalise_name(c) not in frame.columns]
    if absent:
        raise ValidationFailed("mapped columns not in the table", columns=absent)
    removed = 0
    if mapping.deduplicate:
        content = [c for c in frame.columns if c != normalise_name(mapping.id_column or "")]
        before = len(frame)
        frame = frame.drop_duplicates(subset=content).reset_index(drop=True)
        removed = before - len(frame)
    y = _labels(frame[normalise_name(mapping.label_column)], mapping.churn_values)
    ids = frame[normalise_name(mapping.id_column)] if mapping.id_column else None
    revenue = _revenue(frame, mapping.revenue_columns)
    not_features = {normalise_name(c) for c in (mapping.label_column, *mapping.drop_columns)}
    if mapping.id_column:
        not_features.add(normalise_name(mapping.id_column))
    X, dropped = infer_feature_frame(frame[[c for c in frame.columns if c not in not_features]])
    if mapping.revenue_feature and len(mapping.revenue_columns) >= 2 and REVENUE_FEATURE not in X:
        X = X.assign(**{REVENUE_FEATURE: _revenue_sum(frame, mapping.revenue_columns)})
    trend = mapping.bill_trend_columns()
    if trend is not None:
        X = X.assign(**_bill_trend(frame, *trend))
    dropped.update({normalise_name(c): "dropped by mapping" for c in mapping.drop_columns})
    return PreparedTable(X, y, ids, revenue, dropped, removed)


def infer_feature_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Type every column the same way: numbers, categories, or dropped identifiers."""
    out: dict[str, pd.Series] = {}
    dropped: dict[str, str] = {}
    rows = max(len(frame), 1)
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_bool_dtype(col):
            out[name] = col.astype(float)
            continue
        if pd.api.types.is_numeric_dtype(col) or isinstance(col.dtype, pd.CategoricalDtype):
            out[name] = col
            continue
        text = col.astype("string").str.strip().replace("", pd.NA)
        numbers = pd.to_numeric(text, errors="coerce")
        present = int(text.notna().sum())
        if present and numbers.notna().sum() >= NUMERIC_SHARE * present:
            out[name] = numbers.astype(float)
        elif text.nunique(dropna=True) > IDENTIFIER_SHARE * rows and rows > 50:
            dropped[name] = "identifier-like text (nearly one value per row)"
        else:
            out[name] = text.astype("category")
    return pd.DataFrame(out, index=frame.index), dropped


def fit_churn_model(
    frame: pd.DataFrame,
    mapping: ColumnMapping,
    *,
    model: ChurnModel | None = None,
    training_window: tuple[str, str] | None = None,
) -> tuple[ChurnModel, PreparedTable]:
    """Fit a churn model on a labelled table; returns the model and the prepared table."""
    table = prepare_table(frame, mapping)
    estimator = model if model is not None else ChurnModel()
    estimator.fit(table.X, table.y, training_window=training_window)
    return estimator, table


def _labels(col: pd.Series, churn_values: tuple[str, ...]) -> NDArray[np.int_]:
    text = col.astype("string").str.strip()
    if text.isna().any() or (text == "").any():
        raise ValidationFailed("label column has missing values", missing=int(text.isna().sum()))
    wanted = {_canonical(v) for v in churn_values}
    return np.asarray([_canonical(v) in wanted for v in text], dtype=np.int_)


def _canonical(value: object) -> str:
    text = str(value).strip().lower()
    try:
        number = float(text)
    except ValueError:
        return text
    return repr(number)


def _revenue(frame: pd.DataFrame, columns: tuple[str, ...]) -> NDArray[np.float64] | None:
    if not columns:
        return None
    total = np.zeros(len(frame))
    for c in columns:
        values = pd.to_numeric(frame[normalise_name(c)], errors="coerce").to_numpy(dtype=float)
        total += np.nan_to_num(values, nan=0.0)
    return total


def _revenue_sum(frame: pd.DataFrame, columns: tuple[str, ...]) -> NDArray[np.float64]:
    """Row sum of the revenue columns; missing only where every part is missing."""
    parts = pd.DataFrame(
        {c: pd.to_numeric(frame[normalise_name(c)], errors="coerce") for c in columns}
    )
    return parts.sum(axis=1, min_count=1).to_numpy(dtype=float)


def _bill_trend(
    frame: pd.DataFrame, tenure: str, lifetime: str, monthly: str
) -> dict[str, NDArray[np.float64]]:
    """Lifetime-average monthly charge and the current charge relative to it."""

    def number(c: str) -> NDArray[np.float64]:
        return pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)

    months, total, current = number(tenure), number(lifetime), number(monthly)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = np.where(months > 0, total / months, np.nan)
        ratio = np.where(average > 0, current / average, np.nan)
    return {LIFETIME_AVG_FEATURE: average, BILL_TREND_FEATURE: ratio}
