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


@dataclass(frozen=True)
class Route:
    """A group of class arcs: for each arc its class, route kind and manager (-1: none)."""

    arcs: slice
    cls: IntArray
    kind: IntArray
    mgr: IntArray


@dataclass(frozen=True, eq=False)
class Network:
    """A built network: arcs as columns, node supplies, and how to read routes back."""

    tail: IntArray
    head: IntArray
    capacity: IntArray
    cost: IntArray
    supply: IntArray
    routes: list[Route]
    pool: IntArray  # pool → manager arcs: local pool and manager of each
    pool_mgr: IntArray
    pool_arcs: slice


@dataclass(frozen=True)
class _Layout:
    """Node numbering: classes, pools, manager×bucket, managers, sink."""

    n_k: int
    n_p: int
    n_m: int
    n_b: int

    @property
    def sink(self) -> int:
        return self.n_k + self.n_p + self.n_m * (self.n_b + 1)

    def pool(self, p: IntArray) -> IntArray:
        return self.n_k + p

    def mb(self, m: IntArray, b: IntArray) -> IntArray:
        return self.n_k + self.n_p + m * self.n_b + b

    def manager(self, m: IntArray) -> IntArray:
        return self.n_k + self.n_p + self.n_m * self.n_b + m


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
    lay = _Layout(len(t.class_count), len(t.pool_county), len(t.mgr_skills), len(t.penalty))
    arcs = _Arcs()
    if t.aggregate:
        routes = _class_arcs_aggregated(t, lay, arcs)
        pool, mgr, pool_arcs = _pool_arcs(t, lay, arcs)
    else:
        routes = [_class_arcs_direct(t, lay, arcs)]
        pool, mgr, pool_arcs = np.zeros(0, np.int64), np.zeros(0, np.int64), slice(0, 0)
    k = np.arange(lay.n_k)
    cost = _move(t) + _miss(t) + t.penalty[t.class_bucket]
    none = arcs.add(k, np.full(lay.n_k, lay.sink), t.class_count, cost)
    routes.append(Route(none, k, np.full(lay.n_k, KIND_NONE), np.full(lay.n_k, -1)))
    _manager_arcs(t, lay, arcs)
    supply = np.zeros(lay.sink + 1, dtype=np.int64)
    supply[: lay.n_k] = t.class_count
    supply[lay.sink] = -int(t.class_count.sum())
    tail, head, cap, cost = arcs.columns()
    return Network(tail, head, cap, cost, supply, routes, pool, mgr, pool_arcs)


def _move(t: FlowTask) -> IntArray:
    return t.class_cur_present * t.cont_cost


def _miss(t: FlowTask) -> IntArray:
    return t.class_hint_present * t.hint_cost


def _class_arcs_aggregated(t: FlowTask, lay: _Layout, arcs: _Arcs) -> list[Route]:
    """Class → current manager, class → household manager, class → pool."""
    move, miss = _move(t), _miss(t)
    has = np.flatnonzero(t.class_cur >= 0)
    cur = t.class_cur[has]
    cost = _gap(t, t.class_skills[has], cur) + miss[has] * (t.class_hint[has] != cur)
    head = lay.mb(cur, t.class_bucket[has])
    keep = Route(
        arcs.add(has, head, t.class_count[has], cost), has, np.full(len(has), KIND_CUR), cur
    )
    has = np.flatnonzero((t.class_hint >= 0) & (t.class_hint != t.class_cur))
    hint = t.class_hint[has]
    cost = move[has] + _gap(t, t.class_skills[has], hint)
    head = lay.mb(hint, t.class_bucket[has])
    home = Route(
        arcs.add(has, head, t.class_count[has], cost), has, np.full(len(has), KIND_HINT), hint
    )
    lens = t.county_ptr[t.pool_county + 1] - t.county_ptr[t.pool_county]
    has = np.flatnonzero(lens[t.class_pool] > 0)
    head = lay.pool(t.class_pool[has])
    sl = arcs.add(has, head, t.class_count[has], move[has] + miss[has])
    return [keep, home, Route(sl, has, np.full(len(has), KIND_POOL), np.full(len(has), -1))]


def _pool_arcs(t: FlowTask, lay: _Layout, arcs: _Arcs) -> tuple[IntArray, IntArray, slice]:
    """Pool → every manager×bucket eligible for the pool's county."""
    pool, mgr_at = _expand(t.county_ptr, t.pool_county)
    mgr = t.county_mgr[mgr_at]
    head = lay.mb(mgr, t.pool_bucket[pool])
    total = int(t.class_count.sum())
    return pool, mgr, arcs.add(lay.pool(pool), head, total, _gap(t, t.pool_skills[pool], mgr))


def _class_arcs_direct(t: FlowTask, lay: _Layout, arcs: _Arcs) -> Route:
    """Unaggregated model: one arc per class and eligible manager, at its exact cost."""
    cls, mgr_at = _expand(t.county_ptr, t.class_county)
    mgr = t.county_mgr[mgr_at]
    cost = _move(t)[cls] * (mgr != t.class_cur[cls]) + _miss(t)[cls] * (mgr != t.class_hint[cls])
    cost = cost + _gap(t, t.class_skills[cls], mgr)
    is_hint = np.where(mgr == t.class_hint[cls], KIND_HINT, KIND_OTHER)
    kind = np.where(mgr == t.class_cur[cls], KIND_CUR, is_hint)
    sl = arcs.add(cls, lay.mb(mgr, t.class_bucket[cls]), t.class_count[cls], cost)
    return Route(sl, cls, kind, mgr)


def _manager_arcs(t: FlowTask, lay: _Layout, arcs: _Arcs) -> None:
    """Value pieces (manager×bucket → manager) and load pieces (manager → sink)."""
    n_m, n_b = lay.n_m, lay.n_b
    mb_m = np.repeat(np.arange(n_m), n_b)
    mb_b = np.tile(np.arange(n_b), n_m)
    value_bp = t.value_bp.reshape(n_m * n_b, t.value_bp.shape[-1])
    _pieces(arcs, lay.mb(mb_m, mb_b), lay.manager(mb_m), value_bp, t.value_slope[mb_b])
    load_slope = np.broadcast_to(t.load_slope, (n_m, len(t.load_slope)))
    managers = np.arange(n_m)
    _pieces(arcs, lay.manager(managers), np.full(n_m, lay.sink), t.load_bp, load_slope)


def _read_routes(
    task: FlowTask,
    solver: min_cost_flow.SimpleMinCostFlow,
    flows: IntArray,
    net: Network,
    began: float,
) -> FlowResult:
    cls_parts, kind_parts, mgr_parts, flow_parts = [], [], [], []
    for route in net.routes:
        f = flows[route.arcs]
        used = f > 0
        cls_parts.append(route.cls[used])
        kind_parts.append(route.kind[used])
        mgr_parts.append(route.mgr[used])
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
