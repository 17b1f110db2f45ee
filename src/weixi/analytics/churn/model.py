"""``ChurnModel``: LightGBM with early stopping, calibrated probabilities, a versioned artefact.

Fitting, in order:

1. The training rows are split (stratified, ``validation_fraction``) into a fitting part
   and a held-out part.
2. LightGBM is fitted on the fitting part with early stopping on the held-out part's
   log-loss; ``best_iteration_`` rounds are kept.
3. A calibrator (Platt or isotonic, see ``calibration.py``) is fitted on the held-out
   margins of that model.
4. With ``refit=True`` (default) the booster is refitted on *all* training rows for
   ``best_iteration_ / (1 - validation_fraction)`` rounds (more data, proportionally more
   rounds) and the step-3 calibrator is applied to its margins. The refitted model has
   seen 25 % more rows, so its margins are slightly more spread out than the calibrated
   one's; this is why calibration is always *measured* on untouched test folds
   (``evaluate.py``) rather than assumed.

Categorical columns (pandas ``category``, ``object``/string) are encoded as integer
codes over the categories seen in training and passed to LightGBM as native categorical
features; unseen or missing categories become missing values.

The artefact written by ``save`` is a directory holding ``model.txt`` (LightGBM's text
format) and ``metadata.json`` (format version, trained_at, features with dtypes and
categories, training window, metrics, data fingerprint, library versions, calibrator).
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sklearn
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split

import weixi
from weixi.analytics.churn.additive import AdditiveLogit, fit_additive
from weixi.analytics.churn.calibration import Calibrator, choose_method, fit_calibrator
from weixi.analytics.churn.compiled import compiled_margins
from weixi.errors import ValidationFailed

ARTEFACT_FORMAT = 2  # 2: adds the additive base ("additive_base"); 1 is still readable
READABLE_FORMATS = (1, 2)
MODEL_FILE = "model.txt"
METADATA_FILE = "metadata.json"


@dataclass(frozen=True)
class FeatureSpec:
    """One input column as the model saw it in training."""

    name: str
    kind: str  # "numeric" or "categorical"
    dtype: str
    categories: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "dtype": self.dtype,
            "categories": list(self.categories),
        }


class ChurnModel(ClassifierMixin, BaseEstimator):
    """Calibrated churn probabilities from a LightGBM booster (scikit-learn estimator).

    Hyper-parameters are deliberately generic (no per-data-set tuning): 63 leaves, a
    small learning rate with early stopping, row and column subsampling, L2 on leaf
    values and a minimum leaf size, which together keep small tables from overfitting
    while leaving room for operator-scale data.
    """

    def __init__(
        self,
        *,
        num_leaves: int = 63,
        learning_rate: float = 0.03,
        max_rounds: int = 3000,
        min_child_samples: int = 50,
        reg_lambda: float = 10.0,
        colsample_bytree: float = 0.5,
        subsample: float = 0.8,
        early_stopping_rounds: int = 100,
        validation_fraction: float = 0.2,
        refit: bool = True,
        additive_base: bool = True,
        additive_c: float = 1.0,
        additive_max_rows: int = 50_000,
        calibration: str = "auto",
        n_jobs: int = 2,
        random_state: int | None = 0,
    ) -> None:
        self.num_leaves = num_leaves
        self.learning_rate = learning_rate
        self.max_rounds = max_rounds
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.colsample_bytree = colsample_bytree
        self.subsample = subsample
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.refit = refit
        self.additive_base = additive_base
        self.additive_c = additive_c
        self.additive_max_rows = additive_max_rows
        self.calibration = calibration
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        X: pd.DataFrame,
        y: Any,
        *,
        training_window: tuple[str, str] | None = None,
        trained_at: datetime | None = None,
    ) -> Self:
        """Fit on a feature frame and 0/1 churn labels; returns ``self``."""
        X, y_arr = _validate_training(X, y)
        self.features_ = _infer_features(X)
        self.feature_names_in_ = np.asarray([f.name for f in self.features_], dtype=object)
        self.n_features_in_ = len(self.features_)
        self.classes_ = np.asarray([0, 1])
        matrix = self.encode(X)
        fit_idx, hold_idx = train_test_split(
            np.arange(len(y_arr)),
            test_size=self.validation_fraction,
            stratify=y_arr,
            random_state=self.random_state,
        )
        base = self._fit_base(matrix[fit_idx], y_arr[fit_idx])
        hold_offset = _offset(base, matrix[hold_idx])
        first = self._train(
            matrix[fit_idx],
            y_arr[fit_idx],
            matrix[hold_idx],
            y_arr[hold_idx],
            offset=None if base is None else base.margin(matrix[fit_idx]),
            val_offset=None if base is None else hold_offset,
        )
        self.best_iteration_ = int(first.best_iteration or first.current_iteration())
        hold_margin = hold_offset + np.asarray(
            first.predict(matrix[hold_idx], num_iteration=self.best_iteration_, raw_score=True),
            dtype=np.float64,
        )
        method = choose_method(self.calibration, y_arr[hold_idx])
        self.calibrator_ = fit_calibrator(method, hold_margin, y_arr[hold_idx])
        if self.refit:
            rounds = max(1, round(self.best_iteration_ / (1.0 - self.validation_fraction)))
            self.additive_ = self._fit_base(matrix, y_arr)
            offset = None if self.additive_ is None else self.additive_.margin(matrix)
            self.booster_ = self._train(matrix, y_arr, None, None, rounds=rounds, offset=offset)
        else:
            self.additive_ = base
            self.booster_ = lgb.Booster(
                model_str=first.model_to_string(num_iteration=self.best_iteration_)
            )
        self.n_rounds_ = int(self.booster_.current_iteration())
        self.holdout_metrics_ = _holdout_metrics(hold_margin, y_arr[hold_idx], self.calibrator_)
        self.metadata_ = self._metadata(X, y_arr, training_window, trained_at)
        return self

    def _fit_base(self, X: NDArray[np.float64], y: NDArray[np.int_]) -> AdditiveLogit | None:
        if not self.additive_base:
            return None
        return fit_additive(
            X,
            y,
            [f.kind for f in self.features_],
            C=self.additive_c,
            max_rows=self.additive_max_rows,
            random_state=self.random_state,
        )

    def _params(self) -> dict[str, Any]:
        return {
            "objective": "binary",
            "metric": "binary_logloss",
            "num_leaves": self.num_leaves,
            "learning_rate": self.learning_rate,
            "min_data_in_leaf": self.min_child_samples,
            "lambda_l2": self.reg_lambda,
            "feature_fraction": self.colsample_bytree,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1.0 else 0,
            "cat_smooth": 10.0,
            "min_data_per_group": 50,
            "num_threads": self.n_jobs,
            "seed": 0 if self.random_state is None else int(self.random_state),
            "deterministic": True,
            "verbose": -1,
        }

    def _categorical_indices(self) -> list[int]:
        return [i for i, f in enumerate(self.features_) if f.kind == "categorical"]

    def _train(
        self,
        X: NDArray[np.float64],
        y: NDArray[np.int_],
        X_val: NDArray[np.float64] | None,
        y_val: NDArray[np.int_] | None,
        *,
        rounds: int | None = None,
        offset: NDArray[np.float64] | None = None,
        val_offset: NDArray[np.float64] | None = None,
    ) -> lgb.Booster:
        names = [f.name for f in self.features_]
        cats = self._categorical_indices()
        train = lgb.Dataset(
            X,
            y,
            init_score=offset,
            feature_name=names,
            categorical_feature=cats,
            free_raw_data=True,
        )
        if X_val is None:
            return lgb.train(self._params(), train, num_boost_round=rounds or self.max_rounds)
        valid = lgb.Dataset(X_val, y_val, init_score=val_offset, reference=train)
        stop = lgb.early_stopping(self.early_stopping_rounds, verbose=False)
        return lgb.train(
            self._params(),
            train,
            num_boost_round=self.max_rounds,
            valid_sets=[valid],
            callbacks=[stop],
        )

    # ---------------------------------------------------------------- predicting
    def encode(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """The float matrix LightGBM sees: numeric columns as floats, categories as codes."""
        missing = [f.name for f in self.features_ if f.name not in X.columns]
        if missing:
            raise ValidationFailed("feature columns missing", columns=missing)
        out = np.empty((len(X), len(self.features_)), dtype=np.float64)
        for i, spec in enumerate(self.features_):
            col = X[spec.name]
            if spec.kind == "categorical":
                # Codes over the training categories, compared as text; unseen or missing
                # → NaN. Arrow's look-up in a set of a few categories costs 20 ns a row;
                # a dict per value cost 370 (ten million rows are scored a night).
                text = pa.array(col.astype("string"), from_pandas=True).cast(pa.string())
                known = pa.array(spec.categories, pa.string())
                codes = pc.cast(pc.index_in(text, value_set=known), pa.float64())
                out[:, i] = codes.to_numpy(zero_copy_only=False)
            else:
                out[:, i] = pd.to_numeric(col, errors="coerce").to_numpy(
                    dtype=np.float64, na_value=np.nan
                )
        return out

    def decision_function(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """Raw margins (log-odds before calibration): additive base plus trees."""
        return self.margin(self.encode(X))

    def margin(self, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        """Raw margins of an already encoded matrix (see ``encode``)."""
        return self.base_margin(matrix) + self.tree_margin(matrix)

    def base_margin(self, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        """The additive base's part of the margins (zeros without a base)."""
        return _offset(self.additive_, matrix)

    def tree_margin(self, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        """The boosted trees' part of the margins (compiled trees when in use)."""
        compiled = getattr(self, "compiled_trees_", None)
        if compiled is not None:
            return np.asarray(compiled(matrix), dtype=np.float64)
        return np.asarray(self.booster_.predict(matrix, raw_score=True), dtype=np.float64)

    def use_compiled_trees(self) -> bool:
        """Score with this saved model's trees compiled to machine code from now on
        (:mod:`weixi.analytics.churn.compiled`); False, and LightGBM, if that fails."""
        source = getattr(self, "source_", None)
        if source is None:
            return False
        self.compiled_trees_ = compiled_margins(source / MODEL_FILE, threads=self.n_jobs)
        return self.compiled_trees_ is not None

    def churn_probability(self, X: pd.DataFrame) -> NDArray[np.float64]:
        """Calibrated probability of churn, one per row."""
        return self.calibrator_.transform(self.decision_function(X))

    def predict_proba(self, X: pd.DataFrame) -> NDArray[np.float64]:
        p = self.churn_probability(X)
        return np.column_stack([1.0 - p, p])

    def predict(self, X: pd.DataFrame) -> NDArray[np.int_]:
        return (self.churn_probability(X) >= 0.5).astype(np.int_)

    # ---------------------------------------------------------------- artefact
    def _metadata(
        self,
        X: pd.DataFrame,
        y: NDArray[np.int_],
        training_window: tuple[str, str] | None,
        trained_at: datetime | None,
    ) -> dict[str, Any]:
        at = trained_at or datetime.now(UTC)
        return {
            "format": ARTEFACT_FORMAT,
            "model_version": at.strftime("%Y%m%dT%H%M%SZ") + "-" + data_fingerprint(X, y)[:8],
            "trained_at": at.astimezone(UTC).isoformat(),
            "features": [f.to_json() for f in self.features_],
            "training_window": list(training_window) if training_window else None,
            "rows": len(y),
            "churn_rate": float(np.mean(y)),
            "data_fingerprint": data_fingerprint(X, y),
            "params": self.get_params(),
            "best_iteration": self.best_iteration_,
            "n_rounds": self.n_rounds_,
            "calibrator": self.calibrator_.to_json(),
            "additive_base": self.additive_.to_json() if self.additive_ is not None else None,
            "metrics": {"holdout": self.holdout_metrics_},
            "libraries": _library_versions(),
        }

    def save(self, path: str | Path) -> Path:
        """Write the artefact directory (LightGBM text model + JSON metadata)."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        self.booster_.save_model(str(out / MODEL_FILE))
        (out / METADATA_FILE).write_text(
            json.dumps(self.metadata_, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        return out

    @classmethod
    def load(cls, path: str | Path) -> ChurnModel:
        """Read an artefact written by ``save``."""
        src = Path(path)
        meta = json.loads((src / METADATA_FILE).read_text(encoding="utf-8"))
        if meta.get("format") not in READABLE_FORMATS:
            raise ValidationFailed("unsupported model artefact format", format=meta.get("format"))
        params = dict(meta["params"])
        base = meta.get("additive_base")
        params["additive_base"] = base is not None  # format 1: trees only
        model = cls(**params)
        model.features_ = [
            FeatureSpec(f["name"], f["kind"], f["dtype"], tuple(f["categories"]))
            for f in meta["features"]
        ]
        model.feature_names_in_ = np.asarray([f.name for f in model.features_], dtype=object)
        model.n_features_in_ = len(model.features_)
        model.classes_ = np.asarray([0, 1])
        model.booster_ = lgb.Booster(model_file=str(src / MODEL_FILE))
        model.calibrator_ = Calibrator.from_json(meta["calibrator"])
        model.additive_ = AdditiveLogit.from_json(base) if base is not None else None
        model.best_iteration_ = int(meta["best_iteration"])
        model.n_rounds_ = int(meta["n_rounds"])
        model.holdout_metrics_ = meta["metrics"]["holdout"]
        model.metadata_ = meta
        model.source_ = src
        return model


def load_model(path: str | Path) -> ChurnModel:
    """Read a saved churn model artefact."""
    return ChurnModel.load(path)


def data_fingerprint(X: pd.DataFrame, y: NDArray[np.int_]) -> str:
    """SHA-256 over the training rows' content hashes, column names and labels."""
    digest = hashlib.sha256()
    digest.update(json.dumps([str(c) for c in X.columns]).encode())
    digest.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    digest.update(np.asarray(y, dtype=np.int8).tobytes())
    return digest.hexdigest()


def _validate_training(X: pd.DataFrame, y: Any) -> tuple[pd.DataFrame, NDArray[np.int_]]:
    if not isinstance(X, pd.DataFrame):
        raise ValidationFailed("ChurnModel.fit needs a pandas DataFrame of features")
    y_arr = np.asarray(y)
    if y_arr.ndim != 1 or len(y_arr) != len(X):
        raise ValidationFailed("labels must be one value per row", rows=len(X), labels=len(y_arr))
    if pd.isna(y_arr).any():
        raise ValidationFailed("labels contain missing values")
    labels = set(np.unique(y_arr).tolist())
    if not labels <= {0, 1}:
        raise ValidationFailed("labels must be 0/1", values=sorted(map(str, labels))[:5])
    if len(labels) < 2:
        raise ValidationFailed("labels need both churners and non-churners")
    if X.shape[1] == 0:
        raise ValidationFailed("no feature columns")
    return X, y_arr.astype(np.int_)


def _infer_features(X: pd.DataFrame) -> list[FeatureSpec]:
    specs = []
    for name in X.columns:
        col = X[name]
        if isinstance(col.dtype, pd.CategoricalDtype) or not (
            pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        ):
            values = col.dropna().astype("string").unique()
            cats = tuple(sorted(str(v) for v in values))
            specs.append(FeatureSpec(str(name), "categorical", str(col.dtype), cats))
        else:
            specs.append(FeatureSpec(str(name), "numeric", str(col.dtype)))
    return specs


def _offset(base: AdditiveLogit | None, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """The additive base's log-odds (zeros without one): LightGBM's initial score."""
    if base is None:
        return np.zeros(len(matrix), dtype=np.float64)
    return base.margin(matrix)


def _holdout_metrics(
    margin: NDArray[np.float64], y: NDArray[np.int_], calibrator: Calibrator
) -> dict[str, float]:
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    p = calibrator.transform(margin)
    return {
        "auc": float(roc_auc_score(y, margin)),
        "pr_auc": float(average_precision_score(y, p)),
        "brier": float(brier_score_loss(y, p)),
        "rows": float(len(y)),
    }


def _library_versions() -> dict[str, str]:
    return {
        "weixi": weixi.__version__,
        "lightgbm": lgb.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "python": platform.python_version(),
    }
