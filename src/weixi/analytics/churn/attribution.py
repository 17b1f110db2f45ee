"""Fast per-row feature contributions for a LightGBM booster, vectorised in numpy.

Method: path attribution (Saabas 2014, "Interpreting random forests"; analysed by
Lundberg, Erion & Lee 2018/2020 as the "Saabas" method). For every tree, the row's
prediction is the root's expected value plus, along the path the row takes, the change in
expected value at each split, credited to the split's feature:

    f_t(x) = E_t[root] + Σ_{(n → c) on path(x)} (E_t[c] − E_t[n])  ⇒  φ_j += E_t[c] − E_t[n]
    for every split n on feature j.

``E_t[n]`` is the cover-weighted mean of the leaf values under ``n`` (LightGBM's
``internal_count``/``leaf_count``), the same expectation exact TreeSHAP uses, so for
each row ``Σ_j φ_j + bias`` equals the raw margin exactly (local accuracy).

Because the contribution vector depends only on the *leaf* a row lands in, it is
precomputed once per leaf (``trees × leaves × features``) from the dumped model; rows
then need LightGBM's own fast leaf prediction (``pred_leaf=True``, no re-implementation
of split rules, categorical splits included) and one table gather-and-add per tree.
Cost per row is O(trees × features) instead of exact TreeSHAP's
O(trees × leaves × depth²) (Lundberg et al. 2020, Algorithm 2).

Saabas is not Shapley-consistent: it credits each split's full change to its feature
regardless of order. Measured against LightGBM's exact TreeSHAP (``pred_contrib=True``)
its top-3 reason sets agree on only about half the rows (docs/model-evaluation.md), so
reasons use the exact, vectorised TreeSHAP in ``treeshap.py``; this module keeps the
Saabas method as a fast comparison point and holds the agreement metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray

CHUNK_ROWS = 20_000


@dataclass(frozen=True)
class PathTables:
    """Per-tree, per-leaf contribution vectors and the global bias."""

    tables: list[NDArray[np.float32]]  # one (n_leaves, n_features) array per tree
    bias: float
    n_features: int


def build_path_tables(booster: lgb.Booster) -> PathTables:
    """Precompute every leaf's Saabas contribution vector from the dumped trees."""
    dump = booster.dump_model()
    n_features = len(dump["feature_names"])
    tables = []
    bias = 0.0
    for info in dump["tree_info"]:
        table = np.zeros((max(1, int(info["num_leaves"])), n_features), dtype=np.float64)
        root = info["tree_structure"]
        _expectations(root)
        bias += float(root["_e"])
        _fill(root, np.zeros(n_features), table)
        tables.append(table.astype(np.float32))
    return PathTables(tables, bias, n_features)


def _expectations(node: dict[str, Any]) -> None:
    """Annotate every node with its cover and cover-weighted expected value (iteratively)."""
    stack: list[tuple[dict[str, Any], bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        if "leaf_value" in current:
            current["_c"] = float(current.get("leaf_count", 1))
            current["_e"] = float(current["leaf_value"])
            continue
        left, right = current["left_child"], current["right_child"]
        if not done:
            stack.extend([(current, True), (left, False), (right, False)])
            continue
        cover = left["_c"] + right["_c"]
        current["_c"] = cover
        if cover > 0:
            current["_e"] = (left["_e"] * left["_c"] + right["_e"] * right["_c"]) / cover
        else:
            current["_e"] = 0.5 * (left["_e"] + right["_e"])


def _fill(node: dict[str, Any], acc: NDArray[np.float64], table: NDArray[np.float64]) -> None:
    stack = [(node, acc)]
    while stack:
        current, path = stack.pop()
        if "leaf_value" in current:
            table[int(current.get("leaf_index", 0))] = path
            continue
        feature = int(current["split_feature"])
        for child in (current["left_child"], current["right_child"]):
            step = path.copy()
            step[feature] += child["_e"] - current["_e"]
            stack.append((child, step))


def path_contributions(
    booster: lgb.Booster, X: NDArray[np.float64], tables: PathTables | None = None
) -> NDArray[np.float32]:
    """Per-row, per-feature contributions (raw-margin units), rows × features."""
    tables = tables or build_path_tables(booster)
    out = np.empty((len(X), tables.n_features), dtype=np.float32)
    for start in range(0, len(X), CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, len(X))
        leaves = np.asarray(booster.predict(X[start:stop], pred_leaf=True), dtype=np.intp)
        if leaves.ndim == 1:
            leaves = leaves.reshape(-1, 1)
        acc = np.zeros((stop - start, tables.n_features), dtype=np.float32)
        for t, table in enumerate(tables.tables):
            acc += table[leaves[:, t]]
        out[start:stop] = acc
    return out


def exact_treeshap(booster: lgb.Booster, X: NDArray[np.float64]) -> NDArray[np.float64]:
    """LightGBM's exact path-dependent TreeSHAP (reference), rows × features (bias dropped)."""
    contrib = np.asarray(booster.predict(X, pred_contrib=True))
    return contrib[:, :-1]


def top_k(contrib: NDArray[Any], k: int = 3) -> NDArray[np.intp]:
    """Indices of the ``k`` largest (most churn-increasing) contributions per row, best first."""
    k = min(k, contrib.shape[1])
    part = np.argpartition(-contrib, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(contrib, part, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def agreement(a: NDArray[Any], b: NDArray[Any], k: int = 3) -> dict[str, float]:
    """Share of rows whose top-k *sets* agree, and mean overlap |A∩B|/k."""
    ta = np.sort(top_k(a, k), axis=1)
    tb = np.sort(top_k(b, k), axis=1)
    same = np.all(ta == tb, axis=1)
    overlap = np.array([len(set(x) & set(y)) for x, y in zip(ta, tb, strict=True)]) / k
    return {"set_agreement": float(same.mean()), "mean_overlap": float(overlap.mean())}
