"""Aggregation: customers who look alike to the model become one supply node.

Two customers are interchangeable when they share county, current manager (and
whether it is still valid), household/hall manager, required skills and value
bucket: every cost in the model depends on nothing else. A class is one supply
node whose supply is its head count; its flow is split back onto its members in a
fixed order (value descending, then input order), so higher-value members keep
their manager and get served first. Classes of a (county, skills, bucket) share a
*pool* node, through which they reach every other eligible manager.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from weixi.analytics.assignment.model import Problem
from weixi.analytics.assignment.tables import BoolArray, IntArray


@dataclass(frozen=True, eq=False)
class Classes:
    """Supply nodes of the network and the customers behind each."""

    order: IntArray  # customer indices grouped by class, value descending inside
    start: IntArray  # class k's members are order[start[k] : start[k] + count[k]]
    count: IntArray
    county: IntArray
    cur: IntArray  # valid current manager index, or -1
    hint: IntArray  # valid household/hall manager index, or -1
    cur_present: BoolArray
    hint_present: BoolArray
    skills: IntArray
    bucket: IntArray
    comp: IntArray
    pool: IntArray  # pool index, -1 when unaggregated
    pool_county: IntArray
    pool_skills: IntArray
    pool_bucket: IntArray

    def __len__(self) -> int:
        return len(self.count)


def _keys(problem: Problem) -> IntArray:
    """One integer per customer, equal exactly for customers of one class."""
    p = problem
    cur = np.where(p.cust_cur_valid, p.cust_cur, np.where(p.cust_cur_present, -2, -1)) + 2
    hint = np.where(p.cust_hint_valid, p.cust_hint, np.where(p.cust_hint_present, -2, -1)) + 2
    _, skill_rank = np.unique(p.customers.skills, return_inverse=True)
    fields = [p.cust_county, cur, hint, skill_rank.astype(np.int64), p.cust_bucket]
    sizes = [len(p.county_ids), len(p.managers) + 2, len(p.managers) + 2]
    sizes += [int(skill_rank.max(initial=0)) + 1, p.n_buckets]
    if float(np.prod(np.asarray(sizes, dtype=np.float64))) < 2.0**62:
        key = np.zeros(len(cur), dtype=np.int64)
        for values, size in zip(fields, sizes, strict=True):
            key = key * size + values
        return key
    _, inverse = np.unique(np.stack(fields, axis=1), axis=0, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64)


def _member_order(key: IntArray, value: npt.NDArray[np.float64]) -> IntArray:
    """Customers by class key, value descending inside a class, then input order.

    Two plain sorts instead of a three-key lexsort: the value rank is packed under the
    class key whenever the product fits in 63 bits (it does for any realistic province).
    """
    n = len(key)
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(-value, kind="stable")] = np.arange(n)
    if n and int(key.max()) < (2**62) // n:
        return np.argsort(key * n + rank)
    return np.lexsort((rank, key)).astype(np.int64)


def build_classes(problem: Problem, *, aggregate: bool = True) -> Classes:
    """Group customers into classes (or one class each when ``aggregate`` is false)."""
    p = problem
    n = len(p.customers)
    key = _keys(p) if aggregate else np.arange(n, dtype=np.int64)
    order = _member_order(key, p.customers.value)
    sorted_key = key[order]
    is_start = np.ones(n, dtype=bool)
    is_start[1:] = sorted_key[1:] != sorted_key[:-1]
    start = np.flatnonzero(is_start).astype(np.int64)
    count = np.diff(np.append(start, n)).astype(np.int64)
    first = order[start]
    cur = np.where(p.cust_cur_valid[first], p.cust_cur[first], -1)
    hint = np.where(p.cust_hint_valid[first], p.cust_hint[first], -1)
    county, skills, bucket = p.cust_county[first], p.customers.skills[first], p.cust_bucket[first]
    empty = np.zeros(0, dtype=np.int64)
    pool, pool_county, pool_skills, pool_bucket = np.full(len(start), -1), empty, empty, empty
    if aggregate and len(start):
        rows = np.stack([county, skills, bucket], axis=1)
        uniq, inverse = np.unique(rows, axis=0, return_inverse=True)
        pool = inverse.reshape(-1)
        pool_county, pool_skills, pool_bucket = uniq[:, 0], uniq[:, 1], uniq[:, 2]
    return Classes(
        order=order.astype(np.int64),
        start=start,
        count=count,
        county=county,
        cur=cur.astype(np.int64),
        hint=hint.astype(np.int64),
        cur_present=p.cust_cur_present[first],
        hint_present=p.cust_hint_present[first],
        skills=skills,
        bucket=bucket,
        comp=p.county_comp[county],
        pool=pool.astype(np.int64),
        pool_county=pool_county.astype(np.int64),
        pool_skills=pool_skills.astype(np.int64),
        pool_bucket=pool_bucket.astype(np.int64),
    )
