"""Compiled trees score exactly as LightGBM does, and a library is never reused wrongly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.analytics.conftest import churn_table

from weixi.analytics.churn import ChurnModel, load_model
from weixi.analytics.churn.compiled import library_path
from weixi.analytics.churn.model import MODEL_FILE

FAST = {"learning_rate": 0.1, "max_rounds": 60, "early_stopping_rounds": 10, "n_jobs": 1}


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    X, y = churn_table(rows=3000, seed=5)
    out = tmp_path_factory.mktemp("model") / "churn-test"
    ChurnModel(**FAST, random_state=0).fit(X, y).save(out)
    return out, X


def test_compiled_trees_give_lightgbms_margins_categories_and_missing_values_included(
    saved: tuple[Path, pd.DataFrame],
) -> None:
    path, X = saved
    X = X.copy()
    X.iloc[::7, 0] = np.nan  # missing values take the trees' default branches
    plain = load_model(path)
    compiled = load_model(path)
    assert compiled.use_compiled_trees()
    assert any(f.kind == "categorical" for f in compiled.features_)
    np.testing.assert_allclose(
        compiled.decision_function(X), plain.decision_function(X), rtol=0, atol=1e-9
    )
    np.testing.assert_allclose(
        compiled.churn_probability(X), plain.churn_probability(X), rtol=0, atol=1e-12
    )
    assert library_path(path / MODEL_FILE).exists()


def test_a_library_belongs_to_one_model_file(
    saved: tuple[Path, pd.DataFrame], tmp_path: Path
) -> None:
    path, _ = saved
    other = tmp_path / "other"
    other.mkdir()
    text = (path / MODEL_FILE).read_text()
    (other / MODEL_FILE).write_text(text.replace("learning_rate", "learning_rate ", 1))
    assert library_path(other / MODEL_FILE).name != library_path(path / MODEL_FILE).name


def test_a_built_library_is_loaded_again_and_no_partial_file_is_left(
    saved: tuple[Path, pd.DataFrame],
) -> None:
    path, X = saved
    model = load_model(path)
    assert model.use_compiled_trees()
    cache = library_path(path / MODEL_FILE).parent
    assert not list(cache.glob("*.partial"))
    # A library left by an earlier run is loaded, not rebuilt, and scores the same.
    again = load_model(path)
    assert again.use_compiled_trees()
    np.testing.assert_array_equal(again.decision_function(X), model.decision_function(X))
