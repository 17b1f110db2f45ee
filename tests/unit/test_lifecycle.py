"""Lifecycle stages: classification rules, entries and playbooks, row-wise = vectorised SQL."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from weixi.customers.lifecycle import (
    Playbook,
    Stage,
    classify,
    entry,
    entry_case_sql,
    load_lifecycle_rules,
    parse_lifecycle_rules,
    stage_case_sql,
    stage_facts,
)
from weixi.customers.tiers import RulesError

RULES = load_lifecycle_rules()
AS_OF = dt.date(2010, 7, 1)


def _stage(*, activated_on: dt.date | None = dt.date(2009, 1, 1), **kw: Any) -> str:
    deactivated_on = kw.pop("deactivated_on", None)
    probability = kw.pop("churn_probability", None)
    facts = stage_facts(
        as_of=AS_OF,
        activated_on=activated_on,
        deactivated_on=deactivated_on,
        features=kw,
        churn_probability=probability,
    )
    return classify(facts, RULES).rule


def test_not_yet_activated_is_a_prospect() -> None:
    assert _stage(activated_on=dt.date(2010, 7, 10)) == "prospect.not_activated"
    assert _stage(activated_on=AS_OF) == "prospect.not_activated"  # known from tomorrow


def test_deactivation_means_churned() -> None:
    assert _stage(deactivated_on=dt.date(2010, 6, 30)) == "churned.deactivated"
    assert _stage(deactivated_on=AS_OF) != "churned.deactivated"


def test_first_90_days_after_activation_are_onboarding() -> None:
    assert _stage(activated_on=AS_OF - dt.timedelta(days=89)) == "onboarding.first_90_days"
    assert _stage(activated_on=AS_OF - dt.timedelta(days=90)) == "stable.default"


@pytest.mark.parametrize(
    ("signal", "rule"),
    [
        ({"churn_probability": 0.5}, "warning.churn_risk"),
        ({"contract_days_left": 30}, "warning.contract_ends_30d"),
        ({"contract_days_left": 0}, "warning.contract_ends_30d"),
        ({"bill_abnormal_flag": 1}, "warning.bill_shock"),
        ({"complaints_unresolved_180d": 2}, "warning.unresolved_complaint"),
    ],
)
def test_churn_risk_or_a_hard_signal_means_warning(signal: dict[str, Any], rule: str) -> None:
    assert _stage(**signal) == rule


def test_weak_signals_stay_stable() -> None:
    assert (
        _stage(churn_probability=0.49, contract_days_left=31, bill_abnormal_flag=0)
        == "stable.default"
    )
    assert _stage(contract_days_left=-1) == "stable.default"  # ended: no contract to renew


def test_each_stage_entry_triggers_its_playbook() -> None:
    assert entry(Stage.STABLE, Stage.WARNING, RULES) is not None
    books = {
        stage: e.playbook
        for stage in Stage
        if (e := entry(Stage.PROSPECT, stage, RULES)) is not None
    }
    assert books == {
        Stage.ONBOARDING: Playbook("onboarding_care", "onboarding"),
        Stage.WARNING: Playbook("warning", "retention"),
        Stage.CHURNED: Playbook("callback", "exit"),
        Stage.STABLE: None,
    }


def test_staying_in_a_stage_or_an_illegal_move_enters_nothing() -> None:
    assert entry(Stage.WARNING, Stage.WARNING, RULES) is None
    assert entry(Stage.STABLE, Stage.ONBOARDING, RULES) is None
    assert entry(Stage.CHURNED, Stage.STABLE, RULES) is None


def test_first_run_does_not_send_exit_callbacks_to_long_gone_customers() -> None:
    assert entry(None, Stage.CHURNED, RULES) is None
    assert entry(None, Stage.STABLE, RULES) is None
    onboarding = entry(None, Stage.ONBOARDING, RULES)
    assert onboarding is not None and onboarding.playbook == Playbook(
        "onboarding_care", "onboarding"
    )


def test_onboarding_length_is_configurable() -> None:
    data = {
        "default_stage": "stable",
        "rules": [
            {
                "name": "onboarding.first_30_days",
                "stage": "onboarding",
                "when": [{"field": "days_since_activation", "op": "<", "value": 30}],
            }
        ],
    }
    rules = parse_lifecycle_rules(data)
    assert classify({"days_since_activation": 45}, rules).stage is Stage.STABLE
    assert classify({"days_since_activation": 29}, rules).stage is Stage.ONBOARDING


def test_unknown_stage_is_refused() -> None:
    with pytest.raises(RulesError, match="unknown stage"):
        parse_lifecycle_rules({"default_stage": "dormant"})


_FACT_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("activated", pa.bool_()),
        ("deactivated", pa.bool_()),
        ("days_since_activation", pa.int64()),
        ("churn_probability", pa.float64()),
        ("contract_days_left", pa.int64()),
        ("bill_abnormal_flag", pa.int64()),
        ("complaints_unresolved_180d", pa.int64()),
        ("previous_stage", pa.string()),
    ]
)


def _random_facts(rng: random.Random, number: int) -> dict[str, Any]:
    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.15 else value

    return {
        "customer_id": f"C{number}",
        "activated": rng.random() > 0.05,
        "deactivated": rng.random() < 0.1,
        "days_since_activation": rng.choice([-3, 0, 1, 89, 90, 91, 400]),
        "churn_probability": maybe(rng.choice([0.0, 0.2, 0.4999, 0.5, 0.9])),
        "contract_days_left": maybe(rng.choice([-5, -1, 0, 15, 30, 31, 200])),
        "bill_abnormal_flag": rng.choice([0, 0, 0, 1]),
        "complaints_unresolved_180d": rng.choice([0, 0, 0, 1, 3]),
        "previous_stage": maybe(rng.choice([s.value for s in Stage])),
    }


def test_row_wise_and_vectorised_sql_agree() -> None:
    rng = random.Random(7)
    rows = [_random_facts(rng, number) for number in range(3000)]
    case = stage_case_sql(RULES)
    move = entry_case_sql(RULES, previous="previous_stage", current="stage")
    con = duckdb.connect()
    con.register("facts", pa.Table.from_pylist(rows, schema=_FACT_SCHEMA))
    got = con.execute(
        f"SELECT customer_id, stage, stage_rule, {move['entered']}, {move['order_kind']}, "
        f"{move['script']} FROM (SELECT *, {case['stage']} AS stage, "
        f"{case['stage_rule']} AS stage_rule FROM facts)"
    ).fetchall()
    vectorised = {row[0]: row[1:] for row in got}
    for row in rows:
        decision = classify(row, RULES)
        previous = Stage(row["previous_stage"]) if row["previous_stage"] else None
        moved = entry(previous, decision.stage, RULES)
        book = moved.playbook if moved else None
        want = (
            decision.stage.value,
            decision.rule,
            moved is not None,
            book.order_kind if book else None,
            book.script if book else None,
        )
        assert vectorised[row["customer_id"]] == want, row
    rules_seen = {v[1] for v in vectorised.values()}
    assert rules_seen >= {r.name for r in RULES.rules} | {RULES.default_rule}


def test_every_transition_pair_agrees_between_forms() -> None:
    pairs = list(itertools.product([None, *Stage], list(Stage)))
    move = entry_case_sql(RULES, previous="p", current="s")
    con = duckdb.connect()
    table = pa.table(
        {"p": [p.value if p else None for p, _ in pairs], "s": [s.value for _, s in pairs]}
    )
    con.register("pairs", table)
    got = con.execute(f"SELECT {move['entered']}, {move['order_kind']} FROM pairs").fetchall()
    for (previous, current), (entered, kind) in zip(pairs, got, strict=True):
        moved = entry(previous, current, RULES)
        assert entered == (moved is not None), (previous, current)
        assert kind == (moved.playbook.order_kind if moved and moved.playbook else None)
