"""Reasons for a churn score: the top-k churn-increasing features, in a manager's words.

Contributions: the model's margin is an additive logistic base plus boosted trees
(``model.py``); each feature's contribution is its additive term (exact) plus its
contribution in the trees. For the trees, ``method="exact"`` (default) is exact
path-dependent TreeSHAP, the same values as LightGBM's ``pred_contrib``, computed by
the vectorised per-leaf pattern tables of ``treeshap.py`` (10–15× faster on 2 cores);
``method="path"`` is Saabas path attribution (``attribution.py``), faster still but
measured to agree with TreeSHAP's top-3 on only about half the rows
(docs/model-evaluation.md), so it is not the default.

Each reason feature is turned into text by a ``ReasonCatalogue``: feature name →
Chinese and English templates (``{value}`` is the row's value), a recommended action
code and a callback script code. Unknown features get a generic phrasing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from weixi.analytics.churn.attribution import path_contributions, top_k
from weixi.analytics.churn.model import ChurnModel
from weixi.analytics.churn.treeshap import treeshap

GENERIC_ACTION = "review_account"
GENERIC_SCRIPT = "retention_general"


class AttributionMethod(StrEnum):
    EXACT = "exact"
    PATH = "path"


@dataclass(frozen=True)
class ReasonTemplate:
    """How one feature reads as a reason, and what to do about it."""

    zh: str
    en: str
    action_code: str
    script_code: str


@dataclass(frozen=True)
class Reason:
    """One reason on one row."""

    feature: str
    value: object
    contribution: float
    text_zh: str
    text_en: str
    action_code: str
    script_code: str


@dataclass
class ReasonCatalogue:
    """Pluggable feature → template map with a generic fallback for unknown features."""

    templates: dict[str, ReasonTemplate] = field(default_factory=dict)

    def register(self, feature: str, template: ReasonTemplate) -> None:
        self.templates[feature] = template

    def render(self, feature: str, value: object, contribution: float) -> Reason:
        template = self.templates.get(feature)
        shown = _format_value(value)
        if template is None:
            return Reason(
                feature,
                value,
                contribution,
                f"“{feature}”当前为{shown}，推高了离网风险",
                f"“{feature}” is {shown}, which raises the churn risk",
                GENERIC_ACTION,
                GENERIC_SCRIPT,
            )
        return Reason(
            feature,
            value,
            contribution,
            template.zh.format(value=shown),
            template.en.format(value=shown),
            template.action_code,
            template.script_code,
        )


def default_catalogue() -> ReasonCatalogue:
    """Templates for the feature catalogue's common churn drivers."""
    t = ReasonTemplate
    return ReasonCatalogue(
        {
            "bill_change_vs_6m_avg_pct": t(
                "账单较6个月均值上涨{value}%",
                "bill up {value}% on the 6-month average",
                "offer_plan_review",
                "bill_shock",
            ),
            "dropped_calls_per_day": t(
                "每天掉话{value}次",
                "{value} dropped calls a day",
                "open_network_ticket",
                "network_quality",
            ),
            "contract_days_left": t(
                "合约{value}天后到期",
                "contract ends in {value} days",
                "offer_renewal",
                "contract_renewal",
            ),
            "complaints_unresolved_90d": t(
                "近90天有{value}件投诉未解决",
                "{value} unresolved complaints in 90 days",
                "escalate_complaint",
                "complaint_follow_up",
            ),
            "arrears_amount": t(
                "欠费{value}元", "arrears of {value} yuan", "arrange_payment", "arrears"
            ),
            "tenure_months": t(
                "在网{value}个月", "{value} months with us", "welcome_care", "onboarding_care"
            ),
        }
    )


def explain(
    model: ChurnModel,
    X: pd.DataFrame,
    *,
    k: int = 3,
    catalogue: ReasonCatalogue | None = None,
    method: AttributionMethod = AttributionMethod.EXACT,
) -> list[list[Reason]]:
    """Top-``k`` churn-increasing reasons per row (only features that raise the score)."""
    catalogue = catalogue or default_catalogue()
    contrib = contributions(model, X, method=method)
    best = top_k(contrib, k)
    names = [str(n) for n in model.feature_names_in_]
    columns = [X[name].to_numpy(dtype=object) for name in names]  # no per-row pandas access
    out: list[list[Reason]] = []
    for row, idx in enumerate(best):
        reasons = []
        for j in idx:
            value = float(contrib[row, j])
            if value <= 0.0:
                break
            reasons.append(catalogue.render(names[j], columns[j][row], value))
        out.append(reasons)
    return out


def contributions(
    model: ChurnModel,
    X: pd.DataFrame,
    *,
    method: AttributionMethod = AttributionMethod.EXACT,
    n_threads: int = 2,
) -> NDArray[np.float32]:
    """Per-row, per-feature contributions to the raw margin (rows × features).

    The margin is the additive base's log-odds plus the trees' (``model.py``), so a
    feature's contribution is its additive term (exact, ``additive.py``) plus its
    TreeSHAP value in the trees; both parts are explained, nothing is left out.
    """
    matrix = model.encode(X)
    if AttributionMethod(method) is AttributionMethod.PATH:
        trees = path_contributions(model.booster_, matrix).astype(np.float32)
    else:
        trees = treeshap(model.booster_, matrix, n_threads=n_threads)
    base = getattr(model, "additive_", None)
    if base is not None:
        trees += base.contributions(matrix).astype(np.float32)
    return trees


def _format_value(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "缺失/missing"
    if isinstance(value, float | np.floating):
        return f"{float(value):.0f}" if float(value).is_integer() else f"{float(value):.1f}"
    return str(value)
