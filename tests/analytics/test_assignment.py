"""Account-manager assignment (issue 5): the optimiser's guarantees, as specifications."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from weixi.analytics.assignment import (
    AssignmentWeights,
    Customers,
    Managers,
    Reason,
    assign_managers,
    evaluate,
    greedy_assign,
    load_weights,
    prepare,
)
from weixi.analytics.assignment.model import violations
from weixi.errors import ValidationFailed

PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UNKNOWN_MANAGER = 999


# --- factories -------------------------------------------------------------------------


def make_managers(rows: Sequence[Mapping[str, Any]]) -> Managers:
    """Managers from dict rows; defaults: county 1, skills 3g, capacity 10, active."""
    full: list[dict[str, Any]] = [
        {"county": 1, "skills": 1, "capacity": 10, "active": True, "neighbours": [], **r}
        for r in rows
    ]
    return Managers.from_arrays(
        manager_id=[r["id"] for r in full],
        county_id=[r["county"] for r in full],
        skills=[r["skills"] for r in full],
        capacity=[r["capacity"] for r in full],
        active=[r["active"] for r in full],
        neighbour_counties=[list(r["neighbours"]) for r in full],
    )


def make_customers(rows: Sequence[Mapping[str, Any]]) -> Customers:
    """Customers from dict rows; defaults: county 1, value 150, needs 3g, no managers."""
    full: list[dict[str, Any]] = [
        {"county": 1, "value": 150.0, "skills": 1, "current": -1, "hint": -1, **r} for r in rows
    ]
    return Customers.from_arrays(
        customer_id=[r["id"] for r in full],
        county_id=[r["county"] for r in full],
        value=[r["value"] for r in full],
        skills=[r["skills"] for r in full],
        current_manager_id=[r["current"] for r in full],
        hint_manager_id=[r["hint"] for r in full],
    )


@st.composite
def instances(
    draw: st.DrawFn, max_customers: int = 9, max_managers: int = 4
) -> tuple[Customers, Managers, AssignmentWeights]:
    """Small random provinces: up to 3 counties, neighbour permissions, leavers, unknown ids."""
    counties = draw(st.integers(1, 3))
    n_m = draw(st.integers(0, max_managers))
    mgr_rows = [
        {
            "id": 100 + i,
            "county": draw(st.integers(1, counties)),
            "skills": draw(st.integers(0, 7)),
            "capacity": draw(st.integers(0, 4)),
            "active": draw(st.sampled_from([True, True, True, False])),
            "neighbours": draw(st.lists(st.integers(1, counties), max_size=2, unique=True)),
        }
        for i in range(n_m)
    ]
    manager_choices = [-1, UNKNOWN_MANAGER, *[100 + i for i in range(n_m)]]
    n_c = draw(st.integers(0, max_customers))
    cust_rows = [
        {
            "id": i,
            "county": draw(st.integers(1, counties)),
            "value": draw(st.sampled_from([70.0, 90.0, 150.0, 180.0, 260.0, 500.0, 900.0])),
            "skills": draw(st.integers(0, 7)),
            "current": draw(st.sampled_from(manager_choices)),
            "hint": draw(st.sampled_from(manager_choices)),
        }
        for i in range(n_c)
    ]
    weight = st.sampled_from([0.0, 0.5, 1.0, 3.0, 10.0])
    weights = AssignmentWeights(
        continuity=draw(weight),
        skill_match=draw(weight),
        load_balance=draw(weight),
        value_balance=draw(weight),
        household=draw(weight),
        load_segments=draw(st.integers(1, 4)),
    )
    return make_customers(cust_rows), make_managers(mgr_rows), weights


def may_serve(managers: Managers, m: int, county: int) -> bool:
    """The hard rule, restated from the raw input: active, home county or allowed neighbour."""
    lo, hi = managers.neighbour_offsets[m], managers.neighbour_offsets[m + 1]
    allowed = {int(managers.county_id[m]), *managers.neighbour_county_id[lo:hi].tolist()}
    return bool(managers.active[m]) and county in allowed


# --- hard constraints --------------------------------------------------------------------


@PROPERTY
@given(instances())
def test_assignment_never_breaks_capacity_county_or_active(
    instance: tuple[Customers, Managers, AssignmentWeights],
) -> None:
    customers, managers, weights = instance
    result = assign_managers(customers, managers, weights=weights, workers=1)
    index = {int(mid): i for i, mid in enumerate(managers.manager_id)}
    load = np.zeros(len(managers), dtype=int)
    for county, mid in zip(customers.county_id, result.manager_id, strict=True):
        if mid == -1:
            continue
        m = index[int(mid)]
        load[m] += 1
        assert may_serve(managers, m, int(county))
    assert np.all(load <= managers.capacity)


@PROPERTY
@given(instances())
def test_nobody_is_left_without_a_manager_while_an_eligible_one_has_room(
    instance: tuple[Customers, Managers, AssignmentWeights],
) -> None:
    customers, managers, weights = instance
    result = assign_managers(customers, managers, weights=weights, workers=1)
    ids = list(managers.manager_id)
    load = np.array([int((result.manager_id == mid).sum()) for mid in ids])
    for county, mid in zip(customers.county_id, result.manager_id, strict=True):
        if mid == -1:
            for m in range(len(managers)):
                if may_serve(managers, m, int(county)):
                    assert load[m] >= managers.capacity[m]


@PROPERTY
@given(instances())
def test_a_higher_value_bucket_is_never_left_out_for_a_lower_one(
    instance: tuple[Customers, Managers, AssignmentWeights],
) -> None:
    customers, managers, weights = instance
    result = assign_managers(customers, managers, weights=weights, workers=1)
    bucket = np.searchsorted(weights.value_bucket_edges, customers.value, "right")
    index = {int(mid): i for i, mid in enumerate(managers.manager_id)}
    mids = result.manager_id
    for u in np.flatnonzero(mids == -1):
        for a in np.flatnonzero(mids >= 0):
            if may_serve(managers, index[int(mids[a])], int(customers.county_id[u])):
                assert bucket[a] >= bucket[u]


# --- optimality ----------------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_customers=5, max_managers=3))
def test_optimum_equals_brute_force_over_every_assignment(
    instance: tuple[Customers, Managers, AssignmentWeights],
) -> None:
    customers, managers, weights = instance
    result = assign_managers(customers, managers, weights=weights, workers=1)
    problem = prepare(customers, managers, weights)
    options = [-1, *range(len(managers))]
    best = None
    for choice in itertools.product(options, repeat=len(customers)):
        manager_of = np.array(choice, dtype=np.int64)
        ok = all(
            m == -1 or may_serve(managers, m, int(c))
            for m, c in zip(choice, customers.county_id, strict=True)
        )
        counts = np.bincount(manager_of[manager_of >= 0], minlength=len(managers))
        if ok and np.all(counts <= managers.capacity):
            cost = evaluate(problem, manager_of).total
            best = cost if best is None else min(best, cost)
    assert result.summary.objective.total == best
    assert result.summary.bound == best
    assert result.summary.gap == 0


@PROPERTY
@given(instances(max_customers=14))
def test_aggregated_classes_give_the_same_objective_as_one_node_per_customer(
    instance: tuple[Customers, Managers, AssignmentWeights],
) -> None:
    customers, managers, weights = instance
    grouped = assign_managers(customers, managers, weights=weights, workers=1)
    single = assign_managers(customers, managers, weights=weights, workers=1, aggregate=False)
    assert grouped.summary.objective.total == single.summary.objective.total
    assert grouped.summary.bound == single.summary.bound


@PROPERTY
@given(instances())
def test_greedy_baseline_is_feasible_and_never_beats_the_optimum(
    instance: tuple[Customers, Managers, AssignmentWeights],
) -> None:
    customers, managers, weights = instance
    optimal = assign_managers(customers, managers, weights=weights, workers=1)
    greedy = greedy_assign(customers, managers, weights=weights)
    assert violations(greedy.problem, greedy.manager_index) == []
    assert greedy.summary.objective.total >= optimal.summary.objective.total


# --- incremental runs ----------------------------------------------------------------------


@PROPERTY
@given(instances())
def test_rerun_with_last_nights_result_as_current_moves_nobody(
    instance: tuple[Customers, Managers, AssignmentWeights],
) -> None:
    customers, managers, weights = instance
    first = assign_managers(customers, managers, weights=weights, workers=1)
    again = assign_managers(first.as_current(customers), managers, weights=weights, workers=1)
    assert again.summary.moved == 0
    assert not any(again.assignments.column("changed").to_pylist())
    assert np.array_equal(again.manager_id, first.manager_id)


@PROPERTY
@given(instances(), st.integers(0, 3))
def test_a_leaving_managers_portfolio_is_reassigned_or_reported_the_same_night(
    instance: tuple[Customers, Managers, AssignmentWeights], which: int
) -> None:
    customers, managers, weights = instance
    if not len(managers):
        return
    first = assign_managers(customers, managers, weights=weights, workers=1)
    leaver = which % len(managers)
    active = managers.active.copy()
    active[leaver] = False
    after = assign_managers(
        first.as_current(customers), replace(managers, active=active), weights=weights, workers=1
    )
    portfolio = first.manager_id == managers.manager_id[leaver]
    assert not np.any(after.manager_id == managers.manager_id[leaver])
    assert np.all(after.assignments.column("changed").to_numpy()[portfolio])
    reasons = after.assignments.column("reason_flags").to_numpy()[portfolio]
    assert np.all(reasons & Reason.PREVIOUS_LEFT)
    shortfall = set(after.shortfall.column("customer_id").to_pylist())
    stranded = customers.customer_id[portfolio & (after.manager_id == -1)]
    assert set(stranded.tolist()) <= shortfall


@PROPERTY
@given(instances())
def test_every_row_explains_itself_consistently_with_the_outcome(
    instance: tuple[Customers, Managers, AssignmentWeights],
) -> None:
    customers, managers, weights = instance
    result = assign_managers(customers, managers, weights=weights, workers=1)
    for row in result.assignments.to_pylist():
        reason = row["reason"]
        if row["manager_id"] == -1:
            assert reason.startswith("none: ")
        elif not row["changed"]:
            assert reason.startswith("kept: continuity")
        elif row["previous_manager_id"] == -1:
            assert reason.startswith("new: ")
        else:
            assert reason.startswith("moved: ")


def test_customers_keep_a_valid_manager_when_nothing_is_better() -> None:
    managers = make_managers([{"id": 1}, {"id": 2}])
    customers = make_customers([{"id": i, "current": 1 + i % 2} for i in range(6)])
    result = assign_managers(customers, managers, workers=1)
    assert result.summary.kept == 6
    assert set(result.assignments.column("reason").to_pylist()) == {
        "kept: continuity; skill 3g matched; same county"
    }


def test_a_leaving_managers_portfolio_is_reassigned_in_the_same_run() -> None:
    managers = make_managers([{"id": 1, "active": False}, {"id": 2}, {"id": 3, "capacity": 3}])
    customers = make_customers(
        [{"id": i, "current": 1} for i in range(4)]
        + [{"id": 10 + i, "current": 2} for i in range(5)]
    )
    result = assign_managers(customers, managers, workers=1)
    rows = result.assignments.to_pylist()
    assert all(r["manager_id"] in (2, 3) for r in rows)
    assert [r["manager_id"] for r in rows[4:]] == [2] * 5  # nobody else is disturbed
    moved = [r for r in rows if r["previous_manager_id"] == 1]
    assert all(r["changed"] for r in moved)
    assert all(r["reason"].startswith("moved: previous manager left") for r in moved)
    assert all(r["reason_flags"] & Reason.PREVIOUS_LEFT for r in moved)
    assert result.summary.unassigned == 0


def test_explanation_names_the_decisive_constraints_and_goals() -> None:
    managers = make_managers([{"id": 1, "active": False}, {"id": 2, "skills": 1, "capacity": 5}])
    managers = replace(managers)
    customers = make_customers([{"id": 7, "current": 1, "skills": 1}])
    reason = assign_managers(customers, managers, workers=1).assignments.column("reason")[0]
    assert reason.as_py() == (
        "moved: previous manager left; skill 3g matched; least loaded in county; same county"
    )


def test_household_manager_from_a_neighbour_county_is_preferred_and_explained() -> None:
    managers = make_managers([{"id": 1, "county": 1}, {"id": 2, "county": 2, "neighbours": [1]}])
    customers = make_customers([{"id": 1, "hint": 2}])
    row = assign_managers(customers, managers, workers=1).assignments.to_pylist()[0]
    assert row["manager_id"] == 2
    assert "household/hall manager" in row["reason"]
    assert "allowed neighbour county" in row["reason"]


# --- capacity shortfall -------------------------------------------------------------------


def test_capacity_shortfall_is_reported_per_county_ranked_by_value() -> None:
    managers = make_managers([{"id": 1, "capacity": 2}, {"id": 2, "county": 2, "capacity": 1}])
    values = [80.0, 950.0, 120.0, 300.0, 60.0]
    customers = make_customers(
        [{"id": i, "value": v} for i, v in enumerate(values)]
        + [{"id": 20, "county": 2, "value": 500.0}, {"id": 21, "county": 3, "value": 99.0}]
    )
    result = assign_managers(customers, managers, workers=1)
    served = set(result.assignments.filter(pa.compute.field("manager_id") >= 0)["customer_id"])
    assert {c.as_py() for c in served} == {1, 3, 20}  # the two most valuable of county 1
    assert result.shortfall.to_pylist() == [
        {"county_id": 1, "rank": 1, "customer_id": 2, "value": 120.0, "reason": "capacity short"},
        {"county_id": 1, "rank": 2, "customer_id": 0, "value": 80.0, "reason": "capacity short"},
        {"county_id": 1, "rank": 3, "customer_id": 4, "value": 60.0, "reason": "capacity short"},
        {
            "county_id": 3,
            "rank": 1,
            "customer_id": 21,
            "value": 99.0,
            "reason": "no active manager serves county",
        },
    ]
    load = {r["county_id"]: r for r in result.county_load.to_pylist()}
    assert load[1]["load"] == 2 and load[1]["unassigned"] == 3
    assert load[1]["utilisation"] == 1.0


# --- objective, weights, inputs -------------------------------------------------------------


def test_objective_prices_load_and_value_balance_as_documented() -> None:
    weights = AssignmentWeights(load_balance=2.0, value_balance=1.0, load_segments=4)
    problem = prepare(
        make_customers([{"id": 1}]), make_managers([{"id": 1, "capacity": 4}]), weights
    )
    objective = evaluate(problem, np.array([0]))
    # First of four load pieces: 2 × (2·0+1)/4 = 0.5 points; fair share of the bucket is
    # 4 × 1/4 = 1 customer, whose piece [0.5, 1) of the share costs 1 × (0.5 + 1) = 1.5.
    assert objective.points("load") == 0.5
    assert objective.points("value") == 1.5
    assert objective.total == 200


def test_workers_in_parallel_give_the_same_assignment() -> None:
    managers = make_managers(
        [{"id": i, "county": 1 + i % 3, "capacity": 4, "skills": i % 4} for i in range(9)]
    )
    customers = make_customers(
        [
            {"id": i, "county": 1 + i % 3, "value": 70.0 + 37 * i % 500, "skills": i % 3}
            for i in range(40)
        ]
    )
    serial = assign_managers(customers, managers, workers=1)
    parallel = assign_managers(customers, managers, workers=2)
    assert np.array_equal(serial.manager_id, parallel.manager_id)
    assert serial.summary.objective.total == parallel.summary.objective.total


def test_weights_come_from_the_toml_section_over_shipped_defaults(tmp_path: Path) -> None:
    assert load_weights() == AssignmentWeights()
    path = tmp_path / "weixi.toml"
    path.write_text("[assignment]\ncontinuity = 25.0\nskill_names = ['5g']\n")
    weights = load_weights(path)
    assert weights.continuity == 25.0 and weights.skill_names == ("5g",)
    path.write_text("[assignment]\ncontinuty = 1.0\n")
    with pytest.raises(ValidationFailed):
        load_weights(path)


def test_inputs_read_from_arrow_tables() -> None:
    customers = Customers.from_arrow(
        pa.table(
            {
                "customer_id": [1, 2],
                "county_id": [5, 5],
                "value": [100.0, 200.0],
                "skills": [1, None],
                "current_manager_id": [None, 9],
                "hint_manager_id": [None, None],
            }
        )
    )
    managers = Managers.from_arrow(
        pa.table(
            {
                "manager_id": [9, 10],
                "county_id": [5, 6],
                "neighbour_counties": [[], [5, 7]],
                "skills": [1, 3],
                "capacity": [1, 1],
                "active": [True, True],
            }
        )
    )
    assert customers.current_manager_id.tolist() == [-1, 9]
    assert managers.neighbour_county_id.tolist() == [5, 7]
    result = assign_managers(customers, managers, workers=1)
    assert sorted(result.manager_id.tolist()) == [9, 10]


def test_managers_read_from_a_sliced_multi_chunk_arrow_table() -> None:
    rows = {
        "manager_id": [1, 2, 3],
        "county_id": [5, 6, 7],
        "neighbour_counties": [[9], None, [6, 8]],
        "skills": [1, 1, 1],
        "capacity": [1, 1, 1],
        "active": [True, True, True],
    }
    table = pa.concat_tables([pa.table(rows), pa.table(rows)]).slice(1, 3)
    assert table.column("neighbour_counties").num_chunks == 2
    managers = Managers.from_arrow(table)
    assert managers.manager_id.tolist() == [2, 3, 1]
    assert managers.neighbour_offsets.tolist() == [0, 0, 2, 3]
    assert managers.neighbour_county_id.tolist() == [6, 8, 9]


def test_duplicate_customer_ids_are_rejected() -> None:
    with pytest.raises(ValidationFailed):
        make_customers([{"id": 1}, {"id": 1}])
