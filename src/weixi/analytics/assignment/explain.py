"""Why each customer got the manager they got: reason flags and their wording.

The solver decides through one objective; the explanation names the hard
constraints and soft goals that are visibly at work in the outcome. Flags are
computed per customer with numpy and only the distinct combinations are worded,
so four million explanations cost one small dictionary.
"""

from __future__ import annotations

from enum import IntFlag

import numpy as np
import pyarrow as pa

from weixi.analytics.assignment.model import Problem
from weixi.analytics.assignment.tables import BoolArray, IntArray, take

SKILL_BITS = 20
"""Skills beyond this many bits are not named in explanations."""
FLAG_BITS = 16


class Reason(IntFlag):
    """What decided one customer's assignment."""

    KEPT = 1
    MOVED = 2
    NEW = 4
    UNASSIGNED = 8
    PREVIOUS_LEFT = 16
    PREVIOUS_OUT_OF_AREA = 32
    REBALANCED = 64
    HOUSEHOLD = 128
    NEIGHBOUR_COUNTY = 256
    LEAST_LOADED = 512
    NO_MANAGER_IN_COUNTY = 1024
    NO_CAPACITY = 2048
    BETTER_SKILLS = 4096


def _least_loaded(problem: Problem, manager_of: IntArray, counts: IntArray) -> BoolArray:
    """Assigned to a manager who, before taking this customer, was the least utilised."""
    p = problem
    cap = np.maximum(p.managers.capacity, 1).astype(np.float64)
    util = counts / cap
    lens = np.diff(p.elig_ptr)
    low = np.full(len(lens), np.inf)
    nonempty = np.flatnonzero(lens > 0)
    if len(nonempty):
        low[nonempty] = np.minimum.reduceat(util[p.elig_mgr], p.elig_ptr[nonempty])
    before = (take(counts, manager_of, 0) - 1) / take(cap, manager_of, 1.0)
    return (manager_of >= 0) & (before <= low[p.cust_county] + 1e-9)


def reason_flags(problem: Problem, manager_of: IntArray) -> IntArray:
    """The ``Reason`` bits of every customer."""
    p = problem
    mo = manager_of
    assigned = mo >= 0
    counts = np.bincount(mo[assigned], minlength=len(p.managers))
    kept = assigned & p.cust_cur_present & (mo == p.cust_cur)
    moved = p.cust_cur_present & ~kept
    cur_usable = take(p.mgr_usable, p.cust_cur, False)
    mgr_skills = take(p.managers.skills, mo, 0)
    cur_skills = take(p.managers.skills, p.cust_cur, 0)
    need = p.customers.skills
    gap_now = np.bitwise_count(need & ~mgr_skills)
    gap_before = np.bitwise_count(need & ~cur_skills)
    has_elig = np.diff(p.elig_ptr)[p.cust_county] > 0
    mgr_county = take(p.mgr_county, mo, -1)
    rebalanced = moved & p.cust_cur_valid
    parts = [
        (kept, Reason.KEPT),
        (moved & assigned, Reason.MOVED),
        (~p.cust_cur_present & assigned, Reason.NEW),
        (~assigned, Reason.UNASSIGNED),
        (moved & p.cust_cur_present & ~cur_usable, Reason.PREVIOUS_LEFT),
        (moved & cur_usable & ~p.cust_cur_valid, Reason.PREVIOUS_OUT_OF_AREA),
        (rebalanced, Reason.REBALANCED),
        (assigned & p.cust_hint_present & (mo == p.cust_hint), Reason.HOUSEHOLD),
        (assigned & (mgr_county != p.cust_county), Reason.NEIGHBOUR_COUNTY),
        (~kept & _least_loaded(p, mo, counts), Reason.LEAST_LOADED),
        (~assigned & ~has_elig, Reason.NO_MANAGER_IN_COUNTY),
        (~assigned & has_elig, Reason.NO_CAPACITY),
        (rebalanced & assigned & (gap_now < gap_before), Reason.BETTER_SKILLS),
    ]
    flags = np.zeros(len(mo), dtype=np.int64)
    for mask, bit in parts:
        flags |= np.where(mask, int(bit), 0)
    return flags


def _skills(problem: Problem, mask: int) -> str:
    names = [problem.weights.skill_name(b) for b in range(SKILL_BITS) if mask >> b & 1]
    return ", ".join(names)


def describe(problem: Problem, flags: int, matched: int, missing: int) -> str:
    """Word one combination of reason flags and matched/missing skills."""
    r = Reason(flags)
    if Reason.UNASSIGNED in r:
        why = (
            "no active manager serves the county"
            if Reason.NO_MANAGER_IN_COUNTY in r
            else ("capacity short in county; higher-value customers served first")
        )
        head = f"none: {why}"
        if Reason.PREVIOUS_LEFT in r:
            head += "; previous manager left"
        return head
    if Reason.KEPT in r:
        words = ["kept: continuity"]
    elif Reason.NEW in r:
        words = ["new: first manager"]
    elif Reason.PREVIOUS_LEFT in r:
        words = ["moved: previous manager left"]
    elif Reason.PREVIOUS_OUT_OF_AREA in r:
        words = ["moved: previous manager does not serve this county"]
    else:
        words = ["moved: rebalanced (gain exceeds the continuity weight)"]
        if Reason.BETTER_SKILLS in r:
            words.append("better skill match")
    if Reason.HOUSEHOLD in r:
        words.append("household/hall manager")
    if matched:
        words.append(f"skill {_skills(problem, matched)} matched")
    if missing:
        words.append(f"missing skill {_skills(problem, missing)}")
    if Reason.LEAST_LOADED in r:
        words.append("least loaded in county")
    words.append("allowed neighbour county" if Reason.NEIGHBOUR_COUNTY in r else "same county")
    return "; ".join(words)


def explanations(problem: Problem, manager_of: IntArray, flags: IntArray) -> pa.DictionaryArray:
    """One worded explanation per customer, dictionary-encoded."""
    p = problem
    limit = (1 << SKILL_BITS) - 1
    mgr_skills = take(p.managers.skills, manager_of, 0)
    need = np.where(manager_of >= 0, p.customers.skills & limit, 0)
    matched = need & mgr_skills
    missing = need & ~mgr_skills
    code = flags | (matched << FLAG_BITS) | (missing << (FLAG_BITS + SKILL_BITS))
    combos, index = np.unique(code, return_inverse=True)
    skill_mask = (1 << SKILL_BITS) - 1
    words = [
        describe(
            p,
            int(c) & ((1 << FLAG_BITS) - 1),
            int(c) >> FLAG_BITS & skill_mask,
            int(c) >> (FLAG_BITS + SKILL_BITS) & skill_mask,
        )
        for c in combos
    ]
    texts, text_of_combo = np.unique(np.asarray(words, dtype=object), return_inverse=True)
    codes = text_of_combo.reshape(-1)[index.reshape(-1)].astype(np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(texts.tolist(), pa.string()))
