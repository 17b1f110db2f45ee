"""What a run returns: per-customer assignments, the shortfall, county loads, a summary."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa

from weixi.analytics.assignment.explain import explanations, reason_flags
from weixi.analytics.assignment.model import SCALE, Objective, Problem, evaluate
from weixi.analytics.assignment.tables import NO_MANAGER, Customers, IntArray, take


@dataclass(frozen=True)
class SolveStats:
    """How the run went: network size, the proven bound (if any), timings."""

    components: int
    classes: int
    nodes: int
    arcs: int
    bound: int | None
    prepare_seconds: float
    solve_seconds: float
    total_seconds: float
    method: str


@dataclass(frozen=True)
class AssignmentSummary:
    """Counts, the objective by term, the bound and the gap, in one place."""

    customers: int
    assigned: int
    unassigned: int
    kept: int
    moved: int
    newly_assigned: int
    objective: Objective
    stats: SolveStats

    @property
    def bound(self) -> int | None:
        """Lower bound on the objective of any feasible assignment (integer cost units)."""
        return self.stats.bound

    @property
    def gap(self) -> float | None:
        """(objective − bound) / bound; 0 means proven optimal."""
        if self.bound is None:
            return None
        return (self.objective.total - self.bound) / max(abs(self.bound), 1)

    def as_dict(self) -> dict[str, object]:
        """A flat dictionary for logs, run records and the benchmark report."""
        o = self.objective
        return {
            "customers": self.customers,
            "assigned": self.assigned,
            "unassigned": self.unassigned,
            "kept": self.kept,
            "moved": self.moved,
            "newly_assigned": self.newly_assigned,
            "objective": o.total / SCALE,
            "objective_soft": o.soft / SCALE,
            "objective_terms": {
                t: getattr(o, t) / SCALE
                for t in ("continuity", "skill", "household", "load", "value", "unassigned")
            },
            "bound": None if self.bound is None else self.bound / SCALE,
            "gap": self.gap,
            "method": self.stats.method,
            "components": self.stats.components,
            "classes": self.stats.classes,
            "nodes": self.stats.nodes,
            "arcs": self.stats.arcs,
            "prepare_seconds": round(self.stats.prepare_seconds, 3),
            "solve_seconds": round(self.stats.solve_seconds, 3),
            "total_seconds": round(self.stats.total_seconds, 3),
        }


@dataclass(frozen=True, eq=False)
class AssignmentResult:
    """The outcome of one run.

    ``assignments``: customer_id, previous_manager_id, manager_id (-1 none), changed,
    reason (dictionary-encoded text), reason_flags (``Reason`` bits), one row per input
    customer in input order. ``shortfall``: customers left without a manager, per county
    ranked by value (rank 1 = most valuable). ``county_load``: per county, its managers'
    load and portfolio value, and its customers left unserved.
    """

    problem: Problem
    manager_index: IntArray
    assignments: pa.Table
    shortfall: pa.Table
    county_load: pa.Table
    summary: AssignmentSummary

    @property
    def manager_id(self) -> IntArray:
        """Assigned manager id per input customer (``NO_MANAGER`` for none)."""
        return np.asarray(self.assignments.column("manager_id").to_numpy(), dtype=np.int64)

    def as_current(self, customers: Customers | None = None) -> Customers:
        """The customers with tonight's result as their current manager (for the next run)."""
        base = self.problem.customers if customers is None else customers
        return replace(base, current_manager_id=self.manager_id)


def build_result(
    problem: Problem, manager_of: IntArray, stats: SolveStats, *, began: float
) -> AssignmentResult:
    """Price, explain and tabulate ``manager_of`` (manager index per customer)."""
    p = problem
    objective = evaluate(p, manager_of)
    ids = take(p.managers.manager_id, manager_of, NO_MANAGER)
    previous = p.customers.current_manager_id
    assigned = manager_of >= 0
    kept = assigned & p.cust_cur_present & (manager_of == p.cust_cur)
    flags = reason_flags(p, manager_of)
    assignments = pa.table(
        {
            "customer_id": p.customers.customer_id,
            "previous_manager_id": previous,
            "manager_id": ids,
            "changed": ids != previous,
            "reason": explanations(p, manager_of, flags),
            "reason_flags": flags.astype(np.int32),
        }
    )
    summary = AssignmentSummary(
        customers=len(manager_of),
        assigned=int(assigned.sum()),
        unassigned=int((~assigned).sum()),
        kept=int(kept.sum()),
        moved=int((p.cust_cur_present & ~kept).sum()),
        newly_assigned=int((~p.cust_cur_present & assigned).sum()),
        objective=objective,
        stats=replace(stats, total_seconds=time.perf_counter() - began),
    )
    return AssignmentResult(
        problem=p,
        manager_index=manager_of,
        assignments=assignments,
        shortfall=_shortfall(p, manager_of),
        county_load=_county_load(p, manager_of),
        summary=summary,
    )


def _shortfall(p: Problem, manager_of: IntArray) -> pa.Table:
    left = np.flatnonzero(manager_of < 0)
    county = p.cust_county[left]
    value = p.customers.value[left]
    order = np.lexsort((p.customers.customer_id[left], -value, county))
    left, county = left[order], county[order]
    starts = np.searchsorted(county, county)  # first row of each county in sorted order
    rank = np.arange(len(left)) - starts + 1
    has_elig = np.diff(p.elig_ptr)[county] > 0
    return pa.table(
        {
            "county_id": p.county_ids[county],
            "rank": rank.astype(np.int64),
            "customer_id": p.customers.customer_id[left],
            "value": p.customers.value[left],
            "reason": np.where(has_elig, "capacity short", "no active manager serves county"),
        }
    )


def _county_load(p: Problem, manager_of: IntArray) -> pa.Table:
    n_c = len(p.county_ids)
    assigned = manager_of >= 0
    usable = p.mgr_usable
    held = np.bincount(manager_of[assigned], minlength=len(p.managers))
    value = np.bincount(
        manager_of[assigned], weights=p.customers.value[assigned], minlength=len(p.managers)
    )
    mc = p.mgr_county
    capacity = np.bincount(mc[usable], weights=p.managers.capacity[usable], minlength=n_c)
    load = np.bincount(mc, weights=held, minlength=n_c)
    left = ~assigned
    return pa.table(
        {
            "county_id": p.county_ids,
            "managers": np.bincount(mc[usable], minlength=n_c),
            "capacity": capacity.astype(np.int64),
            "load": load.astype(np.int64),
            "utilisation": np.divide(load, capacity, out=np.zeros(n_c), where=capacity > 0),
            "portfolio_value": np.bincount(mc, weights=value, minlength=n_c),
            "customers": np.bincount(p.cust_county, minlength=n_c),
            "unassigned": np.bincount(p.cust_county[left], minlength=n_c),
            "unassigned_value": np.bincount(
                p.cust_county[left], weights=p.customers.value[left], minlength=n_c
            ),
        }
    )
