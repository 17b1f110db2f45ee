"""ChurnModel: the scikit-learn contract, calibration, the artefact, metrics and time splits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from tests.analytics.conftest import churn_table

from weixi.analytics.churn import ChurnModel, load_model
from weixi.analytics.churn.calibration import CalibrationMethod, choose_method
from weixi.analytics.churn.evaluate import (
    expected_calibration_error,
    expected_retained_revenue,
    reliability_table,
    time_based_split,
    top_fraction_lift,
)
from weixi.analytics.churn.mapping import ColumnMapping, fit_churn_model, prepare_table
from weixi.errors import ValidationFailed

FAST = {"learning_rate": 0.1, "max_rounds": 200, "early_stopping_rounds": 20, "n_jobs": 1}


@pytest.fixture(scope="module")
def fitted(small_table: tuple[pd.DataFrame, np.ndarray]) -> ChurnModel:
    X, y = small_table
    return ChurnModel(**FAST).fit(X, y, training_window=("2026-01", "2026-06"))


def test_init_only_stores_parameters_and_clone_round_trips() -> None:
    model = ChurnModel(num_leaves=31, random_state=7)
    assert model.get_params()["num_leaves"] == 31
    assert clone(model).get_params() == model.get_params()
    assert not [k for k in vars(model) if k.endswith("_")]


def test_fit_returns_self_with_learned_attributes_ending_in_underscore(
    small_table: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = small_table
    model = ChurnModel(**FAST)
    assert model.fit(X, y) is model
    learned = [k for k in vars(model) if k.endswith("_")]
    assert {"booster_", "calibrator_", "features_", "n_features_in_", "classes_"} <= set(learned)


def test_probabilities_are_calibrated_and_rank_well(
    fitted: ChurnModel, small_table: tuple[pd.DataFrame, np.ndarray]
) -> None:
    X, y = churn_table(rows=3000, seed=1)
    proba = fitted.predict_proba(X)
    assert proba.shape == (len(X), 2)
    assert np.all((proba >= 0) & (proba <= 1))
    assert abs(proba[:, 1].mean() - y.mean()) < 0.03
    assert expected_calibration_error(y, proba[:, 1]) < 0.05


def test_same_random_state_gives_identical_models(
    small_table: tuple[pd.DataFrame, np.ndarray],
) -> None:
    X, y = small_table
    a = ChurnModel(**FAST, random_state=3).fit(X, y).churn_probability(X)
    b = ChurnModel(**FAST, random_state=3).fit(X, y).churn_probability(X)
    np.testing.assert_array_equal(a, b)


def test_unseen_category_is_scored_as_missing_not_an_error(fitted: ChurnModel) -> None:
    X, _ = churn_table(rows=10, seed=2)
    X["plan"] = X["plan"].astype(str)
    X.loc[0, "plan"] = "never-seen"
    assert np.isfinite(fitted.churn_probability(X)).all()


def test_categories_encode_as_training_codes_unseen_and_missing_as_nan(
    fitted: ChurnModel,
) -> None:
    X, _ = churn_table(rows=200, seed=5)
    spec = next(f for f in fitted.features_ if f.kind == "categorical")
    values = X[spec.name].astype(object).to_numpy().copy()
    values[:3] = ["never-seen", None, np.nan]
    X[spec.name] = values
    column = [f.name for f in fitted.features_].index(spec.name)
    encoded = fitted.encode(X)[:, column]
    lookup = {c: float(k) for k, c in enumerate(spec.categories)}
    expected = [np.nan if pd.isna(v) else lookup.get(str(v), np.nan) for v in values]
    np.testing.assert_array_equal(encoded, np.asarray(expected))
    assert np.isnan(encoded[:3]).all() and not np.isnan(encoded[3:]).all()


def test_fit_rejects_bad_labels(small_table: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = small_table
    with pytest.raises(ValidationFailed):
        ChurnModel(**FAST).fit(X, np.zeros_like(y))
    with pytest.raises(ValidationFailed):
        ChurnModel(**FAST).fit(X, y[:-1])


def test_artefact_round_trip_keeps_predictions_and_metadata(
    fitted: ChurnModel, tmp_path: Path
) -> None:
    X, _ = churn_table(rows=500, seed=3)
    fitted.save(tmp_path / "m")
    assert (tmp_path / "m" / "model.txt").read_text().startswith("tree")
    loaded = load_model(tmp_path / "m")
    np.testing.assert_allclose(loaded.churn_probability(X), fitted.churn_probability(X))
    meta = loaded.metadata_
    assert meta["training_window"] == ["2026-01", "2026-06"]
    assert {f["name"] for f in meta["features"]} == set(X.columns)
    assert {"lightgbm", "scikit-learn", "numpy", "pandas"} <= set(meta["libraries"])
    assert len(meta["data_fingerprint"]) == 64 and "holdout" in meta["metrics"]
    assert meta["trained_at"].endswith("+00:00")


def test_trained_at_is_injected(small_table: tuple[pd.DataFrame, np.ndarray]) -> None:
    X, y = small_table
    at = datetime(2026, 3, 1, tzinfo=UTC)
    model = ChurnModel(**FAST).fit(X, y, trained_at=at)
    assert model.metadata_["trained_at"] == "2026-03-01T00:00:00+00:00"


def test_isotonic_needs_a_thousand_held_out_churners_else_platt() -> None:
    few = np.array([1] * 200 + [0] * 5000)
    many = np.array([1] * 1000 + [0] * 5000)
    assert choose_method("auto", few) is CalibrationMethod.PLATT
    assert choose_method("auto", many) is CalibrationMethod.ISOTONIC
    assert choose_method("isotonic", few) is CalibrationMethod.ISOTONIC


def test_mapping_coerces_blank_numbers_drops_ids_and_maps_labels() -> None:
    frame = pd.DataFrame(
        {
            "id": [f"c{i}" for i in range(100)],
            "Total  Charges": ["", *[str(i * 1.5) for i in range(99)]],
            "plan": ["x", "y"] * 50,
            "free_text": [f"note {i}" for i in range(100)],
            "leak": range(100),
            "Churn": ["Yes", "No", "no ", "YES"] * 25,
        }
    )
    mapping = ColumnMapping(
        label_column="Churn", churn_values=("yes",), id_column="id", drop_columns=("leak",)
    )
    table = prepare_table(frame, mapping)
    assert list(table.X.columns) == ["Total Charges", "plan"]
    assert table.X["Total Charges"].isna().sum() == 1
    assert isinstance(table.X["plan"].dtype, pd.CategoricalDtype)
    assert table.y.tolist()[:4] == [1, 0, 0, 1]
    assert "free_text" in table.dropped and "leak" in table.dropped


def test_mapping_from_toml_and_fit(tmp_path: Path) -> None:
    X, y = churn_table(rows=1500, seed=4)
    frame = X.assign(customer=[f"c{i}" for i in range(len(X))], left=np.where(y == 1, "1", "0"))
    toml = tmp_path / "m.toml"
    toml.write_text(
        '[mapping]\nlabel_column = "left"\nchurn_values = [1]\nid_column = "customer"\n'
    )
    model, table = fit_churn_model(frame, ColumnMapping.from_toml(toml), model=ChurnModel(**FAST))
    assert table.y.sum() == y.sum()
    assert "customer" not in model.feature_names_in_


def test_top_decile_lift_and_reliability() -> None:
    y = np.array([1] * 10 + [0] * 90)
    perfect = np.linspace(1, 0, 100)
    assert top_fraction_lift(y, perfect, 0.1) == pytest.approx(10.0)
    table = reliability_table(y, np.full(100, 0.1))
    assert table["rows"].sum() == 100
    assert expected_calibration_error(y, np.full(100, 0.1)) == pytest.approx(0.0)


def test_expected_retained_revenue_contacts_highest_expected_loss() -> None:
    p = np.array([0.9, 0.5, 0.1])
    revenue = np.array([10.0, 100.0, 1000.0])
    value = expected_retained_revenue(p, revenue, 2, save_rate=0.5, y=np.array([1, 0, 1]))
    assert value["expected"] == pytest.approx((50 + 100) * 0.5)
    assert value["realised"] == pytest.approx(1000 * 0.5)


def test_time_split_trains_only_on_labels_closed_before_validation() -> None:
    frame = pd.DataFrame(
        {
            "month": ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-03"],
            "churned_in": [None, None, None, None, None, "2026-02"],
        }
    )
    split = time_based_split(
        frame, period_column="month", horizon=2, churn_period_column="churned_in"
    )
    assert split.valid_periods == ("2026-05",)
    assert split.train_periods == ("2026-01", "2026-02", "2026-03")
    assert split.train_index.tolist() == [0, 1, 2]  # row 5 is after its customer churned
    assert split.valid_index.tolist() == [4]


def test_cli_train_then_evaluate_a_csv_with_a_toml_mapping(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from weixi.cli.model import app

    X, y = churn_table(rows=1200, seed=5)
    X.assign(customer=[f"c{i}" for i in range(len(X))], churned=y).to_csv(
        tmp_path / "t.csv", index=False
    )
    (tmp_path / "m.toml").write_text(
        'label_column = "churned"\nchurn_values = [1]\nid_column = "customer"\n'
        'revenue_columns = ["tenure_months"]\n'
    )
    runner = CliRunner()
    args = [str(tmp_path / "t.csv"), "--mapping", str(tmp_path / "m.toml")]
    trained = runner.invoke(app, ["train", *args, "--out", str(tmp_path / "model")])
    assert trained.exit_code == 0, trained.output
    assert (tmp_path / "model" / "metadata.json").exists()
    evaluated = runner.invoke(app, ["evaluate", *args, "--model", str(tmp_path / "model")])
    assert evaluated.exit_code == 0, evaluated.output
    assert '"auc"' in evaluated.output and '"expected"' in evaluated.output


def test_additive_base_learns_smooth_effects_and_adds_up() -> None:
    from weixi.analytics.churn.additive import fit_additive

    rng = np.random.default_rng(0)
    n = 4000
    x = rng.uniform(0, 10, n)
    cat = rng.integers(0, 3, n).astype(float)
    const = np.full(n, 7.0)
    empty = np.full(n, np.nan)
    x_missing = np.where(rng.random(n) < 0.1, np.nan, x)
    logit = np.where(x < 5, -2.0, -2.0 + 0.8 * (x - 5)) + (cat == 2) * 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = np.column_stack([x_missing, cat, const, empty])
    base = fit_additive(X, y, ["numeric", "categorical", "numeric", "numeric"])
    contrib = base.contributions(X)
    np.testing.assert_allclose(contrib.sum(axis=1) + base.intercept, base.margin(X))
    assert np.all(contrib[:, 2:] == 0.0)  # constant and empty columns carry nothing
    # The hinge basis bends where the effect bends: flat below 5, rising above.
    grid = np.column_stack([np.linspace(0, 10, 11), np.zeros(11), np.full(11, 7.0), empty[:11]])
    curve = base.contributions(grid)[:, 0]
    assert abs(curve[4] - curve[0]) < 0.6 and curve[10] - curve[5] > 2.5
    # Unseen category and missing value score as the reference / imputed median.
    odd = np.array([[np.nan, 9.0, 7.0, np.nan]])
    assert np.isfinite(base.margin(odd)).all()


def test_additive_base_round_trips_through_json_and_artefact(
    fitted: ChurnModel, tmp_path: Path
) -> None:
    from weixi.analytics.churn.additive import AdditiveLogit

    assert fitted.additive_ is not None
    again = AdditiveLogit.from_json(fitted.additive_.to_json())
    X, _ = churn_table(rows=200, seed=6)
    matrix = fitted.encode(X)
    np.testing.assert_allclose(again.margin(matrix), fitted.additive_.margin(matrix))
    fitted.save(tmp_path / "m")
    assert load_model(tmp_path / "m").metadata_["additive_base"]["terms"]


def test_margin_is_additive_base_plus_trees(fitted: ChurnModel) -> None:
    X, _ = churn_table(rows=300, seed=7)
    matrix = fitted.encode(X)
    assert fitted.additive_ is not None
    trees = fitted.booster_.predict(matrix, raw_score=True)
    np.testing.assert_allclose(fitted.decision_function(X), fitted.additive_.margin(matrix) + trees)


def test_trees_only_model_and_format_1_artefacts_still_load(
    small_table: tuple[pd.DataFrame, np.ndarray], tmp_path: Path
) -> None:
    import json

    X, y = small_table
    model = ChurnModel(**FAST, additive_base=False).fit(X, y)
    assert model.additive_ is None
    model.save(tmp_path / "old")
    meta_file = tmp_path / "old" / "metadata.json"
    meta = json.loads(meta_file.read_text())
    meta["format"] = 1
    del meta["additive_base"]
    del meta["params"]["additive_base"]
    meta_file.write_text(json.dumps(meta))
    loaded = load_model(tmp_path / "old")
    assert loaded.additive_ is None
    np.testing.assert_allclose(loaded.churn_probability(X), model.churn_probability(X))


def test_mapping_adds_revenue_total_when_revenue_is_billed_in_parts() -> None:
    from weixi.analytics.churn.mapping import REVENUE_FEATURE

    frame = pd.DataFrame(
        {
            "day": ["1.5", "2", "", ""],
            "night": ["0.5", "1", "3", ""],
            "left": ["yes", "no", "no", "yes"],
        }
    )
    parts = ColumnMapping(
        label_column="left", churn_values=("yes",), revenue_columns=("day", "night")
    )
    table = prepare_table(frame, parts)
    assert table.X[REVENUE_FEATURE].tolist()[:3] == [2.0, 3.0, 3.0]
    assert np.isnan(table.X[REVENUE_FEATURE].iloc[3])  # every part missing
    assert {"day", "night"} <= set(table.X.columns)
    single = ColumnMapping(label_column="left", churn_values=("yes",), revenue_columns=("day",))
    assert REVENUE_FEATURE not in prepare_table(frame, single).X.columns
    off = ColumnMapping.from_dict(
        {
            "label_column": "left",
            "churn_values": ["yes"],
            "revenue_columns": ["day", "night"],
            "revenue_feature": False,
        }
    )
    assert REVENUE_FEATURE not in prepare_table(frame, off).X.columns
