"""Reasons: exact TreeSHAP equals LightGBM's pred_contrib; catalogue phrasing and fallback."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from weixi.analytics.churn import ChurnModel
from weixi.analytics.churn.attribution import (
    agreement,
    build_path_tables,
    exact_treeshap,
    path_contributions,
)
from weixi.analytics.churn.reasons import (
    GENERIC_ACTION,
    AttributionMethod,
    ReasonCatalogue,
    ReasonTemplate,
    contributions,
    default_catalogue,
    explain,
)
from weixi.analytics.churn.treeshap import treeshap

FAST = {"learning_rate": 0.1, "max_rounds": 60, "early_stopping_rounds": 60, "n_jobs": 1}


@pytest.fixture(scope="module")
def model(small_table: tuple[pd.DataFrame, np.ndarray]) -> ChurnModel:
    X, y = small_table
    return ChurnModel(**FAST, min_child_samples=10).fit(X, y)


def test_vectorised_treeshap_equals_lightgbm_pred_contrib_with_missing_and_categories(
    model: ChurnModel, small_table: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = small_table
    matrix = model.encode(X.iloc[:800])
    matrix[::5, 4] = np.nan  # missing category
    matrix[::7, 1] = np.nan
    mine = treeshap(model.booster_, matrix, n_threads=2)
    exact = exact_treeshap(model.booster_, matrix)
    np.testing.assert_allclose(mine, exact, atol=2e-5)
    assert agreement(mine, exact)["set_agreement"] == 1.0


def test_saabas_paths_add_up_to_the_margin(
    model: ChurnModel, small_table: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = small_table
    tables = build_path_tables(model.booster_)
    contrib = path_contributions(model.booster_, model.encode(X.iloc[:300]), tables)
    trees = model.booster_.predict(model.encode(X.iloc[:300]), raw_score=True)
    np.testing.assert_allclose(contrib.sum(axis=1) + tables.bias, trees, atol=1e-4)


def test_reasons_explain_the_whole_margin_additive_base_and_trees(
    model: ChurnModel, small_table: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = small_table
    rows = X.iloc[:400]
    matrix = model.encode(rows)
    assert model.additive_ is not None
    contrib = contributions(model, rows)
    tree_bias = model.booster_.predict(matrix, pred_contrib=True)[:, -1]
    total = contrib.sum(axis=1) + tree_bias + model.additive_.intercept
    np.testing.assert_allclose(total, model.decision_function(rows), atol=1e-4)
    # The additive part is a real share of the explanation, not a constant offset.
    assert np.abs(model.additive_.contributions(matrix)).sum(axis=1).mean() > 0.1


def test_trees_only_model_reasons_are_plain_treeshap(
    small_table: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = small_table
    trees_only = ChurnModel(**FAST, additive_base=False).fit(X, y)
    assert trees_only.additive_ is None
    matrix = trees_only.encode(X.iloc[:100])
    np.testing.assert_allclose(
        contributions(trees_only, X.iloc[:100]),
        exact_treeshap(trees_only.booster_, matrix),
        atol=2e-5,
    )


def test_agreement_counts_sets_and_overlap() -> None:
    a = np.array([[3.0, 2.0, 1.0, 0.0], [3.0, 2.0, 1.0, 0.0]])
    b = np.array([[1.0, 2.0, 3.0, 0.0], [0.0, 2.0, 1.0, 3.0]])
    result = agreement(a, b)
    assert result == {"set_agreement": 0.5, "mean_overlap": pytest.approx(5 / 6)}


def test_explain_gives_top_reasons_in_both_languages_with_action_and_script(
    model: ChurnModel, small_table: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = small_table
    reasons = explain(model, X.iloc[:50], k=3)
    assert len(reasons) == 50
    assert all(len(r) <= 3 and all(x.contribution > 0 for x in r) for r in reasons)
    flat = [x for r in reasons for x in r]
    calls = [x for x in flat if x.feature == "dropped_calls_per_day"]
    assert calls, "the strongest driver should appear among the reasons"
    assert "掉话" in calls[0].text_zh and "dropped calls" in calls[0].text_en
    assert calls[0].action_code == "open_network_ticket"


def test_unknown_feature_gets_generic_phrasing() -> None:
    reason = ReasonCatalogue().render("mystery_metric", 4.0, 0.3)
    assert "mystery_metric" in reason.text_zh and "mystery_metric" in reason.text_en
    assert reason.action_code == GENERIC_ACTION


def test_catalogue_is_pluggable() -> None:
    catalogue = default_catalogue()
    catalogue.register(
        "roaming_days", ReasonTemplate("漫游{value}天", "{value} days roaming", "a", "s")
    )
    reason = catalogue.render("roaming_days", 12.0, 0.2)
    assert reason.text_zh == "漫游12天" and reason.text_en == "12 days roaming"


def test_path_method_is_available_for_comparison(
    model: ChurnModel, small_table: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, _ = small_table
    reasons = explain(model, X.iloc[:5], method=AttributionMethod.PATH)
    assert len(reasons) == 5


def test_leaves_too_deep_for_a_table_are_computed_per_row_exactly(
    model: ChurnModel,
    small_table: tuple[pd.DataFrame, np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from weixi.analytics.churn import treeshap as module

    monkeypatch.setattr(module, "MAX_TABLE_DEPTH", 2)
    X, _ = small_table
    matrix = model.encode(X.iloc[:200])
    np.testing.assert_allclose(
        treeshap(model.booster_, matrix, n_threads=1),
        exact_treeshap(model.booster_, matrix),
        atol=2e-5,
    )


@pytest.mark.parametrize("plan_rows", [1, 2_000, 50_000_000])
def test_every_plan_of_the_kernels_is_exact(
    plan_rows: int, model: ChurnModel, small_table: tuple[pd.DataFrame, np.ndarray]
) -> None:
    """Planned for one row (every leaf per row), for a few thousand (a mix) and for tens of
    millions (shared subtree tables), the values are LightGBM's."""
    from weixi.analytics.churn import shapkernel
    from weixi.analytics.churn import treeshap as module

    kernels = shapkernel.kernels()
    assert kernels is not None, "the LLVM kernels must build on this machine"
    X, _ = small_table
    matrix = model.encode(X.iloc[:300])
    matrix[::6, 2] = np.nan
    got = module._explain(
        kernels, module._forest(model.booster_), matrix, n_threads=2, plan_rows=plan_rows
    )
    np.testing.assert_allclose(got, exact_treeshap(model.booster_, matrix), atol=2e-5)


def test_without_kernels_lightgbm_answers(
    model: ChurnModel,
    small_table: tuple[pd.DataFrame, np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from weixi.analytics.churn import shapkernel

    monkeypatch.setattr(shapkernel, "kernels", lambda: None)
    X, _ = small_table
    matrix = model.encode(X.iloc[:50])
    np.testing.assert_allclose(
        treeshap(model.booster_, matrix), exact_treeshap(model.booster_, matrix), atol=1e-6
    )
