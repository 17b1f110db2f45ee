"""Choosing who gets a retention (warning) order tonight (pure numpy, no database).

Candidates are ranked by expected retained value = churn probability × monthly
revenue × chance of saving the customer, and taken in that order while their
account manager and their county still have capacity. A random, reproducible
share of candidates is held out as a control group: flagged, never contacted, so
the effect of retention work can be measured later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: The share of contacted customers a retention call saves. An assumption to be
#: replaced by the operator's own measurement (control group against contacted).
DEFAULT_SAVE_RATE = 0.3


@dataclass(frozen=True)
class WarningPolicy:
    control_share: float = 0.05
    save_rate: float = DEFAULT_SAVE_RATE
    per_manager: int = 20  # new warning orders a manager can take in one night
    per_county: int = 2000  # new warning orders a county can take in one night
    seed: str = "weixi"


@dataclass(frozen=True)
class Selection:
    selected: NDArray[np.bool_]  # gets a warning order
    control: NDArray[np.bool_]  # held out on purpose
    expected_value: NDArray[np.float64]
    rank: NDArray[np.int64]  # 1 = most valuable; 0 = not a candidate
    skipped_for_capacity: NDArray[np.bool_]


def in_control_group(
    customer_ids: NDArray[np.str_] | list[str], as_of: str, policy: WarningPolicy
) -> NDArray[np.bool_]:
    """A stable pseudo-random draw per customer and night (same answer on every rerun)."""
    out = np.empty(len(customer_ids), dtype=bool)
    threshold = int(policy.control_share * 2**32)
    for i, cid in enumerate(customer_ids):
        h = hashlib.blake2b(f"{policy.seed}:{as_of}:{cid}".encode(), digest_size=4).digest()
        out[i] = int.from_bytes(h, "big") < threshold
    return out


def select_warnings(
    *,
    customer_ids: NDArray[np.str_] | list[str],
    eligible: NDArray[np.bool_],
    probability: NDArray[np.float64],
    revenue: NDArray[np.float64],
    manager: NDArray[np.int64],  # -1: no manager (the county team takes it)
    county: NDArray[np.int64],
    as_of: str,
    policy: WarningPolicy = WarningPolicy(),
) -> Selection:
    """Rank eligible customers by expected retained value and fill capacity in that order."""
    n = len(eligible)
    value = probability * revenue * policy.save_rate
    # Only eligible customers are drawn: hashing every customer of a large province cost
    # seconds for draws nobody reads (the draw is per customer, so the answer is the same).
    control = np.zeros(n, dtype=bool)
    drawn = np.flatnonzero(eligible)
    control[drawn] = in_control_group(np.asarray(customer_ids)[drawn], as_of, policy)
    candidates = np.flatnonzero(eligible & ~control)
    order = candidates[np.lexsort((np.asarray(customer_ids)[candidates], -value[candidates]))]
    rank = np.zeros(n, dtype=np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    selected = np.zeros(n, dtype=bool)
    skipped = np.zeros(n, dtype=bool)
    used_m: dict[int, int] = {}
    used_c: dict[int, int] = {}
    for i in order:
        m, c = int(manager[i]), int(county[i])
        if used_c.get(c, 0) >= policy.per_county or (
            m >= 0 and used_m.get(m, 0) >= policy.per_manager
        ):
            skipped[i] = True
            continue
        selected[i] = True
        used_c[c] = used_c.get(c, 0) + 1
        if m >= 0:
            used_m[m] = used_m.get(m, 0) + 1
    return Selection(selected, control, value, rank, skipped)
