"""One component's min-cost flow: build the network, solve it, read the routes back.

Nodes: classes (supply = head count) → pools → manager×bucket → manager → sink.
Arcs and their unit costs:

* class → its valid current manager (skill gap, household miss);
* class → its valid household/hall manager (continuity, skill gap);
* class → pool (county, skills, bucket) (continuity, household miss), and
  pool → every eligible manager×bucket (skill gap). A pool path to the current or
  household manager overstates that cost, so the optimum never takes it: the
  network's optimum equals the model with one arc per customer and manager;
* class → sink (continuity, household miss, and the unassigned penalty);
* manager×bucket → manager: pieces of increasing cost (value balance);
* manager → sink: pieces of increasing cost summing to the capacity (load balance).

Convex costs are pieces of increasing slope, so the cheapest flow fills them in
order and the flow cost equals the convex objective exactly.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from weixi.analytics.assignment.tables import BoolArray, IntArray
from weixi.errors import WeixiError

KIND_CUR, KIND_HINT, KIND_OTHER, KIND_POOL, KIND_NONE = range(5)
"""Route kinds, in the order a class's members (value descending) take them."""


class SolverFailed(WeixiError):
    code = "assignment_solver_failed"
    http_status = 500


@dataclass(frozen=True, eq=False)
class FlowTask:
    """Everything one worker needs for one component, in local indices."""

    comp: int
    aggregate: bool
    class_count: IntArray
    class_county: IntArray
    class_cur: IntArray
    class_hint: IntArray
    class_cur_present: BoolArray
    class_hint_present: BoolArray
    class_skills: IntArray
    class_bucket: IntArray
    class_pool: IntArray
    pool_county: IntArray
    pool_skills: IntArray
    pool_bucket: IntArray
    county_ptr: IntArray  # CSR: local managers eligible for each local county
    county_mgr: IntArray
    mgr_skills: IntArray
    load_bp: IntArray
    load_slope: IntArray
    value_bp: IntArray
    value_slope: IntArray  # (buckets, pieces)
    penalty: IntArray  # (buckets,)
    cont_cost: int
    hint_cost: int
    skill_cost: int

    @property
    def size(self) -> int:
        return len(self.class_count) + len(self.pool_county) * len(self.mgr_skills)


@dataclass(frozen=True, eq=False)
class FlowResult:
    """Optimal routes of one component, in the task's local indices."""

    comp: int
    optimum: int
    route_class: IntArray
    route_kind: IntArray
    route_mgr: IntArray  # -1 for pool and none routes
    route_flow: IntArray
    pool_pool: IntArray
    pool_mgr: IntArray
    pool_flow: IntArray
    nodes: int
    arcs: int
    seconds: float


def _expand(ptr: IntArray, groups: IntArray) -> tuple[IntArray, IntArray]:
    """For each group g, every member ptr[g]..ptr[g+1]: (position in groups, member index)."""
    lens = ptr[groups + 1] - ptr[groups]
    owner = np.repeat(np.arange(len(groups)), lens)
    first = np.repeat(np.cumsum(lens) - lens, lens)
    return owner, np.repeat(ptr[groups], lens) + np.arange(int(lens.sum())) - first


class _Arcs:
    """Arcs collected in named groups, added to the solver in one call."""

    def __init__(self) -> None:
        self.parts: list[tuple[IntArray, IntArray, IntArray, IntArray]] = []
        self.offset = 0

    def add(self, tail: IntArray, head: IntArray, cap: IntArray | int, cost: IntArray) -> slice:
        n = len(tail)
        cap_b = np.broadcast_to(np.asarray(cap, dtype=np.int64), (n,))
        cost_b = np.broadcast_to(np.asarray(cost, dtype=np.int64), (n,))
        self.parts.append((tail, head, cap_b, cost_b))
        self.offset += n
        return slice(self.offset - n, self.offset)

    def columns(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        if not self.parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, empty
        tail, head, cap, cost = (np.concatenate(x) for x in zip(*self.parts, strict=True))
        return tail.astype(np.int64), head.astype(np.int64), cap, cost


def _gap(task: FlowTask, need: IntArray, mgr: IntArray) -> IntArray:
    return np.bitwise_count(need & ~task.mgr_skills[mgr]).astype(np.int64) * task.skill_cost


def _pieces(arcs: _Arcs, tail: IntArray, head: IntArray, bp: IntArray, slope: IntArray) -> None:
    """Convex pieces from ``tail`` to ``head`` (one row of breakpoints/slopes per pair)."""
    width = np.diff(bp, axis=-1)
    rows, piece = np.nonzero(width > 0)
    arcs.add(tail[rows], head[rows], width[rows, piece], slope[rows, piece])


@dataclass(frozen=True, eq=False)
class Network:
    """A built network: arcs as columns, node supplies, and how to read routes back."""

    tail: IntArray
    head: IntArray
    capacity: IntArray
    cost: IntArray
    supply: IntArray
    routes: list[tuple[slice, IntArray, int, IntArray]]
    pool: IntArray
    pool_mgr: IntArray
    pool_arcs: slice


def solve_task(task: FlowTask) -> FlowResult:
    """Build the component's network, solve it to optimality and return its routes."""
    began = time.perf_counter()
    net = build_network(task)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        net.tail.astype(np.int32), net.head.astype(np.int32), net.capacity, net.cost
    )
    solver.set_nodes_supplies(np.arange(len(net.supply), dtype=np.int32), net.supply)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise SolverFailed(f"min-cost flow of component {task.comp} ended with status {status}")
    flows = np.asarray(solver.flows(np.arange(len(net.tail), dtype=np.int32)), dtype=np.int64)
    return _read_routes(task, solver, flows, net, began)


def build_network(task: FlowTask) -> Network:
    """The component's min-cost-flow network (see the module docstring)."""
    t = task
    n_k, n_p, n_m = len(t.class_count), len(t.pool_county), len(t.mgr_skills)
    n_b = len(t.penalty)
    node_mb, node_m = n_k + n_p, n_k + n_p + n_m * n_b
    sink = node_m + n_m
    total = int(t.class_count.sum())
    k = np.arange(n_k)
    move = t.class_cur_present * t.cont_cost
    miss = t.class_hint_present * t.hint_cost
    arcs = _Arcs()
    routes: list[tuple[slice, IntArray, int, IntArray]] = []
    if t.aggregate:
        has = np.flatnonzero(t.class_cur >= 0)
        cur = t.class_cur[has]
        cost = _gap(t, t.class_skills[has], cur) + miss[has] * (t.class_hint[has] != cur)
        head = node_mb + cur * n_b + t.class_bucket[has]
        routes.append((arcs.add(has, head, t.class_count[has], cost), has, KIND_CUR, cur))
        has = np.flatnonzero((t.class_hint >= 0) & (t.class_hint != t.class_cur))
        hint = t.class_hint[has]
        cost = move[has] + _gap(t, t.class_skills[has], hint)
        head = node_mb + hint * n_b + t.class_bucket[has]
        routes.append((arcs.add(has, head, t.class_count[has], cost), has, KIND_HINT, hint))
        lens = t.county_ptr[t.pool_county + 1] - t.county_ptr[t.pool_county]
        has = np.flatnonzero(lens[t.class_pool] > 0)
        sl = arcs.add(has, n_k + t.class_pool[has], t.class_count[has], move[has] + miss[has])
        routes.append((sl, has, KIND_POOL, np.full(len(has), -1)))
        pool, mgr_at = _expand(t.county_ptr, t.pool_county)
        mgr = t.county_mgr[mgr_at]
        head = node_mb + mgr * n_b + t.pool_bucket[pool]
        pool_arcs = arcs.add(n_k + pool, head, total, _gap(t, t.pool_skills[pool], mgr))
    else:
        cls, mgr_at = _expand(t.county_ptr, t.class_county)
        mgr = t.county_mgr[mgr_at]
        cost = move[cls] * (mgr != t.class_cur[cls]) + miss[cls] * (mgr != t.class_hint[cls])
        cost = cost + _gap(t, t.class_skills[cls], mgr)
        kind = np.where(
            mgr == t.class_cur[cls], KIND_CUR, np.where(mgr == t.class_hint[cls], KIND_HINT, 2)
        )
        head = node_mb + mgr * n_b + t.class_bucket[cls]
        sl = arcs.add(cls, head, t.class_count[cls], cost)
        routes.append((sl, cls, -1, np.stack([kind, mgr])))
        pool, mgr, pool_arcs = np.zeros(0, np.int64), np.zeros(0, np.int64), slice(0, 0)
    cost = move + miss + t.penalty[t.class_bucket]
    none = arcs.add(k, np.full(n_k, sink), t.class_count, cost)
    routes.append((none, k, KIND_NONE, np.full(n_k, -1)))
    mb_m = np.repeat(np.arange(n_m), n_b)
    mb_b = np.tile(np.arange(n_b), n_m)
    _pieces(
        arcs,
        node_mb + mb_m * n_b + mb_b,
        node_m + mb_m,
        t.value_bp.reshape(n_m * n_b, t.value_bp.shape[-1]),
        t.value_slope[mb_b],
    )
    load_slope = np.broadcast_to(t.load_slope, (n_m, len(t.load_slope)))
    _pieces(arcs, node_m + np.arange(n_m), np.full(n_m, sink), t.load_bp, load_slope)
    supply = np.zeros(sink + 1, dtype=np.int64)
    supply[:n_k] = t.class_count
    supply[sink] = -total
    tail, head, cap, cost = arcs.columns()
    return Network(tail, head, cap, cost, supply, routes, pool, mgr, pool_arcs)


def _read_routes(
    task: FlowTask,
    solver: min_cost_flow.SimpleMinCostFlow,
    flows: IntArray,
    net: Network,
    began: float,
) -> FlowResult:
    cls_parts, kind_parts, mgr_parts, flow_parts = [], [], [], []
    for sl, cls, kind, mgr in net.routes:
        f = flows[sl]
        used = f > 0
        cls_parts.append(cls[used])
        if kind < 0:  # unaggregated: kinds and managers per arc
            kind_parts.append(mgr[0][used])
            mgr_parts.append(mgr[1][used])
        else:
            kind_parts.append(np.full(int(used.sum()), kind))
            mgr_parts.append(mgr[used])
        flow_parts.append(f[used])
    pf = flows[net.pool_arcs]
    used = pf > 0
    return FlowResult(
        comp=task.comp,
        optimum=int(solver.optimal_cost()),
        route_class=np.concatenate(cls_parts).astype(np.int64),
        route_kind=np.concatenate(kind_parts).astype(np.int64),
        route_mgr=np.concatenate(mgr_parts).astype(np.int64),
        route_flow=np.concatenate(flow_parts).astype(np.int64),
        pool_pool=net.pool[used],
        pool_mgr=net.pool_mgr[used],
        pool_flow=pf[used],
        nodes=int(solver.num_nodes()),
        arcs=int(solver.num_arcs()),
        seconds=time.perf_counter() - began,
    )
