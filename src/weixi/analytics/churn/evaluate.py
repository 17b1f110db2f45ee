"""Evaluation of churn scores: ranking, calibration, value, cross-validation, time splits.

Expected retained revenue at a contact capacity ``k``: the ``k`` customers with the
highest ``probability × monthly revenue`` are contacted, and each is worth
``probability × monthly revenue × save_rate``. ``save_rate`` (default 0.25) is an
*assumption* — the share of contacted would-be churners a retention call keeps — to be
replaced by the rate the control group measures (issue 4, step 6). On labelled test
rows the *realised* counterpart (``churned × revenue × save_rate`` over the same ``k``)
is reported next to it, which also checks that calibrated probabilities add up.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from weixi.analytics.churn.model import ChurnModel

DEFAULT_SAVE_RATE = 0.25
DEFAULT_SEED = 0


def top_fraction_lift(y: NDArray[Any], p: NDArray[Any], fraction: float = 0.1) -> float:
    """Churn rate among the top ``fraction`` by score divided by the overall churn rate."""
    y = np.asarray(y, dtype=float)
    k = max(1, round(fraction * len(y)))
    order = np.argsort(-np.asarray(p, dtype=float), kind="stable")
    base = y.mean()
    return float(y[order[:k]].mean() / base) if base > 0 else float("nan")


def reliability_table(y: NDArray[Any], p: NDArray[Any], bins: int = 10) -> pd.DataFrame:
    """Equal-width probability bins: rows, mean predicted and observed churn rate."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        rows.append(
            {
                "bin": f"{edges[b]:.1f}–{edges[b + 1]:.1f}",
                "rows": n,
                "mean_predicted": float(p[mask].mean()) if n else float("nan"),
                "observed_rate": float(y[mask].mean()) if n else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def expected_calibration_error(y: NDArray[Any], p: NDArray[Any], bins: int = 10) -> float:
    """Row-weighted mean |observed − predicted| over the reliability bins."""
    table = reliability_table(y, p, bins).dropna()
    weights = table["rows"] / table["rows"].sum()
    return float((weights * (table["observed_rate"] - table["mean_predicted"]).abs()).sum())


def expected_retained_revenue(
    p: NDArray[Any],
    revenue: NDArray[Any],
    capacity: int,
    *,
    save_rate: float = DEFAULT_SAVE_RATE,
    y: NDArray[Any] | None = None,
) -> dict[str, float]:
    """Value of contacting the ``capacity`` customers with the highest expected loss."""
    p = np.asarray(p, dtype=float)
    revenue = np.nan_to_num(np.asarray(revenue, dtype=float))
    value = p * revenue
    chosen = np.argsort(-value, kind="stable")[: max(0, capacity)]
    out = {
        "capacity": float(len(chosen)),
        "save_rate": save_rate,
        "expected": float(value[chosen].sum() * save_rate),
    }
    if y is not None:
        out["realised"] = float((np.asarray(y, float)[chosen] * revenue[chosen]).sum() * save_rate)
    return out


def score_metrics(y: NDArray[Any], p: NDArray[Any]) -> dict[str, float]:
    """AUC, PR-AUC, top-decile lift, Brier score and ECE of calibrated probabilities."""
    return {
        "auc": float(roc_auc_score(y, p)),
        "pr_auc": float(average_precision_score(y, p)),
        "top_decile_lift": top_fraction_lift(y, p, 0.1),
        "brier": float(brier_score_loss(y, p)),
        "ece": expected_calibration_error(y, p),
    }


@dataclass
class CvResult:
    """Per-fold metrics and pooled out-of-fold probabilities of a cross-validation."""

    folds: list[dict[str, float]]
    oof: NDArray[np.float64]
    y: NDArray[np.int_]
    revenue: NDArray[np.float64] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def mean(self, metric: str) -> float:
        return float(np.mean([f[metric] for f in self.folds]))

    def std(self, metric: str) -> float:
        return float(np.std([f[metric] for f in self.folds]))

    def pooled(self) -> dict[str, float]:
        return score_metrics(self.y, self.oof)

    def retained_revenue(self, capacity_fraction: float = 0.1) -> dict[str, float]:
        revenue = self.revenue if self.revenue is not None else np.ones(len(self.y))
        capacity = round(capacity_fraction * len(self.y))
        return expected_retained_revenue(self.oof, revenue, capacity, y=self.y)


def cross_validate(
    X: pd.DataFrame,
    y: NDArray[np.int_],
    *,
    n_splits: int = 5,
    seed: int = DEFAULT_SEED,
    params: dict[str, Any] | None = None,
    revenue: NDArray[np.float64] | None = None,
) -> CvResult:
    """Stratified k-fold CV with a fixed seed; the same ``ChurnModel`` params in every fold."""
    y = np.asarray(y, dtype=np.int_)
    oof = np.zeros(len(y))
    folds = []
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(np.zeros(len(y)), y):
        model = ChurnModel(**(params or {}))
        model.fit(X.iloc[train_idx], y[train_idx])
        p = model.churn_probability(X.iloc[test_idx])
        oof[test_idx] = p
        folds.append(score_metrics(y[test_idx], p) | {"rounds": float(model.n_rounds_)})
    return CvResult(folds, oof, y, revenue)


@dataclass(frozen=True)
class TimeSplit:
    """Row positions for training and validation, and the periods each covers."""

    train_index: NDArray[np.int_]
    valid_index: NDArray[np.int_]
    train_periods: tuple[Hashable, ...]
    valid_periods: tuple[Hashable, ...]


def time_based_split(
    frame: pd.DataFrame,
    *,
    period_column: str,
    horizon: int = 1,
    valid_periods: int = 1,
    churn_period_column: str | None = None,
) -> TimeSplit:
    """Train on earlier snapshot periods, validate on the latest, without look-ahead.

    Each row is a customer's snapshot at the end of a period (e.g. a month) whose label
    says whether they churn within the next ``horizon`` periods. A training snapshot is
    only usable if its whole label window closes before the first validation period
    (``index(p) + horizon <= index(first validation period)``); otherwise training would
    use churn that happens during validation. Snapshots taken at or after a customer's
    churn period (``churn_period_column``) are dropped everywhere: they describe a
    customer who has already left.
    """
    periods: Sequence[Hashable] = sorted(frame[period_column].dropna().unique())
    if len(periods) < valid_periods + horizon:
        raise ValueError("not enough periods for this horizon and validation length")
    rank = {p: i for i, p in enumerate(periods)}
    pos = frame[period_column].map(rank).to_numpy(dtype=float)
    first_valid = len(periods) - valid_periods
    alive = np.ones(len(frame), dtype=bool)
    if churn_period_column is not None:
        churned = frame[churn_period_column]
        alive = (churned.isna() | (frame[period_column] < churned)).to_numpy(dtype=bool)
    train = alive & (pos + horizon <= first_valid)
    valid = alive & (pos >= first_valid)
    return TimeSplit(
        np.flatnonzero(train),
        np.flatnonzero(valid),
        tuple(p for p in periods if rank[p] + horizon <= first_valid),
        tuple(periods[first_valid:]),
    )
