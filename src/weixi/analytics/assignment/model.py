"""The optimisation model: hard constraints, soft-goal costs, and its objective.

``prepare`` turns the input tables into dense indices, the eligibility relation
(who may serve which county), the county components, and integer cost parameters;
``evaluate`` prices any assignment with exactly the costs the flow network uses,
so the solver, the greedy baseline and the tests all share one objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from weixi.analytics.assignment.tables import BoolArray, Customers, IntArray, Managers, take
from weixi.analytics.assignment.weights import AssignmentWeights

SCALE = 100
"""Weights are multiplied by this and rounded: the model's costs are integers."""
VALUE_FRACTIONS = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
"""Breakpoints of the value-balance cost, as fractions of a manager's fair share."""
VALUE_SLOPES = np.array([0.5, 1.5, 2.5, 3.5, 4.5])
"""Marginal cost on each piece: the chords of u², continued past twice the share."""


@dataclass(frozen=True, eq=False)
class Problem:
    """An instance ready to solve: dense indices, eligibility, components, costs."""

    weights: AssignmentWeights
    customers: Customers
    managers: Managers
    county_ids: IntArray  # dense county index -> county id
    cust_county: IntArray
    cust_bucket: IntArray
    cust_cur: IntArray  # manager index, or -1 (none, or an unknown id)
    cust_cur_present: BoolArray
    cust_cur_valid: BoolArray  # current manager is active and serves the county
    cust_hint: IntArray
    cust_hint_present: BoolArray
    cust_hint_valid: BoolArray
    mgr_county: IntArray
    mgr_usable: BoolArray  # active with capacity > 0
    elig_ptr: IntArray  # CSR over counties: usable managers allowed to serve it
    elig_mgr: IntArray
    county_comp: IntArray
    mgr_comp: IntArray  # -1 for unusable managers
    n_comp: int
    cont_cost: int
    hint_cost: int
    skill_cost: int
    load_bp: IntArray  # (managers, K + 1) cumulative breakpoints
    load_slope: IntArray  # (K,)
    value_bp: IntArray  # (managers, buckets, J + 1)
    value_slope: IntArray  # (components, buckets, J)
    penalty: IntArray  # (components, buckets): leaving one customer unassigned

    @property
    def n_buckets(self) -> int:
        return self.weights.n_buckets

    @property
    def cust_comp(self) -> IntArray:
        return self.county_comp[self.cust_county]

    def eligible(self, county: int) -> IntArray:
        """Usable managers allowed to serve dense county ``county``."""
        return self.elig_mgr[self.elig_ptr[county] : self.elig_ptr[county + 1]]


@dataclass(frozen=True, eq=False)
class Objective:
    """The model's objective of one assignment, by term, in integer cost units."""

    continuity: int
    skill: int
    household: int
    load: int
    value: int
    unassigned: int
    per_component: IntArray

    @property
    def total(self) -> int:
        return self.soft + self.unassigned

    @property
    def soft(self) -> int:
        """Everything but the penalties for customers left without a manager."""
        return self.continuity + self.skill + self.household + self.load + self.value

    def points(self, term: str = "total") -> float:
        """A term in the configured weights' units (cost points)."""
        return float(getattr(self, term)) / SCALE


def _lookup(ids: IntArray, sorted_ids: IntArray, order: IntArray) -> IntArray:
    """Index of each id in the manager table, -1 when absent."""
    if not len(sorted_ids):
        return np.full(len(ids), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_ids, ids), len(sorted_ids) - 1)
    return np.where((sorted_ids[pos] == ids) & (ids >= 0), order[pos], -1).astype(np.int64)


def _eligibility(
    managers: Managers, mgr_county: IntArray, usable: BoolArray, nb_county: IntArray, n: int
) -> tuple[IntArray, IntArray]:
    """CSR over dense counties of the usable managers allowed to serve each."""
    owner = np.repeat(np.arange(len(managers)), np.diff(managers.neighbour_offsets))
    counties = np.concatenate([mgr_county, nb_county])
    mgrs = np.concatenate([np.arange(len(managers)), owner])
    keep = usable[mgrs]
    keys = np.unique(counties[keep] * max(len(managers), 1) + mgrs[keep])
    county_of = keys // max(len(managers), 1)
    ptr = np.zeros(n + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(county_of, minlength=n))
    return ptr, (keys % max(len(managers), 1)).astype(np.int64)


def _is_eligible(
    ptr: IntArray, elig_mgr: IntArray, county: IntArray, mgr: IntArray, m: int
) -> BoolArray:
    """Whether each (county, manager index) pair is allowed (manager -1 never is)."""
    keys = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr)) * m + elig_mgr
    if not len(keys):
        return np.zeros(len(county), dtype=bool)
    probe = county * m + mgr
    pos = np.minimum(np.searchsorted(keys, probe), len(keys) - 1)
    return (mgr >= 0) & (keys[pos] == probe)


def _components(
    mgr_county: IntArray, usable: BoolArray, managers: Managers, nb_county: IntArray, n: int
) -> tuple[IntArray, int]:
    owner = np.repeat(np.arange(len(managers)), np.diff(managers.neighbour_offsets))
    keep = usable[owner]
    rows, cols = mgr_county[owner[keep]], nb_county[keep]
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    n_comp, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64), int(n_comp)


def piecewise(counts: IntArray, bp: IntArray, slope: IntArray) -> IntArray:
    """Convex piecewise-linear cost of ``counts`` (…,) on breakpoints (…, J+1), slopes (…, J)."""
    fill = np.clip(counts[..., None] - bp[..., :-1], 0, np.diff(bp, axis=-1))
    return (fill * slope).sum(axis=-1)


def prepare(customers: Customers, managers: Managers, weights: AssignmentWeights) -> Problem:
    """Index the tables, derive eligibility and components, and price the soft goals."""
    county_ids = np.unique(
        np.concatenate([customers.county_id, managers.county_id, managers.neighbour_county_id])
    )
    n_county = len(county_ids)
    cust_county = np.searchsorted(county_ids, customers.county_id).astype(np.int64)
    mgr_county = np.searchsorted(county_ids, managers.county_id).astype(np.int64)
    nb_county = np.searchsorted(county_ids, managers.neighbour_county_id).astype(np.int64)
    usable = managers.active & (managers.capacity > 0)
    elig_ptr, elig_mgr = _eligibility(managers, mgr_county, usable, nb_county, n_county)
    order = np.argsort(managers.manager_id, kind="stable")
    sorted_ids = managers.manager_id[order]
    cur = _lookup(customers.current_manager_id, sorted_ids, order)
    hint = _lookup(customers.hint_manager_id, sorted_ids, order)
    m = max(len(managers), 1)
    county_comp, n_comp = _components(mgr_county, usable, managers, nb_county, n_county)
    mgr_comp = np.where(usable, county_comp[mgr_county], -1) if len(managers) else mgr_county
    bucket = np.searchsorted(np.asarray(weights.value_bucket_edges), customers.value, "right")
    ix = _Index(
        cust_comp=county_comp[cust_county],
        bucket=bucket.astype(np.int64),
        usable=usable,
        mgr_comp=mgr_comp.astype(np.int64),
        county_comp=county_comp,
        n_comp=n_comp,
    )
    c = _costs(customers, managers, weights, ix)
    return Problem(
        weights=weights,
        customers=customers,
        managers=managers,
        county_ids=county_ids,
        cust_county=cust_county,
        cust_bucket=ix.bucket,
        cust_cur=cur,
        cust_cur_present=customers.current_manager_id >= 0,
        cust_cur_valid=_is_eligible(elig_ptr, elig_mgr, cust_county, cur, m),
        cust_hint=hint,
        cust_hint_present=customers.hint_manager_id >= 0,
        cust_hint_valid=_is_eligible(elig_ptr, elig_mgr, cust_county, hint, m),
        mgr_county=mgr_county,
        mgr_usable=usable,
        elig_ptr=elig_ptr,
        elig_mgr=elig_mgr,
        county_comp=county_comp,
        mgr_comp=ix.mgr_comp,
        n_comp=n_comp,
        cont_cost=c.cont,
        hint_cost=c.hint,
        skill_cost=c.skill,
        load_bp=c.load_bp,
        load_slope=c.load_slope,
        value_bp=c.value_bp,
        value_slope=c.value_slope,
        penalty=c.penalty,
    )


@dataclass(frozen=True, eq=False)
class _Index:
    """What the cost parameters need to know about the instance's structure."""

    cust_comp: IntArray
    bucket: IntArray
    usable: BoolArray
    mgr_comp: IntArray
    county_comp: IntArray
    n_comp: int


@dataclass(frozen=True, eq=False)
class _Costs:
    cont: int
    hint: int
    skill: int
    load_bp: IntArray
    load_slope: IntArray
    value_bp: IntArray
    value_slope: IntArray
    penalty: IntArray


def _costs(
    customers: Customers, managers: Managers, weights: AssignmentWeights, ix: _Index
) -> _Costs:
    """Integer cost parameters: unit costs, convex pieces, and the unassigned penalty."""
    n_comp, usable, mgr_comp = ix.n_comp, ix.usable, ix.mgr_comp
    n_b, k = weights.n_buckets, weights.load_segments
    cont = round(weights.continuity * SCALE) + 1  # +1: of two equal optima, stay
    hint = round(weights.household * SCALE)
    skill = round(weights.skill_match * SCALE)
    cap = np.where(usable, managers.capacity, 0)
    load_bp = (np.arange(k + 1)[None, :] * cap[:, None]) // k
    load_slope = np.round(weights.load_balance * SCALE * (2 * np.arange(k) + 1) / k)
    # Fair share of bucket b for manager m: capacity share of the component's bucket-b count.
    n_cb = np.zeros((n_comp, n_b))
    v_cb = np.zeros((n_comp, n_b))
    np.add.at(n_cb, (ix.cust_comp, ix.bucket), 1.0)
    np.add.at(v_cb, (ix.cust_comp, ix.bucket), customers.value)
    cap_c = np.bincount(mgr_comp[usable], weights=cap[usable], minlength=n_comp)
    mean_c = v_cb.sum(axis=1) / np.maximum(n_cb.sum(axis=1), 1)
    rel = np.divide(v_cb, n_cb, out=np.zeros_like(v_cb), where=n_cb > 0)
    rel = np.divide(rel, mean_c[:, None], out=np.zeros_like(rel), where=mean_c[:, None] > 0)
    value_slope = np.round(weights.value_balance * SCALE * rel[..., None] * VALUE_SLOPES)
    share = np.where(usable, cap / np.maximum(cap_c[np.maximum(mgr_comp, 0)], 1), 0.0)
    target = share[:, None] * n_cb[np.maximum(mgr_comp, 0)]  # (managers, buckets)
    bp = np.minimum(np.round(target[..., None] * VALUE_FRACTIONS), cap[:, None, None])
    value_bp = np.concatenate([bp, np.broadcast_to(cap[:, None, None], (*bp.shape[:2], 1))], -1)
    cmax = cont + hint + skill * _max_bits(customers) + int(load_slope.max(initial=0)) + 1
    return _Costs(
        cont=cont,
        hint=hint,
        skill=skill,
        load_bp=load_bp.astype(np.int64),
        load_slope=load_slope.astype(np.int64),
        value_bp=value_bp.astype(np.int64),
        value_slope=value_slope.astype(np.int64),
        penalty=_penalty(customers, weights, ix, cmax, value_slope),
    )


def _max_bits(customers: Customers) -> int:
    return int(np.bitwise_count(customers.skills).max()) if len(customers) else 0


def _penalty(
    customers: Customers,
    weights: AssignmentWeights,
    ix: _Index,
    cmax_customer: int,
    value_slope: np.ndarray,
) -> IntArray:
    """Cost of leaving one customer of bucket b without a manager, per component.

    BIG exceeds the cost of any re-routing chain in the network (a simple path has at
    most one forward arc into each manager, manager-bucket and pool node, each costing
    at most ``cmax``), so the optimum serves as many customers as capacity allows and
    prefers serving a higher value bucket; the model's other goals only break ties.
    """
    n_comp, n_b = ix.n_comp, weights.n_buckets
    n_profiles = max(len(np.unique(customers.skills)), 1)
    m_c = np.bincount(ix.mgr_comp[ix.mgr_comp >= 0], minlength=n_comp)
    counties_c = np.bincount(ix.county_comp, minlength=n_comp)
    vmax = value_slope.reshape(n_comp, -1).max(axis=1, initial=0) if n_comp else np.zeros(0)
    cmax = cmax_customer + vmax
    paths = m_c * (n_b + 1) + counties_c * n_profiles * n_b + 2
    big = (paths * cmax).astype(np.int64)
    return big[:, None] * (1 + np.arange(n_b, dtype=np.int64))[None, :]


def evaluate(problem: Problem, manager_of: IntArray) -> Objective:
    """Price ``manager_of`` (manager index per customer, -1 for none) with the model's costs."""
    p = problem
    mo = np.asarray(manager_of, dtype=np.int64)
    assigned = mo >= 0
    moved = p.cust_cur_present & ~((mo == p.cust_cur) & assigned)
    missed = p.cust_hint_present & ~((mo == p.cust_hint) & assigned)
    mgr_skills = take(p.managers.skills, mo, 0)
    lacking = np.bitwise_count(p.customers.skills & ~mgr_skills).astype(np.int64)
    comp = p.cust_comp
    cust = np.zeros((4, len(mo)), dtype=np.int64)
    cust[0] = moved * p.cont_cost
    cust[1] = np.where(assigned, lacking * p.skill_cost, 0)
    cust[2] = missed * p.hint_cost
    cust[3] = np.where(assigned, 0, p.penalty[comp, p.cust_bucket]) if len(mo) else 0
    load, value = manager_costs(p, mo)
    per_comp = np.zeros(p.n_comp, dtype=np.int64)
    np.add.at(per_comp, comp, cust.sum(axis=0))
    np.add.at(per_comp, np.maximum(p.mgr_comp, 0), load + value)
    return Objective(
        continuity=int(cust[0].sum()),
        skill=int(cust[1].sum()),
        household=int(cust[2].sum()),
        load=int(load.sum()),
        value=int(value.sum()),
        unassigned=int(cust[3].sum()),
        per_component=per_comp,
    )


def manager_costs(problem: Problem, manager_of: IntArray) -> tuple[IntArray, IntArray]:
    """Load-balance and value-balance cost of every manager under ``manager_of``."""
    p = problem
    n_m, n_b = len(p.managers), p.n_buckets
    assigned = manager_of >= 0
    counts = np.bincount(manager_of[assigned], minlength=n_m).astype(np.int64)
    by_bucket = np.bincount(
        manager_of[assigned] * n_b + p.cust_bucket[assigned], minlength=n_m * n_b
    ).reshape(n_m, n_b)
    load = piecewise(counts, p.load_bp, np.broadcast_to(p.load_slope, p.load_bp[:, 1:].shape))
    slopes = p.value_slope[np.maximum(p.mgr_comp, 0)]
    value = piecewise(by_bucket.astype(np.int64), p.value_bp, slopes).sum(axis=1)
    return np.where(p.mgr_usable, load, 0), np.where(p.mgr_usable, value, 0)


def violations(problem: Problem, manager_of: IntArray) -> list[str]:
    """Hard constraints ``manager_of`` breaks (empty when feasible)."""
    p = problem
    mo = np.asarray(manager_of, dtype=np.int64)
    out: list[str] = []
    assigned = mo >= 0
    if np.any(assigned & ~take(p.mgr_usable, mo, False)):
        out.append("assigned to an inactive manager")
    m = max(len(p.managers), 1)
    ok = _is_eligible(p.elig_ptr, p.elig_mgr, p.cust_county, mo, m)
    if np.any(assigned & ~ok):
        out.append("assigned outside the manager's county and allowed neighbours")
    counts = np.bincount(mo[assigned], minlength=len(p.managers))
    if np.any(counts > p.managers.capacity):
        out.append("manager over capacity")
    return out
