"""Exact path-dependent TreeSHAP for LightGBM boosters, by per-leaf pattern tables.

Formula (Lundberg, Erion et al. 2020, "From local explanations to global understanding
with explainable AI for trees", Nature MI; per-path form as in Mitchell, Frank & Holmes
2022, "GPUTreeShap"). A tree's prediction is a sum over leaves; for a leaf ``l`` with
value ``v``, let ``D`` be the distinct features split on along its path (``d = |D|``),
``z_j`` the product of the cover fractions of the path's splits on ``j`` (the share of
training rows that follow them), and ``o_j(x) ∈ {0, 1}`` whether ``x`` satisfies all of
the path's splits on ``j``. Then the leaf adds to feature ``i ∈ D``

    φ_i += v (o_i − z_i) Σ_{S ⊆ D∖{i}} |S|! (d − |S| − 1)! / d! · Π_{j∈S} o_j · Π_{j∈D∖S∖{i}} z_j

This is the same quantity LightGBM's ``pred_contrib`` computes recursively.

Why it is fast: ``o`` is binary, so a leaf's contribution depends on the row only through
its *pattern* ``(o_j)_{j∈D}``, a ``d``-bit code, and a table over the ``2^d`` codes turns
each row's share into one lookup (in the spirit of "Fast TreeSHAP", Yang 2021). Two more
steps, both exact, make the lookups few and cheap:

* a small subtree's leaves can share one table, indexed by the code at the subtree's root
  and the decisions of its own splits, so a row makes one lookup for all of them;
* a table row holds all of the tree's features (a few vectors of floats), so a lookup is
  a handful of vector additions, not ``d`` scattered ones.

For each tree the planner (``_plan``) weighs, from the number of rows, building a table
against computing a leaf per row with the same formula (few rows, or leaves deeper than
``MAX_TABLE_DEPTH`` features), and which subtrees to merge. The loops run in machine
code built from LLVM IR (``shapkernel.py``); splits are decided with LightGBM's rules
(numerical ``<=`` with its missing-value handling, categorical membership), checked
against ``pred_leaf`` and ``pred_contrib`` in the tests. Trees are split between threads;
the kernels release the GIL. Where the kernels cannot be built, or a path has more than
``MAX_CODE_BITS`` distinct features, LightGBM's own ``pred_contrib`` answers instead
(the same values, more slowly).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
from numpy.typing import NDArray

from weixi.analytics.churn import shapkernel as k
from weixi.analytics.churn.shapkernel import (
    BuildField,
    DirectField,
    LeafField,
    NodeField,
    TreeField,
    UnitField,
)

log = logging.getLogger(__name__)

MAX_TABLE_DEPTH = 16  # a table over 2^16 codes at most; deeper leaves are computed per row
MAX_UNIT_BITS = 12  # a shared table indexes at most 2^12 rows: it stays in the L2 cache
GROUP_FLOATS = 8 << 20  # tables of one group of trees, in floats (32 MB)
GROUP_TREES = 16  # trees per pass over the rows: fewer passes over the output
CACHED_FORESTS = 2  # parsed models kept in memory, by digest of the model text

# Planning costs in nanoseconds, measured on the benchmark's machine (x86-64, AVX-512).
ROW_NS = 1.0  # per row and table unit, plus LOOKUP_NS per vector of LANES floats
LOOKUP_NS = 0.6
FORMULA_NS = 1.0  # per d² for one pattern (a table row or a row computed directly)
ENTRY_NS = 0.6  # per d when a leaf's table row is added into a shared table


@dataclass(frozen=True)
class _Leaf:
    value: float
    features: tuple[int, ...]  # distinct features on the path, in first-seen order
    z: tuple[float, ...]  # cover fraction product per distinct feature
    steps: tuple[tuple[int, bool], ...]  # (internal node, went left) from the root


@dataclass(frozen=True)
class _Tree:
    """One tree: its node records for the kernel, and what the planner needs."""

    nodes: NDArray[np.int32]  # internal nodes × NodeField, preorder, cat offsets local
    thresholds: NDArray[np.float64]
    cat_bits: NDArray[np.int32]
    leaves: tuple[_Leaf, ...]  # left to right: a subtree's leaves are consecutive
    prefix: tuple[int, ...]  # per internal node: distinct features above it
    size: tuple[int, ...]  # per internal node: internal nodes in its subtree (itself too)
    leaf_range: tuple[tuple[int, int], ...]  # per internal node: its leaves
    features: tuple[int, ...]  # the tree's distinct features: its accumulator columns

    @property
    def width(self) -> int:
        return -(-len(self.features) // k.LANES) * k.LANES


@dataclass(frozen=True)
class _Forest:
    """A model's trees, with every tree's records in shared arrays."""

    trees: tuple[_Tree, ...]
    n_features: int
    nodes: NDArray[np.int32]
    thresholds: NDArray[np.float64]
    cat_bits: NDArray[np.int32]
    node_base: tuple[int, ...]
    feature_map: NDArray[np.int32]  # each tree's columns → model features, concatenated
    map_base: tuple[int, ...]
    data: NDArray[np.float64]  # per leaf z_0 … z_{d−1}, v
    positions: NDArray[np.int32]  # per leaf its features' accumulator columns
    data_base: tuple[tuple[int, ...], ...]  # per tree, per leaf: its offset in data
    positions_base: tuple[tuple[int, ...], ...]  # and in positions


def treeshap(
    booster: lgb.Booster, X: NDArray[np.float64], *, n_threads: int = 2
) -> NDArray[np.float32]:
    """Exact TreeSHAP values, rows × features (the expected-value column is not returned)."""
    X = np.asarray(X, dtype=np.float64)
    forest = _forest(booster)
    kernels = k.kernels()
    if kernels is None or _too_deep(forest):
        log.warning("TreeSHAP by LightGBM's pred_contrib (no kernels, or paths too deep)")
        contrib = booster.predict(X, pred_contrib=True)
        return np.ascontiguousarray(np.asarray(contrib)[:, :-1], dtype=np.float32)
    return _explain(kernels, forest, X, n_threads=n_threads, plan_rows=len(X))


def _explain(
    kernels: k.Kernels, forest: _Forest, X: NDArray[np.float64], *, n_threads: int, plan_rows: int
) -> NDArray[np.float32]:
    """TreeSHAP with tables planned for ``plan_rows`` rows (tests plan for other counts)."""
    rows = len(X)
    padded = -(-max(rows, 1) // k.ROW_BLOCK) * k.ROW_BLOCK
    columns = np.zeros((forest.n_features, padded))
    columns[:, :rows] = X.T
    workers = max(1, min(n_threads, len(forest.trees)))
    shares = [list(range(i, len(forest.trees), workers)) for i in range(workers)]

    def work(share: list[int]) -> NDArray[np.float32]:
        out = np.zeros((padded, forest.n_features), dtype=np.float32)
        scratch = _Scratch.for_forest(forest)
        for group in _groups(forest, share, plan_rows):
            _run(kernels, forest, group, columns, out, scratch)
        return out

    with ThreadPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(work, shares))
    total = parts[0]
    for part in parts[1:]:
        total += part
    return np.ascontiguousarray(total[:rows])


# --- planning ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """Leaves sharing one table: the subtree of internal node ``root``, or one leaf."""

    root: int
    leaf: bool  # root is a leaf index


@dataclass(frozen=True)
class _Plan:
    units: tuple[_Unit, ...]
    direct: tuple[int, ...]  # leaves computed per row


def _plan(tree: _Tree, rows: int) -> _Plan:
    """The cheapest exact way through one tree for ``rows`` rows, by the cost model above.

    Bottom-up, each subtree is either one shared table (when its root's code and its
    own decisions fit MAX_UNIT_BITS) or the best plans of its two halves; a leaf is a
    table of its own or, when tables cost more than they save, computed per row.
    """
    per_row = rows * (ROW_NS + LOOKUP_NS * tree.width / k.LANES)
    unit_cap = min(MAX_UNIT_BITS, MAX_TABLE_DEPTH)
    internal = len(tree.nodes)
    cost: list[float] = [0.0] * (internal + len(tree.leaves))
    tables = [0.0] * len(cost)  # building the leaf tables below a node
    entries = [0.0] * len(cost)  # adding one row of each of them into a shared table
    merged = [False] * internal
    tabled = [False] * len(tree.leaves)
    for i, leaf in enumerate(tree.leaves):
        d = len(leaf.features)
        tables[internal + i] = 2.0**d * FORMULA_NS * d * d
        entries[internal + i] = ENTRY_NS * d
        direct = rows * FORMULA_NS * d * d
        table = per_row + tables[internal + i] if d <= MAX_TABLE_DEPTH else math.inf
        cost[internal + i] = min(direct, table)
        tabled[i] = table < direct
    for n in reversed(range(internal)):
        left, right = int(tree.nodes[n, NodeField.LEFT]), int(tree.nodes[n, NodeField.RIGHT])
        tables[n] = tables[left] + tables[right]
        entries[n] = entries[left] + entries[right]
        cost[n] = cost[left] + cost[right]
        bits = tree.prefix[n] + tree.size[n]
        if bits <= unit_cap:
            shared = per_row + tables[n] + 2.0**bits * entries[n]
            if shared < cost[n]:
                cost[n], merged[n] = shared, True
    return _collect(tree, merged, tabled)


def _collect(tree: _Tree, merged: list[bool], tabled: list[bool]) -> _Plan:
    internal = len(tree.nodes)
    units: list[_Unit] = []
    direct: list[int] = []
    stack = [0] if internal else []
    while stack:
        ref = stack.pop()
        if ref >= internal:
            leaf = ref - internal
            if tabled[leaf]:
                units.append(_Unit(leaf, leaf=True))
            else:
                direct.append(leaf)
        elif merged[ref]:
            units.append(_Unit(ref, leaf=False))
        else:
            stack.extend(int(tree.nodes[ref, side]) for side in (NodeField.RIGHT, NodeField.LEFT))
    return _Plan(tuple(units), tuple(direct))


# --- packing and running -----------------------------------------------------------------


@dataclass
class _Group:
    """Records for one kernel pass over some trees (layouts in ``shapkernel.py``)."""

    trees: list[list[int]]
    units: list[list[int]]
    direct: list[list[int]]
    builds: list[list[int]]
    leaves: list[list[int]]
    terms: list[int]
    pool: int = 0  # floats of tables
    leaf_table: int = 0  # floats of the largest shared leaf's own table


def _groups(forest: _Forest, share: list[int], rows: int) -> list[_Group]:
    """``share``'s trees planned for ``rows`` and packed, a bounded amount of tables each."""
    groups: list[_Group] = []
    current = _Group([], [], [], [], [], [])
    for t in share:
        tree = forest.trees[t]
        if not len(tree.nodes):
            continue  # a single leaf explains nothing
        if current.trees and (len(current.trees) >= GROUP_TREES or current.pool >= GROUP_FLOATS):
            groups.append(current)
            current = _Group([], [], [], [], [], [])
        _pack(forest, t, _plan(tree, rows), current)
    if current.trees:
        groups.append(current)
    return groups


def _pack(forest: _Forest, t: int, plan: _Plan, group: _Group) -> None:
    tree = forest.trees[t]
    internal, width = len(tree.nodes), tree.width
    data_base, positions_base = forest.data_base[t], forest.positions_base[t]
    unit_start, direct_start = len(group.units), len(group.direct)
    for unit in plan.units:
        leaves = [unit.root] if unit.leaf else range(*tree.leaf_range[unit.root])
        bits = _bits(tree, unit)
        group.builds.append(
            [bits, width, group.pool, len(group.leaves), len(group.leaves) + len(leaves)]
        )
        for leaf in leaves:
            d = len(tree.leaves[leaf].features)
            terms = -1
            if not unit.leaf:
                terms = len(group.terms) // 2
                group.terms.extend(_terms(tree, leaf, unit.root))
                group.leaf_table = max(group.leaf_table, d << d)
            group.leaves.append([d, data_base[leaf], positions_base[leaf], terms])
        if unit.leaf:
            record = [internal + unit.root, bits, 0, 0, group.pool]
        else:
            record = [
                unit.root,
                tree.prefix[unit.root],
                unit.root,
                tree.size[unit.root],
                group.pool,
            ]
        group.units.append(record)
        group.pool += width << bits
    for leaf in plan.direct:
        d = len(tree.leaves[leaf].features)
        group.direct.append([internal + leaf, d, data_base[leaf], positions_base[leaf]])
    group.trees.append([
        forest.node_base[t], internal, width, len(tree.features), forest.map_base[t],
        unit_start, len(group.units), direct_start, len(group.direct),
    ])  # fmt: skip


def _bits(tree: _Tree, unit: _Unit) -> int:
    if unit.leaf:
        return len(tree.leaves[unit.root].features)
    return tree.prefix[unit.root] + tree.size[unit.root]


def _terms(tree: _Tree, leaf_index: int, root: int) -> list[int]:
    """(mask, want) per code bit of a leaf in the shared table of ``root``'s subtree.

    A table row is the root's code (its ``prefix`` low bits) and, above them, one bit per
    internal node of the subtree (1 = went left). The leaf's bit for a feature holds when
    the root's bit for it holds (if the feature is above the root) and every split on it
    between the root and the leaf went the leaf's way.
    """
    leaf = tree.leaves[leaf_index]
    prefix = tree.prefix[root]
    column = {feature: b for b, feature in enumerate(leaf.features)}
    masks = [1 << b if b < prefix else 0 for b in range(len(leaf.features))]
    wants = list(masks)
    for node, went_left in leaf.steps:
        if node >= root:  # the path's nodes below the root come later in preorder
            b = column[int(tree.nodes[node, NodeField.FEATURE])]
            masks[b] |= 1 << (prefix + node - root)
            wants[b] |= int(went_left) << (prefix + node - root)
    return [x for pair in zip(masks, wants, strict=True) for x in pair]


@dataclass
class _Scratch:
    """One thread's working buffers for the kernels."""

    codes: NDArray[np.int32]
    words: NDArray[np.int64]
    acc: NDArray[np.float32]
    work: NDArray[np.float64]
    phi: NDArray[np.float64]
    leaf_table: NDArray[np.float32]

    @classmethod
    def for_forest(cls, forest: _Forest) -> _Scratch:
        ids = max((len(t.nodes) + len(t.leaves) for t in forest.trees), default=1)
        internal = max((len(t.nodes) for t in forest.trees), default=0)
        width = max((t.width for t in forest.trees), default=k.LANES)
        return cls(
            codes=np.zeros(ids * k.ROW_BLOCK, dtype=np.int32),
            words=np.zeros(((internal >> 6) + 2) * k.ROW_BLOCK, dtype=np.int64),
            acc=np.zeros(width * k.ROW_BLOCK, dtype=np.float32),
            work=np.zeros(2 * k.MAX_CODE_BITS * k.LANES),
            phi=np.zeros(k.MAX_CODE_BITS * k.LANES),
            leaf_table=np.zeros(1, dtype=np.float32),
        )


def _gauss_legendre_rules() -> NDArray[np.float64]:
    """Per path length d, ⌈d/2⌉ Gauss–Legendre nodes and weights on [0, 1] (exact for the
    degree-(d − 1) integrands of ``shapkernel``'s formula), laid out as the kernel reads them."""
    rules = np.zeros((k.MAX_CODE_BITS + 1, 2, k.HALF_RULE))
    for d in range(1, k.MAX_CODE_BITS + 1):
        nodes, weights = np.polynomial.legendre.leggauss((d + 1) // 2)
        rules[d, 0, : len(nodes)] = (nodes + 1.0) / 2.0
        rules[d, 1, : len(nodes)] = weights / 2.0
    return rules.ravel()


_RULES = _gauss_legendre_rules()


def _run(
    kernels: k.Kernels,
    forest: _Forest,
    group: _Group,
    columns: NDArray[np.float64],
    out: NDArray[np.float32],
    scratch: _Scratch,
) -> None:
    """Build a group's tables, then add its trees' values for every row into ``out``."""
    if scratch.leaf_table.size < group.leaf_table:
        scratch.leaf_table = np.zeros(group.leaf_table, dtype=np.float32)
    a = k.address
    pool = np.empty(max(group.pool, 1), dtype=np.float32)
    units = _records(group.units, len(UnitField))
    builds = _records(group.builds, len(BuildField))
    leaves = _records(group.leaves, len(LeafField))
    terms = np.asarray(group.terms or [0], dtype=np.int64)
    kernels.build(
        len(builds), a(builds), a(leaves), a(terms), a(forest.data), a(forest.positions),
        a(_RULES), a(pool), a(scratch.leaf_table), a(scratch.work), a(scratch.phi),
    )  # fmt: skip
    trees = _records(group.trees, len(TreeField))
    direct = _records(group.direct, len(DirectField))
    kernels.apply(
        len(trees), a(trees), a(forest.nodes), a(forest.thresholds), a(forest.cat_bits),
        a(forest.feature_map), a(units), a(direct), a(forest.data), a(forest.positions),
        a(_RULES), a(pool), a(columns), columns.shape[1], 0, columns.shape[1], a(out),
        out.shape[1], a(scratch.codes), a(scratch.words), a(scratch.acc), a(scratch.work),
        a(scratch.phi),
    )  # fmt: skip


def _records(rows: list[list[int]], width: int) -> NDArray[np.int64]:
    return np.asarray(rows or [[0] * width], dtype=np.int64).reshape(-1, width)


# --- the model ---------------------------------------------------------------------------

_forests: OrderedDict[str, _Forest] = OrderedDict()
_forests_lock = threading.Lock()


def _forest(booster: lgb.Booster) -> _Forest:
    """The booster's trees in the kernels' layout; the last few models are kept parsed."""
    digest = hashlib.sha256(booster.model_to_string().encode()).hexdigest()
    with _forests_lock:
        if digest in _forests:
            _forests.move_to_end(digest)
            return _forests[digest]
    dump = booster.dump_model()
    trees = tuple(_parse(info["tree_structure"]) for info in dump["tree_info"])
    forest = _assemble(trees, len(dump["feature_names"]))
    with _forests_lock:
        _forests[digest] = forest
        while len(_forests) > CACHED_FORESTS:
            _forests.popitem(last=False)
    return forest


def _too_deep(forest: _Forest) -> bool:
    return any(len(leaf.features) > k.MAX_CODE_BITS for t in forest.trees for leaf in t.leaves)


def _assemble(trees: tuple[_Tree, ...], n_features: int) -> _Forest:
    node_base, map_base, data_base, positions_base = [], [], [], []
    nodes, cat_bits, data, positions = [], [], [0.0], [0]
    n_nodes = n_cat = n_map = 0
    for tree in trees:
        node_base.append(n_nodes)
        map_base.append(n_map)
        shifted = tree.nodes.copy()
        shifted[:, NodeField.CAT_OFFSET] += n_cat
        nodes.append(shifted)
        cat_bits.append(tree.cat_bits)
        n_nodes, n_cat, n_map = (
            n_nodes + len(tree.nodes),
            n_cat + len(tree.cat_bits),
            n_map + len(tree.features),
        )
        column = {feature: c for c, feature in enumerate(tree.features)}
        data_base.append(
            tuple(
                len(data) + sum(len(x.z) + 1 for x in tree.leaves[:i])
                for i in range(len(tree.leaves))
            )
        )
        positions_base.append(
            tuple(
                len(positions) + sum(len(x.z) for x in tree.leaves[:i])
                for i in range(len(tree.leaves))
            )
        )
        for leaf in tree.leaves:
            data.extend((*leaf.z, leaf.value))
            positions.extend(column[f] for f in leaf.features)
    return _Forest(
        trees=trees,
        n_features=n_features,
        nodes=np.concatenate([*nodes, np.zeros((1, len(NodeField)), np.int32)]),
        thresholds=np.concatenate([*(t.thresholds for t in trees), [0.0]]),
        cat_bits=np.concatenate([*cat_bits, np.zeros(1, np.int32)]).astype(np.int32),
        node_base=tuple(node_base),
        feature_map=np.asarray([f for t in trees for f in t.features] or [0], dtype=np.int32),
        map_base=tuple(map_base),
        data=np.asarray(data),
        positions=np.asarray(positions, dtype=np.int32),
        data_base=tuple(data_base),
        positions_base=tuple(positions_base),
    )


def _parse(root: dict[str, Any]) -> _Tree:
    """One tree of ``dump_model`` in preorder (left first), internal nodes and leaves apart."""
    records: list[list[int]] = []
    thresholds: list[float] = []
    cat_bits: list[int] = []
    prefix: list[int] = []
    leaves: list[_Leaf] = []
    Item = tuple[dict[str, Any], tuple[tuple[int, bool], ...], dict[int, float], int, int]
    stack: list[Item] = [(root, (), {}, -1, 0)]
    while stack:
        node, steps, z, parent, side = stack.pop()
        if "leaf_value" in node:
            ref = -len(leaves) - 1  # leaves are numbered after all internal nodes, below
            leaves.append(_Leaf(float(node["leaf_value"]), tuple(z), tuple(z.values()), steps))
        else:
            ref = len(records)
            record, threshold = _node_record(node, z, cat_bits)
            records.append(record)
            thresholds.append(threshold)
            prefix.append(len(z))
            feature = record[NodeField.FEATURE]
            parent_count = float(node.get("internal_count", 1)) or 1.0
            for child, left in ((node["right_child"], False), (node["left_child"], True)):
                count = float(child.get("internal_count", child.get("leaf_count", 0)))
                child_z = dict(z)
                child_z[feature] = child_z.get(feature, 1.0) * (count / parent_count)
                stack.append(
                    (
                        child,
                        (*steps, (ref, left)),
                        child_z,
                        ref,
                        NodeField.LEFT if left else NodeField.RIGHT,
                    )
                )
        if parent >= 0:
            records[parent][side] = ref
    return _finish(records, thresholds, cat_bits, prefix, leaves)


def _finish(
    records: list[list[int]],
    thresholds: list[float],
    cat_bits: list[int],
    prefix: list[int],
    leaves: list[_Leaf],
) -> _Tree:
    internal = len(records)
    nodes = np.asarray(records or np.zeros((0, len(NodeField))), dtype=np.int32).reshape(
        -1, len(NodeField)
    )
    for side in (NodeField.LEFT, NodeField.RIGHT):
        ids = nodes[:, side]
        ids[ids < 0] = internal - ids[ids < 0] - 1
    size = [1] * internal
    ranges = [(0, 0)] * internal
    for n in reversed(range(internal)):
        lo_hi = []
        for side in (NodeField.LEFT, NodeField.RIGHT):
            child = int(nodes[n, side])
            if child < internal:
                size[n] += size[child]
                lo_hi.append(ranges[child])
            else:
                lo_hi.append((child - internal, child - internal + 1))
        ranges[n] = (lo_hi[0][0], lo_hi[1][1])
    features = tuple(dict.fromkeys(f for leaf in leaves for f in leaf.features))
    return _Tree(
        nodes=nodes,
        thresholds=np.asarray(thresholds, dtype=np.float64),
        cat_bits=np.asarray(cat_bits, dtype=np.int64).astype(np.int32),
        leaves=tuple(leaves),
        prefix=tuple(prefix),
        size=tuple(size),
        leaf_range=tuple(ranges),
        features=features,
    )


def _node_record(
    node: dict[str, Any], z: dict[int, float], cat_bits: list[int]
) -> tuple[list[int], float]:
    """The kernel's record of a split (NodeField) and its threshold."""
    record = [0] * len(NodeField)
    feature = int(node["split_feature"])
    record[NodeField.FEATURE] = feature
    record[NodeField.NEW] = int(feature not in z)
    record[NodeField.BIT] = list(z).index(feature) if feature in z else len(z)
    default_left = bool(node.get("default_left", True))
    record[NodeField.DEFAULT_LEFT] = int(default_left)
    if node["decision_type"] != "<=":
        categories = [int(c) for c in str(node["threshold"]).split("||") if c != ""]
        words = max(categories, default=0) // 32 + 1
        bitset = [0] * words
        for c in categories:
            bitset[c // 32] |= 1 << (c % 32)
        record[NodeField.CATEGORICAL] = 1
        record[NodeField.CAT_OFFSET] = len(cat_bits)
        record[NodeField.CAT_WORDS] = words
        cat_bits.extend(w - (1 << 32) if w >= 1 << 31 else w for w in bitset)
        return record, 0.0
    threshold = float(node["threshold"])
    missing = str(node.get("missing_type", "None"))
    record[NodeField.ZERO_MISSING] = int(missing == "Zero")
    # NaN is 0.0 to LightGBM unless the missing type is NaN; a Zero-type zero is missing.
    record[NodeField.NAN_LEFT] = int(
        default_left if missing in ("NaN", "Zero") else threshold >= 0.0
    )
    return record, threshold
