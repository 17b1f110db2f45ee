"""An additive logistic baseline (a small GAM) that the gradient-boosted trees start from.

``fit_additive`` fits a ridge-penalised logistic regression in which every input column
is one *term* with its own small basis, so the model's log-odds are a sum of one curve per
feature plus an intercept (a generalised additive model, Hastie & Tibshirani 1990):

* **numeric** columns: the value itself and hinge functions ``max(0, x − k)`` at up to
  ``KNOTS`` distinct quantiles of the training values (a piecewise-linear curve, i.e. a
  degree-1 regression spline); missing values are set to the training median and get
  their own indicator column;
* **categorical** columns (the integer codes ``ChurnModel.encode`` produces): one
  indicator per category seen at least ``MIN_CATEGORY_ROWS`` times; rarer, unseen and
  missing categories are the all-zero reference.

Every basis column is standardised with its training mean and standard deviation before
the penalty is applied, so the penalty does not depend on units.

Why: gradient boosting approximates smooth, nearly additive effects (tenure, charges) by
many small steps and needs many rows to do it well; a penalised additive model gets
them in one convex fit. ``ChurnModel`` uses this model's log-odds as LightGBM's initial
score ("boosting from an offset"), so the trees only learn what the additive model
misses — interactions and sharp thresholds — and early stopping decides how much of
that the data supports.

Reasons stay exact: a term's contribution to a row is
``Σ_c coef_c · (b_c(x) − mean_c) / sd_c`` over its basis columns, so the contributions
plus ``intercept`` add up to the additive log-odds, and for a linear model in a fixed
basis these are its SHAP values under feature independence (Lundberg & Lee 2017). They
are added to the trees' TreeSHAP values feature by feature (``reasons.contributions``).

Everything is stored as plain numbers (``to_json``), so a saved model needs no pickle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

KNOTS = 5  # hinge knots per numeric column (quantiles 1/6 … 5/6, de-duplicated)
MIN_CATEGORY_ROWS = 10  # categories seen fewer times share the reference level
BLOCK_ROWS = 65_536  # rows per pass when scoring (keeps the basis small in memory)


@dataclass(frozen=True)
class AdditiveTerm:
    """One feature's basis, standardisation and coefficients."""

    kind: str  # "numeric" or "categorical"
    median: float = 0.0
    knots: tuple[float, ...] = ()
    missing_indicator: bool = False
    value_column: bool = True  # False when the present values are constant
    levels: tuple[float, ...] = ()  # category codes with their own indicator
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    coef: tuple[float, ...] = ()

    def basis(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Unstandardised basis columns (rows × columns) for one feature's values."""
        missing = np.isnan(x)
        if self.kind == "categorical":
            if not self.levels:
                return np.zeros((len(x), 0))
            return (x[:, None] == np.asarray(self.levels)[None, :]).astype(np.float64)
        v = np.where(missing, self.median, x)
        cols = [v[:, None]] if self.value_column else [np.zeros((len(x), 0))]
        if self.knots:
            cols.append(np.maximum(0.0, v[:, None] - np.asarray(self.knots)[None, :]))
        if self.missing_indicator:
            cols.append(missing[:, None].astype(np.float64))
        return np.hstack(cols)

    def standardised(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        return (self.basis(x) - np.asarray(self.mean)) / np.asarray(self.scale)

    def contribution(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """This term's share of the log-odds, centred on the training rows.

        The same sum as ``standardised(x) @ coef``, with the standardisation folded into
        the weights (``coef / scale`` per basis column, less one constant) so that no
        basis matrix is built: a few vector operations per knot, which matters when ten
        million rows are scored a night.
        """
        if not self.coef:
            return np.zeros(len(x))
        weights = np.asarray(self.coef) / np.asarray(self.scale)
        total = np.full(len(x), -float(weights @ np.asarray(self.mean)))
        missing = np.isnan(x)
        if self.kind == "categorical":
            for level, w in zip(self.levels, weights, strict=True):
                total += w * (x == level)
            return total
        v = np.where(missing, self.median, x)
        k = 0
        if self.value_column:
            total += weights[0] * v
            k = 1
        for knot in self.knots:
            total += weights[k] * np.maximum(0.0, v - knot)
            k += 1
        if self.missing_indicator:
            total += weights[k] * missing
        return total

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "median": self.median,
            "knots": list(self.knots),
            "missing_indicator": self.missing_indicator,
            "value_column": self.value_column,
            "levels": list(self.levels),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> AdditiveTerm:
        def floats(key: str) -> tuple[float, ...]:
            values = data.get(key, [])
            assert isinstance(values, list)
            return tuple(float(v) for v in values)

        median = data.get("median", 0.0)
        assert isinstance(median, int | float)
        return cls(
            kind=str(data["kind"]),
            median=float(median),
            knots=floats("knots"),
            missing_indicator=bool(data.get("missing_indicator", False)),
            value_column=bool(data.get("value_column", True)),
            levels=floats("levels"),
            mean=floats("mean"),
            scale=floats("scale"),
            coef=floats("coef"),
        )


@dataclass(frozen=True)
class AdditiveLogit:
    """A fitted additive logistic model over the columns of an encoded matrix."""

    intercept: float
    terms: tuple[AdditiveTerm, ...]

    def contributions(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Per-row, per-feature log-odds contributions (rows × features)."""
        X = np.asarray(X, dtype=np.float64)
        out = np.empty(X.shape, dtype=np.float64)
        for j, term in enumerate(self.terms):
            for start in range(0, len(X), BLOCK_ROWS):
                stop = start + BLOCK_ROWS
                out[start:stop, j] = term.contribution(X[start:stop, j])
        return out

    def margin(self, X: NDArray[np.float64]) -> NDArray[np.float64]:
        """Log-odds: intercept plus every term's contribution."""
        X = np.asarray(X, dtype=np.float64)
        total = np.full(len(X), self.intercept, dtype=np.float64)
        for j, term in enumerate(self.terms):
            for start in range(0, len(X), BLOCK_ROWS):
                stop = start + BLOCK_ROWS
                total[start:stop] += term.contribution(X[start:stop, j])
        return total

    def to_json(self) -> dict[str, object]:
        return {"intercept": self.intercept, "terms": [t.to_json() for t in self.terms]}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> AdditiveLogit:
        terms = data["terms"]
        intercept = data["intercept"]
        assert isinstance(terms, list) and isinstance(intercept, int | float)
        return cls(float(intercept), tuple(AdditiveTerm.from_json(t) for t in terms))


def fit_additive(
    X: NDArray[np.float64],
    y: NDArray[np.int_],
    kinds: list[str],
    *,
    C: float = 1.0,
    max_rows: int = 50_000,
    random_state: int | None = 0,
) -> AdditiveLogit:
    """Fit the additive model on an encoded matrix; ``kinds[j]`` is column j's kind.

    At most ``max_rows`` rows (a random sample) are used: a few hundred coefficients are
    estimated well from tens of thousands of rows, and this bounds time and memory on
    operator-scale tables.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int_)
    if len(y) > max_rows:
        pick = np.random.default_rng(random_state).choice(len(y), max_rows, replace=False)
        X, y = X[np.sort(pick)], y[np.sort(pick)]
    shapes = [_term_shape(X[:, j], kind) for j, kind in enumerate(kinds)]
    blocks, sizes = [], []
    for j, term in enumerate(shapes):
        b = term.basis(X[:, j])
        mean = b.mean(axis=0)
        scale = b.std(axis=0)
        keep = scale > 0.0
        shapes[j] = _with_columns(term, keep)
        b, mean, scale = b[:, keep], mean[keep], scale[keep]
        shapes[j] = _replace(shapes[j], mean=tuple(mean.tolist()), scale=tuple(scale.tolist()))
        blocks.append((b - mean) / scale if b.shape[1] else b)
        sizes.append(b.shape[1])
    design = np.hstack(blocks) if sum(sizes) else np.zeros((len(y), 0))
    if design.shape[1] == 0:
        rate = float(np.clip(y.mean(), 1e-6, 1 - 1e-6))
        return AdditiveLogit(float(np.log(rate / (1 - rate))), tuple(shapes))
    lr = LogisticRegression(C=C, max_iter=2000)
    lr.fit(design, y)
    coef = lr.coef_[0]
    terms, at = [], 0
    for term, size in zip(shapes, sizes, strict=True):
        terms.append(_replace(term, coef=tuple(float(c) for c in coef[at : at + size])))
        at += size
    return AdditiveLogit(float(lr.intercept_[0]), tuple(terms))


def _term_shape(x: NDArray[np.float64], kind: str) -> AdditiveTerm:
    present = x[~np.isnan(x)]
    if kind == "categorical":
        levels, counts = np.unique(present, return_counts=True)
        kept = tuple(
            float(v) for v, n in zip(levels, counts, strict=True) if n >= MIN_CATEGORY_ROWS
        )
        return AdditiveTerm("categorical", levels=kept)
    if len(present) == 0:
        return AdditiveTerm("numeric", value_column=False)
    lo, hi = float(present.min()), float(present.max())
    qs = np.quantile(present, np.arange(1, KNOTS + 1) / (KNOTS + 1))
    knots = tuple(sorted({float(k) for k in qs if lo < k < hi}))
    return AdditiveTerm(
        "numeric",
        median=float(np.median(present)),
        knots=knots,
        missing_indicator=bool(np.isnan(x).any()),
    )


def _with_columns(term: AdditiveTerm, keep: NDArray[np.bool_]) -> AdditiveTerm:
    """Drop basis columns that are constant on the training rows."""
    if term.kind == "categorical":
        return _replace(term, levels=tuple(v for v, k in zip(term.levels, keep, strict=True) if k))
    # numeric: [value, knots..., missing?]; a constant value column means a constant feature
    flags = [bool(f) for f in keep]
    if not term.value_column:
        flags.insert(0, False)
    value_ok = flags[0]
    knots = tuple(k for k, f in zip(term.knots, flags[1 : 1 + len(term.knots)], strict=True) if f)
    missing_ok = term.missing_indicator and flags[-1]
    if not value_ok:
        # x itself is constant where present: only the missing indicator can carry signal
        return AdditiveTerm(
            "numeric", median=term.median, missing_indicator=missing_ok, value_column=False
        )
    return _replace(term, knots=knots, missing_indicator=missing_ok)


def _replace(term: AdditiveTerm, **changes: object) -> AdditiveTerm:
    from dataclasses import replace

    return replace(term, **changes)  # type: ignore[arg-type]
