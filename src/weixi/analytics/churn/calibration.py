"""Probability calibration of a model's raw margin, fitted on held-out rows.

Two methods, both stored as plain numbers so a saved model needs no pickle:

* **Platt scaling** (Platt 1999): ``p = 1 / (1 + exp(-(a * margin + b)))``. Two
  parameters, monotone, cannot overfit a small held-out set, and keeps the ranking
  (so AUC and lift are unchanged).
* **Isotonic regression** (Zadrozny & Elkan 2002): a monotone step function, stored as
  its breakpoints and applied by linear interpolation. It corrects any monotone
  distortion, not only a sigmoid one, but needs many held-out positives;
  Niculescu-Mizil & Caruana (2005) found it worse than Platt below roughly a thousand
  calibration samples.

``choose_method`` therefore takes isotonic when the held-out set holds at least
``ISOTONIC_MIN_POSITIVES`` churners (operator data: hundreds of thousands of rows) and
Platt otherwise (the public data sets: a few hundred held-out churners).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

ISOTONIC_MIN_POSITIVES = 1000


class CalibrationMethod(StrEnum):
    AUTO = "auto"
    PLATT = "platt"
    ISOTONIC = "isotonic"
    NONE = "none"


def choose_method(requested: str, y_holdout: NDArray[np.int_]) -> CalibrationMethod:
    """The concrete method for ``requested`` given the held-out labels."""
    method = CalibrationMethod(requested)
    if method is not CalibrationMethod.AUTO:
        return method
    positives = int(np.sum(y_holdout == 1))
    negatives = int(np.sum(y_holdout == 0))
    enough = min(positives, negatives) >= ISOTONIC_MIN_POSITIVES
    return CalibrationMethod.ISOTONIC if enough else CalibrationMethod.PLATT


@dataclass(frozen=True)
class Calibrator:
    """A fitted margin → probability map."""

    method: CalibrationMethod
    params: dict[str, list[float]] = field(default_factory=dict)

    def transform(self, margin: NDArray[np.float64]) -> NDArray[np.float64]:
        """Calibrated churn probabilities for raw margins (log-odds)."""
        margin = np.asarray(margin, dtype=np.float64)
        if self.method is CalibrationMethod.PLATT:
            a, b = self.params["ab"]
            return _sigmoid(a * margin + b)
        if self.method is CalibrationMethod.ISOTONIC:
            xs = np.asarray(self.params["x"])
            ys = np.asarray(self.params["y"])
            return np.interp(margin, xs, ys)
        return _sigmoid(margin)

    def to_json(self) -> dict[str, object]:
        return {"method": self.method.value, "params": self.params}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Calibrator:
        params = data.get("params", {})
        assert isinstance(params, dict)
        return cls(CalibrationMethod(str(data["method"])), {k: list(v) for k, v in params.items()})


def fit_calibrator(
    method: CalibrationMethod, margin: NDArray[np.float64], y: NDArray[np.int_]
) -> Calibrator:
    """Fit ``method`` on held-out margins and labels."""
    margin = np.asarray(margin, dtype=np.float64)
    if method is CalibrationMethod.PLATT:
        # Nearly unregularised 1-D logistic regression on the margin.
        lr = LogisticRegression(C=1e6, max_iter=1000)
        lr.fit(margin.reshape(-1, 1), y)
        return Calibrator(method, {"ab": [float(lr.coef_[0, 0]), float(lr.intercept_[0])]})
    if method is CalibrationMethod.ISOTONIC:
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        iso.fit(margin, y)
        xs = [float(v) for v in iso.X_thresholds_]
        ys = [float(v) for v in iso.y_thresholds_]
        return Calibrator(method, {"x": xs, "y": ys})
    return Calibrator(CalibrationMethod.NONE)


def _sigmoid(z: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0))), dtype=np.float64)
