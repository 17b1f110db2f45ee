"""Who gets a retention order tonight: ranked by expected value, within capacity, with a
random control group that is flagged and never contacted."""

from __future__ import annotations

import numpy as np

from weixi.analytics.nightly.selection import WarningPolicy, in_control_group, select_warnings

NO_CONTROL = WarningPolicy(control_share=0.0)


def _ids(n: int) -> np.ndarray:
    return np.asarray([f"C{i:06d}" for i in range(n)])


def test_the_most_valuable_are_chosen_until_each_manager_is_full() -> None:
    # Manager 1 has five candidates, manager 2 one; two warnings a manager a night.
    probability = np.asarray([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    revenue = np.asarray([100.0, 100.0, 100.0, 300.0, 100.0, 100.0])
    sel = select_warnings(
        customer_ids=_ids(6),
        eligible=np.ones(6, dtype=bool),
        probability=probability,
        revenue=revenue,
        manager=np.asarray([1, 1, 1, 1, 1, 2]),
        county=np.zeros(6, dtype=np.int64),
        as_of="2026-12-01",
        policy=WarningPolicy(control_share=0.0, per_manager=2),
    )
    np.testing.assert_allclose(sel.expected_value, probability * revenue * 0.3)
    # Customer 3 (0.6 × 300) is worth most, then 0 (0.9 × 100); 1, 2 and 4 wait.
    assert sel.selected.tolist() == [True, False, False, True, False, True]
    assert sel.skipped_for_capacity.tolist() == [False, True, True, False, True, False]
    assert sel.rank.tolist() == [2, 3, 4, 1, 5, 6]


def test_a_county_cap_holds_across_its_managers_and_customers_without_one() -> None:
    n = 10
    sel = select_warnings(
        customer_ids=_ids(n),
        eligible=np.ones(n, dtype=bool),
        probability=np.linspace(0.9, 0.1, n),
        revenue=np.full(n, 50.0),
        manager=np.asarray([-1, 7, 8, -1, 7, 8, 9, 9, -1, 7]),  # -1: the county team
        county=np.asarray([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]),
        as_of="2026-12-01",
        policy=WarningPolicy(control_share=0.0, per_county=3, per_manager=100),
    )
    assert sel.selected[:5].tolist() == [True, True, True, False, False]
    assert sel.selected[5:].tolist() == [True, True, True, False, False]
    assert int(sel.skipped_for_capacity.sum()) == 4


def test_only_eligible_customers_are_candidates() -> None:
    eligible = np.asarray([True, False, True, False])
    sel = select_warnings(
        customer_ids=_ids(4),
        eligible=eligible,
        probability=np.full(4, 0.9),
        revenue=np.full(4, 80.0),
        manager=np.arange(4),
        county=np.zeros(4, dtype=np.int64),
        as_of="2026-12-01",
        policy=NO_CONTROL,
    )
    assert sel.selected.tolist() == [True, False, True, False]
    assert sel.rank[~eligible].tolist() == [0, 0]


def test_the_control_group_is_a_stable_random_share_flagged_and_never_contacted() -> None:
    n = 40_000
    ids = _ids(n)
    eligible = np.arange(n) % 2 == 0  # half are candidates
    args = dict(
        customer_ids=ids,
        eligible=eligible,
        probability=np.full(n, 0.5),
        revenue=np.full(n, 60.0),
        manager=np.arange(n),  # no capacity limit binds
        county=np.arange(n),
        policy=WarningPolicy(control_share=0.05),
    )
    sel = select_warnings(as_of="2026-12-01", **args)  # type: ignore[arg-type]
    share = sel.control.sum() / eligible.sum()
    assert 0.045 < share < 0.055
    assert not (sel.control & ~eligible).any()  # only candidates are held out
    assert not (sel.control & sel.selected).any()  # and they get no order
    assert (sel.selected | sel.control).tolist() == eligible.tolist()
    # Rerunning the night draws the same customers; another night draws others.
    again = select_warnings(as_of="2026-12-01", **args)  # type: ignore[arg-type]
    assert again.control.tolist() == sel.control.tolist()
    other = select_warnings(as_of="2026-12-02", **args)  # type: ignore[arg-type]
    assert 0 < (other.control & sel.control).sum() < sel.control.sum() / 2
    # The draw is per customer: drawing only the candidates gives their draw among all.
    everyone = in_control_group(ids, "2026-12-01", WarningPolicy(control_share=0.05))
    assert sel.control.tolist() == (everyone & eligible).tolist()
