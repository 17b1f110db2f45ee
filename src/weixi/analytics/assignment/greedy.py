"""A greedy baseline: what a careful rules engine would do, for comparison.

Pass 1 keeps every customer whose current manager is still valid, most valuable
first, up to the manager's capacity. Pass 2 takes everyone else in descending value
and gives each the eligible manager with room whose marginal cost (skill gap,
household miss, the load piece it would enter) is lowest, least utilised on ties.
It never looks back, so it cannot trade one customer's move for another's fit.
"""

from __future__ import annotations

import time

import numpy as np

from weixi.analytics.assignment.model import Problem, prepare
from weixi.analytics.assignment.result import AssignmentResult, SolveStats, build_result
from weixi.analytics.assignment.tables import Customers, IntArray, Managers, take
from weixi.analytics.assignment.weights import AssignmentWeights


def greedy_assign(
    customers: Customers, managers: Managers, *, weights: AssignmentWeights | None = None
) -> AssignmentResult:
    """The value-ordered greedy assignment, priced with the optimiser's objective."""
    began = time.perf_counter()
    problem = prepare(customers, managers, weights or AssignmentWeights())
    prepared = time.perf_counter()
    manager_of, counts = _keep_valid(problem)
    _place_rest(problem, manager_of, counts)
    stats = SolveStats(
        components=problem.n_comp,
        classes=len(customers),
        nodes=0,
        arcs=0,
        bound=None,
        prepare_seconds=prepared - began,
        solve_seconds=time.perf_counter() - prepared,
        total_seconds=0.0,
        method="greedy",
    )
    return build_result(problem, manager_of, stats, began=began)


def _keep_valid(p: Problem) -> tuple[IntArray, IntArray]:
    """Pass 1: keep valid current managers, most valuable customers first, within capacity."""
    n = len(p.customers)
    cur = np.where(p.cust_cur_valid, p.cust_cur, -1)
    order = np.lexsort((p.customers.customer_id, -p.customers.value, cur))
    sorted_cur = cur[order]
    first = np.searchsorted(sorted_cur, sorted_cur)
    rank = np.arange(n) - first
    cap = take(p.managers.capacity, sorted_cur, 0)
    keep = (sorted_cur >= 0) & (rank < cap)
    manager_of = np.full(n, -1, dtype=np.int64)
    manager_of[order[keep]] = sorted_cur[keep]
    counts = np.bincount(manager_of[manager_of >= 0], minlength=len(p.managers))
    return manager_of, counts.astype(np.int64)


def _place_rest(p: Problem, manager_of: IntArray, counts: IntArray) -> None:
    """Pass 2: everyone else, most valuable first, to the cheapest eligible manager with room."""
    rest = np.flatnonzero(manager_of < 0)
    rest = rest[np.lexsort((p.customers.customer_id[rest], -p.customers.value[rest]))]
    cap = p.managers.capacity
    k = p.weights.load_segments
    skills = p.managers.skills
    for i in rest.tolist():
        cands = p.eligible(int(p.cust_county[i]))
        cands = cands[counts[cands] < cap[cands]]
        if not len(cands):
            continue
        gap = (
            np.bitwise_count(p.customers.skills[i] & ~skills[cands]).astype(np.int64) * p.skill_cost
        )
        miss = (cands != p.cust_hint[i]) * p.hint_cost if p.cust_hint_present[i] else 0
        piece = np.minimum(counts[cands] * k // np.maximum(cap[cands], 1), k - 1)
        cost = gap + miss + p.load_slope[piece]
        util = counts[cands] / cap[cands]
        best = cands[np.lexsort((cands, util, cost))[0]]
        manager_of[i] = best
        counts[best] += 1
