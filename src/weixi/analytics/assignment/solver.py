"""The optimiser: split into components, solve each as a min-cost flow, put it back together."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from weixi.analytics.assignment.classes import Classes, build_classes
from weixi.analytics.assignment.flow import (
    KIND_POOL,
    FlowResult,
    FlowTask,
    SolverFailed,
    solve_task,
)
from weixi.analytics.assignment.model import Problem, evaluate, prepare, violations
from weixi.analytics.assignment.result import AssignmentResult, SolveStats, build_result
from weixi.analytics.assignment.tables import Customers, IntArray, Managers, take
from weixi.analytics.assignment.weights import AssignmentWeights


def assign_managers(
    customers: Customers,
    managers: Managers,
    *,
    weights: AssignmentWeights | None = None,
    workers: int = 2,
    aggregate: bool = True,
) -> AssignmentResult:
    """Give every customer the manager that minimises the weighted objective, exactly.

    Hard constraints: a manager serves their county and its allowed neighbours only,
    never more customers than their capacity, and only while active. Components of
    counties linked by neighbour permissions are solved independently, ``workers`` at
    a time. ``aggregate=False`` builds one supply node per customer (for tests).
    """
    began = time.perf_counter()
    weights = weights or AssignmentWeights()
    problem = prepare(customers, managers, weights)
    classes = build_classes(problem, aggregate=aggregate)
    prepared = time.perf_counter()
    tasks = list(component_tasks(problem, classes, aggregate=aggregate))
    results = list(_run(tasks, workers))
    solved = time.perf_counter()
    manager_of = disaggregate(problem, classes, tasks, results)
    optimum = np.zeros(problem.n_comp, dtype=np.int64)
    for r in results:
        optimum[r.comp] = r.optimum
    manager_of = _stay_where_no_worse(problem, manager_of, optimum)
    broken = violations(problem, manager_of)
    if broken:  # the network encodes every hard constraint; this is a bug guard
        raise SolverFailed(f"solution breaks hard constraints: {broken}")
    stats = SolveStats(
        components=len(tasks),
        classes=len(classes),
        nodes=sum(r.nodes for r in results),
        arcs=sum(r.arcs for r in results),
        bound=int(optimum.sum()),
        prepare_seconds=prepared - began,
        solve_seconds=solved - prepared,
        total_seconds=0.0,
        method="min-cost flow" + (" (aggregated)" if aggregate else ""),
    )
    return build_result(problem, manager_of, stats, began=began)


def _run(tasks: list[FlowTask], workers: int) -> Iterator[FlowResult]:
    if workers <= 1 or len(tasks) <= 1:
        yield from map(solve_task, tasks)
        return
    ordered = sorted(tasks, key=lambda t: -t.size)  # largest first keeps both cores busy
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(solve_task, ordered, chunksize=1)


def _split(groups: IntArray, n: int) -> list[IntArray]:
    order = np.argsort(groups, kind="stable")
    bounds = np.searchsorted(groups[order], np.arange(n + 1))
    return [order[bounds[c] : bounds[c + 1]] for c in range(n)]


def _managers_by_comp(p: Problem) -> list[IntArray]:
    return _split(np.where(p.mgr_comp >= 0, p.mgr_comp, p.n_comp), p.n_comp)


def component_tasks(problem: Problem, classes: Classes, *, aggregate: bool) -> Iterable[FlowTask]:
    """One flow task per component that has customers, in component order."""
    p = problem
    by_comp = _split(classes.comp, p.n_comp)
    mgr_by_comp = _managers_by_comp(p)
    county_by_comp = _split(p.county_comp, p.n_comp)
    mgr_local = np.full(len(p.managers), -1, dtype=np.int64)
    county_local = np.full(len(p.county_ids), -1, dtype=np.int64)
    for c in range(p.n_comp):
        cls = by_comp[c]
        if not len(cls):
            continue
        mgrs, counties = mgr_by_comp[c], county_by_comp[c]
        mgr_local[mgrs] = np.arange(len(mgrs))
        county_local[counties] = np.arange(len(counties))
        yield _task(p, classes, c, cls, mgrs, counties, mgr_local, county_local, aggregate)


def _task(
    p: Problem,
    classes: Classes,
    comp: int,
    cls: IntArray,
    mgrs: IntArray,
    counties: IntArray,
    mgr_local: IntArray,
    county_local: IntArray,
    aggregate: bool,
) -> FlowTask:
    lens = p.elig_ptr[counties + 1] - p.elig_ptr[counties]
    ptr = np.zeros(len(counties) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(lens)
    members = np.concatenate([p.eligible(int(c)) for c in counties]) if len(counties) else ptr[:0]
    pools = np.unique(classes.pool[cls]) if aggregate else np.zeros(0, dtype=np.int64)
    pool_local = np.searchsorted(pools, classes.pool[cls])

    return FlowTask(
        comp=comp,
        aggregate=aggregate,
        class_count=classes.count[cls],
        class_county=county_local[classes.county[cls]],
        class_cur=take(mgr_local, classes.cur[cls]),
        class_hint=take(mgr_local, classes.hint[cls]),
        class_cur_present=classes.cur_present[cls],
        class_hint_present=classes.hint_present[cls],
        class_skills=classes.skills[cls],
        class_bucket=classes.bucket[cls],
        class_pool=pool_local if aggregate else np.full(len(cls), -1),
        pool_county=county_local[classes.pool_county[pools]] if aggregate else pools,
        pool_skills=classes.pool_skills[pools] if aggregate else pools,
        pool_bucket=classes.pool_bucket[pools] if aggregate else pools,
        county_ptr=ptr,
        county_mgr=mgr_local[members.astype(np.int64)],
        mgr_skills=p.managers.skills[mgrs],
        load_bp=p.load_bp[mgrs],
        load_slope=p.load_slope,
        value_bp=p.value_bp[mgrs],
        value_slope=p.value_slope[comp],
        penalty=p.penalty[comp],
        cont_cost=p.cont_cost,
        hint_cost=p.hint_cost,
        skill_cost=p.skill_cost,
    )


def disaggregate(
    problem: Problem, classes: Classes, tasks: list[FlowTask], results: list[FlowResult]
) -> IntArray:
    """Turn class-level flows into one manager index (or -1) per customer, deterministically."""
    by_comp = {t.comp: t for t in tasks}
    cls_by_comp = _split(classes.comp, problem.n_comp)
    mgr_by_comp = _split(
        np.where(problem.mgr_comp >= 0, problem.mgr_comp, problem.n_comp), problem.n_comp
    )
    parts: list[tuple[IntArray, ...]] = []
    pool_parts: list[tuple[IntArray, ...]] = []
    for r in results:
        cls_glob, mgr_glob = cls_by_comp[r.comp], mgr_by_comp[r.comp]
        route_mgr = take(mgr_glob, r.route_mgr)
        parts.append((cls_glob[r.route_class], r.route_kind, route_mgr, r.route_flow))
        pools = np.unique(classes.pool[cls_glob]) if by_comp[r.comp].aggregate else None
        if pools is not None and len(r.pool_pool):
            pool_parts.append((pools[r.pool_pool], mgr_glob[r.pool_mgr], r.pool_flow))
    manager_of = np.full(len(problem.customers), -1, dtype=np.int64)
    if not parts:
        return manager_of
    cls, kind, mgr, flow = (np.concatenate(x) for x in zip(*parts, strict=True))
    order = np.lexsort((mgr, kind, cls))
    cls, kind, mgr, flow = cls[order], kind[order], mgr[order], flow[order]
    route = np.repeat(np.arange(len(cls)), flow)
    manager_of[classes.order] = mgr[route]
    if pool_parts:
        pool, pmgr, pflow = (np.concatenate(x) for x in zip(*pool_parts, strict=True))
        at_pool = np.flatnonzero(kind[route] == KIND_POOL)
        pool_of = classes.pool[cls[route[at_pool]]]
        slots = at_pool[np.argsort(pool_of, kind="stable")]
        porder = np.lexsort((pmgr, pool))
        manager_of[classes.order[slots]] = np.repeat(pmgr[porder], pflow[porder])
    return manager_of


def _stay_where_no_worse(problem: Problem, manager_of: IntArray, optimum: IntArray) -> IntArray:
    """Per component, keep today's assignment when it is feasible and already optimal.

    The optimum may have ties; a quiet night must not shuffle customers between equally
    good managers, so where nobody needs to move we move nobody.
    """
    p = problem
    stay = np.where(p.cust_cur_valid, p.cust_cur, -1)
    counts = np.bincount(stay[stay >= 0], minlength=len(p.managers))
    over = np.zeros(p.n_comp, dtype=bool)
    over[p.mgr_comp[(counts > p.managers.capacity) & (p.mgr_comp >= 0)]] = True
    ok = ~over & (evaluate(p, stay).per_component <= optimum)
    keep = ok[p.cust_comp]
    return np.where(keep, stay, manager_of)
