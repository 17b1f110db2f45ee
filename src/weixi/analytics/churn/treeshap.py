"""Exact path-dependent TreeSHAP for LightGBM boosters, vectorised over rows in numpy.

Formula (Lundberg, Erion et al. 2020, "From local explanations to global understanding
with explainable AI for trees", Nature MI; per-path form as in Mitchell, Frank & Holmes
2022, "GPUTreeShap"). A tree's prediction is a sum over leaves; for a leaf ``l`` with
value ``v``, let ``D`` be the distinct features split on along its path (``d = |D|``),
``z_j`` the product of the cover fractions of the path's splits on ``j`` (the share of
training rows that follow them), and ``o_j(x) ∈ {0, 1}`` whether ``x`` satisfies all of
the path's splits on ``j``. Then the leaf adds to feature ``i ∈ D``

    φ_i += v (o_i − z_i) Σ_{S ⊆ D∖{i}} |S|! (d − |S| − 1)! / d! · Π_{j∈S} o_j · Π_{j∈D∖S∖{i}} z_j

This is the same quantity LightGBM's ``pred_contrib`` computes recursively.

Why it is fast: ``o`` is binary, so for each leaf the contribution depends on the row
only through its *pattern* ``P = (o_j)_{j∈D}``, one of ``2^d`` values. The ``2^d × d``
table of contributions is built once per leaf (the inner sum as a polynomial product,
O(d²) array steps over all patterns), and each row then costs a few bit operations to
find its pattern and one table lookup per leaf (in the spirit of "Fast TreeSHAP",
Yang 2021). Rows' split decisions are evaluated with LightGBM's rules (numerical
``<=`` with its missing-value handling; categorical membership), checked against
LightGBM's own ``pred_leaf`` in the tests. Leaves deeper than ``MAX_TABLE_DEPTH``
distinct features are computed per row with the same polynomial (still exact).
Trees are split between threads (numpy releases the GIL on array work).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray

MAX_TABLE_DEPTH = 14  # 2^14 patterns × 14 floats per leaf at most; deeper leaves go per row
ZERO_THRESHOLD = 1e-35  # LightGBM's kZeroThreshold


@dataclass(frozen=True)
class _Node:
    feature: int
    numerical: bool
    threshold: float
    categories: frozenset[int]
    default_left: bool
    missing: str  # "None", "Zero" or "NaN"


@dataclass(frozen=True)
class _Leaf:
    value: float
    steps: tuple[tuple[int, bool], ...]  # (internal node index, went left) from the root
    features: tuple[int, ...]  # distinct features on the path, in first-seen order
    z: tuple[float, ...]  # cover fraction product per distinct feature


@dataclass(frozen=True)
class _Link:
    """An internal node's children (``>= 0`` node index, ``< 0`` leaf ``-ref - 1``) and
    the bit its feature occupies in the satisfaction pattern of every leaf below it."""

    left: int
    right: int
    bit: int
    repeat: bool  # the feature was already split on higher up this path


@dataclass(frozen=True)
class _Tree:
    nodes: tuple[_Node, ...]
    leaves: tuple[_Leaf, ...]
    links: tuple[_Link, ...]


CHUNK_ROWS = 16_384  # rows per pass: keeps the per-leaf arrays in cache


def treeshap(
    booster: lgb.Booster, X: NDArray[np.float64], *, n_threads: int = 2
) -> NDArray[np.float32]:
    """Exact TreeSHAP values, rows × features (the expected-value column is not returned)."""
    dump = booster.dump_model()
    n_features = len(dump["feature_names"])
    trees = [_parse(info["tree_structure"]) for info in dump["tree_info"]]
    columns = _Columns(np.asarray(X, dtype=np.float64))
    groups = [trees[i::n_threads] for i in range(max(1, n_threads))]
    with ThreadPoolExecutor(max_workers=len(groups)) as pool:
        parts = list(pool.map(lambda g: _explain_trees(g, columns, n_features), groups))
    total = parts[0]
    for part in parts[1:]:
        total += part
    return np.ascontiguousarray(total.T)


class _Columns:
    """Feature-major copies of the rows: values with NaN→0, and the NaN mask."""

    def __init__(self, X: NDArray[np.float64]) -> None:
        self.nan = np.ascontiguousarray(np.isnan(X).T)
        self.zeroed = np.ascontiguousarray(np.nan_to_num(X, nan=0.0).T)
        self.rows = X.shape[0]


def _explain_trees(trees: list[_Tree], cols: _Columns, n_features: int) -> Any:
    out = np.zeros((n_features, cols.rows), dtype=np.float32)  # feature-major: contiguous adds
    for tree in trees:
        if not tree.leaves or not tree.nodes:
            continue
        tables = _tree_tables(tree)
        for start in range(0, cols.rows, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, cols.rows)
            for leaf_index, code in _leaf_patterns(tree, cols, start, stop):
                _add_leaf(tree.leaves[leaf_index], tables[leaf_index], code, out[:, start:stop])
    return out


def _leaf_patterns(
    tree: _Tree, cols: _Columns, start: int, stop: int
) -> Iterator[tuple[int, NDArray[np.uint16]]]:
    """Each leaf's satisfaction pattern code per row, built once per edge down the tree.

    A leaf's bit ``k`` is set when the row satisfies every split on the path's ``k``-th
    distinct feature; bits are assigned in path order, so a node's partial code is shared
    by all the leaves below it.
    """
    stack: list[tuple[int, NDArray[np.uint16]]] = [(0, np.zeros(stop - start, dtype=np.uint16))]
    while stack:
        ref, code = stack.pop()
        if ref < 0:
            yield -ref - 1, code
            continue
        link = tree.links[ref]
        left = _goes_left(tree.nodes[ref], cols, start, stop)
        for child, ok in ((link.left, left), (link.right, left ^ np.uint16(1))):
            shifted = ok << np.uint16(link.bit)
            if link.repeat:  # clear the bit where this further split on the feature fails
                child_code = code & (shifted | np.uint16(0xFFFF ^ (1 << link.bit)))
            else:
                child_code = code | shifted
            stack.append((child, child_code))


def _add_leaf(
    leaf: _Leaf,
    table: NDArray[np.float32] | None,
    code: NDArray[np.uint16],
    out: NDArray[np.float32],
) -> None:
    d = len(leaf.features)
    if table is None:  # too deep for a table: same formula, per row
        patterns = ((code[:, None] >> np.arange(d)[None, :]) & 1).astype(np.float64)
        values = _contributions(patterns, np.asarray(leaf.z)[None, :], np.asarray([leaf.value]))
        rows = values[0].T.astype(np.float32)
    else:
        rows = np.take(table, code, axis=1)
    for k, f in enumerate(leaf.features):
        out[f] += rows[k]


def _tree_tables(tree: _Tree) -> list[NDArray[np.float32] | None]:
    """Per leaf, the (d, 2^d) contribution table over satisfaction patterns."""
    tables: list[NDArray[np.float32] | None] = [None] * len(tree.leaves)
    by_depth: dict[int, list[int]] = {}
    for i, leaf in enumerate(tree.leaves):
        if len(leaf.features) <= MAX_TABLE_DEPTH:
            by_depth.setdefault(len(leaf.features), []).append(i)
    for d, members in by_depth.items():
        codes = np.arange(2**d)
        patterns = ((codes[:, None] >> np.arange(d)[None, :]) & 1).astype(np.float64)
        z = np.asarray([tree.leaves[i].z for i in members])
        v = np.asarray([tree.leaves[i].value for i in members])
        values = _contributions(patterns, z, v)  # leaves × patterns × d
        for slot, i in enumerate(members):
            tables[i] = np.ascontiguousarray(values[slot].T, dtype=np.float32)
    return tables


def _contributions(
    o: NDArray[np.float64], z: NDArray[np.float64], value: NDArray[np.float64]
) -> NDArray[np.float64]:
    """φ for leaves × patterns × d, by the per-path formula.

    ``o`` is patterns × d (0/1), ``z`` leaves × d, ``value`` per leaf. For feature ``i`` the
    subset sum is the polynomial Π_{j≠i} (z_j + o_j t), whose coefficient of t^s is
    weighted by s! (d − s − 1)! / d!. The full product Π_j is built once (O(d²)) and each
    factor is divided out again in O(d), the "unwinding" of Lundberg et al. (2020,
    Algorithm 2): O(d²) per pattern in all instead of O(d³).
    """
    n, d = o.shape
    m = z.shape[0]
    weights = [math.factorial(s) * math.factorial(d - s - 1) / math.factorial(d) for s in range(d)]
    full = np.zeros((m, n, d + 1))  # coefficients of Π_j (z_j + o_j t), t^0 … t^d
    full[:, :, 0] = 1.0
    for j in range(d):
        zj, oj = z[:, None, j : j + 1], o[None, :, j : j + 1]
        shifted = full[:, :, :-1] * oj
        full *= zj
        full[:, :, 1:] += shifted
    result = np.empty((m, n, d))
    for i in range(d):
        zi = z[:, None, i]  # leaves × 1
        one = o[None, :, i] > 0  # 1 × patterns
        # o_i = 1: divide by (z_i + t), synthetic division from the top; |z_i| ≤ 1 keeps
        # it stable. o_i = 0: divide by the constant z_i (a zero there gives φ = 0 below).
        q = full[:, :, d]
        by_t = weights[d - 1] * q
        for k in range(d - 1, 0, -1):
            q = full[:, :, k] - zi * q
            by_t = by_t + weights[k - 1] * q
        safe = np.where(zi == 0.0, 1.0, zi)
        by_z = (full[:, :, :d] @ np.asarray(weights)) / safe
        weighted = np.where(one, by_t, by_z)
        result[:, :, i] = value[:, None] * (o[None, :, i] - z[:, None, i]) * weighted
    return result


def _goes_left(node: _Node, cols: _Columns, start: int, stop: int) -> NDArray[np.uint16]:
    """LightGBM's decision at ``node`` for rows start:stop: 1 where the row goes left."""
    x = cols.zeroed[node.feature, start:stop]
    nan = cols.nan[node.feature, start:stop]
    if not node.numerical:
        codes = x.astype(np.int64)
        lookup = np.zeros(max(node.categories, default=0) + 2, dtype=bool)
        lookup[list(node.categories)] = True
        inside = (codes >= 0) & (codes < len(lookup) - 1)
        left = np.zeros(len(x), dtype=bool)
        left[inside] = lookup[codes[inside]]
        left &= ~nan
    elif node.missing == "NaN":
        left = x <= node.threshold
        left[nan] = node.default_left
    else:
        left = x <= node.threshold
        if node.missing == "Zero":
            left[np.abs(x) <= ZERO_THRESHOLD] = node.default_left
    return left.astype(np.uint16)


def _parse(root: dict[str, Any]) -> _Tree:
    nodes: list[_Node] = []
    leaves: list[_Leaf] = []
    links: list[list[int]] = []  # [left, right, bit, repeat]
    Item = tuple[dict[str, Any], tuple[tuple[int, bool], ...], dict[int, float], int, int]
    stack: list[Item] = [(root, (), {}, -1, 0)]
    while stack:
        node, steps, z, parent_index, side = stack.pop()
        if "leaf_value" in node:
            ref = -len(leaves) - 1
            leaves.append(_Leaf(float(node["leaf_value"]), steps, tuple(z), tuple(z.values())))
        else:
            ref = len(nodes)
            spec = _node(node)
            nodes.append(spec)
            order = list(z)
            repeat = spec.feature in z
            links.append([0, 0, order.index(spec.feature) if repeat else len(order), int(repeat)])
            parent = float(node.get("internal_count", 1)) or 1.0
            for child, left in ((node["left_child"], True), (node["right_child"], False)):
                child_count = float(child.get("internal_count", child.get("leaf_count", 0)))
                child_z = dict(z)
                child_z[spec.feature] = child_z.get(spec.feature, 1.0) * (child_count / parent)
                stack.append((child, (*steps, (ref, left)), child_z, ref, 0 if left else 1))
        if parent_index >= 0:
            links[parent_index][side] = ref
    return _Tree(
        tuple(nodes), tuple(leaves), tuple(_Link(a, b, c, bool(d)) for a, b, c, d in links)
    )


def _node(node: dict[str, Any]) -> _Node:
    numerical = node["decision_type"] == "<="
    threshold = float(node["threshold"]) if numerical else 0.0
    categories = (
        frozenset()
        if numerical
        else frozenset(int(c) for c in str(node["threshold"]).split("||") if c != "")
    )
    return _Node(
        int(node["split_feature"]),
        numerical,
        threshold,
        categories,
        bool(node.get("default_left", True)),
        str(node.get("missing_type", "None")),
    )
