"""Tier rules: the shipped file, the placement order, and row-wise = vectorised SQL."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from weixi.customers.tiers import (
    Condition,
    Op,
    RulesError,
    assign_tier,
    load_tier_rules,
    parse_tier_rules,
    tier_attribute_sql,
    tier_case_sql,
)

RULES = load_tier_rules()


def _facts(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "arpu_3m": 30.0,
        "plan_fee_3g": None,
        "tenure_days": 100,
        "product_count": 1,
        "is_enterprise": 0,
    }
    return {**base, **overrides}


def test_shipped_rules_name_five_tiers_with_chinese_names() -> None:
    assert [(t.name, t.name_zh) for t in RULES.tiers] == [
        ("diamond", "钻石"),
        ("platinum", "白金"),
        ("gold", "金"),
        ("silver", "银"),
        ("standard", "普通"),
    ]
    assert RULES.version


@pytest.mark.parametrize("fee", [66.0, 96.0, 186.0, 886.0])
def test_3g_plan_of_66_yuan_and_up_gets_a_dedicated_account_manager(fee: float) -> None:
    decision = assign_tier(_facts(plan_fee_3g=fee), RULES)
    assert decision.dedicated_manager
    assert RULES.tier(decision.tier).dedicated_manager


def test_3g_plan_below_66_yuan_alone_gets_no_dedicated_manager() -> None:
    decision = assign_tier(_facts(plan_fee_3g=46.0), RULES)
    assert (decision.tier, decision.rule, decision.dedicated_manager) == (
        "standard",
        "standard.default",
        False,
    )


def test_highest_tier_wins_and_its_first_rule_is_the_reason() -> None:
    decision = assign_tier(_facts(arpu_3m=600.0, plan_fee_3g=186.0), RULES)
    assert (decision.tier, decision.rule) == ("diamond", "diamond.arpu_500")
    decision = assign_tier(_facts(arpu_3m=250.0, plan_fee_3g=186.0), RULES)
    assert (decision.tier, decision.rule) == ("platinum", "platinum.arpu_200")


def test_missing_values_never_match() -> None:
    decision = assign_tier(_facts(arpu_3m=None, product_count=None, tenure_days=None), RULES)
    assert decision.tier == "standard"


def test_rules_are_evaluated_in_tier_rank_order_whatever_the_file_order() -> None:
    rules = parse_tier_rules(
        {
            "version": "t",
            "default_tier": "low",
            "tiers": [
                {"name": "low", "name_zh": "低", "rank": 2, "dedicated_manager": False},
                {"name": "high", "name_zh": "高", "rank": 1, "dedicated_manager": True},
            ],
            "rules": [
                {"name": "low.any", "tier": "low", "when": []},
                {
                    "name": "high.big",
                    "tier": "high",
                    "when": [{"field": "x", "op": ">", "value": 5}],
                },
            ],
        }
    )
    assert assign_tier({"x": 9}, rules).rule == "high.big"
    assert assign_tier({"x": 1}, rules).rule == "low.any"


def test_bad_rules_are_refused() -> None:
    with pytest.raises(RulesError, match="unknown tier"):
        parse_tier_rules(
            {
                "default_tier": "a",
                "tiers": [{"name": "a", "name_zh": "甲", "rank": 1, "dedicated_manager": False}],
                "rules": [{"name": "r", "tier": "zzz", "when": []}],
            }
        )
    with pytest.raises(RulesError, match="unknown op"):
        parse_tier_rules(
            {
                "default_tier": "a",
                "tiers": [{"name": "a", "name_zh": "甲", "rank": 1, "dedicated_manager": False}],
                "rules": [{"name": "r", "tier": "a", "when": [{"field": "x", "op": "~"}]}],
            }
        )


def test_a_custom_rules_file_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "tiers.toml"
    path.write_text(
        'version = "x1"\ndefault_tier = "only"\n'
        '[[tiers]]\nname = "only"\nname_zh = "唯一"\nrank = 1\ndedicated_manager = false\n',
        encoding="utf-8",
    )
    rules = load_tier_rules(path)
    assert rules.version == "x1" and assign_tier({}, rules).rule == "only.default"


def test_condition_operators() -> None:
    facts = {"a": 5, "s": "x", "n": None}
    assert Condition("a", Op.BETWEEN, (5, 6)).holds(facts)
    assert Condition("s", Op.IN, ("x", "y")).holds(facts)
    assert Condition("n", Op.IS_NULL).holds(facts)
    assert not Condition("n", Op.NE, 3).holds(facts)
    assert Condition("a", Op.NE, 3).holds(facts)


def _random_facts(rng: random.Random, number: int) -> dict[str, Any]:
    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.1 else value

    return {
        "customer_id": f"C{number}",
        "arpu_3m": maybe(rng.choice([0.0, 49.99, 50.0, 100.0, 199.0, 200.0, 300.0, 500.0])
                         + rng.random()),
        "plan_fee_3g": maybe(rng.choice([46.0, 66.0, 96.0, 186.0, 286.0])),
        "tenure_days": maybe(rng.choice([10, 179, 180, 365, 729, 730, 4000])),
        "product_count": maybe(rng.randrange(0, 5)),
        "is_enterprise": maybe(rng.randrange(0, 2)),
    }  # fmt: skip


def test_row_wise_and_vectorised_sql_agree() -> None:
    rng = random.Random(20101)
    rows = [_random_facts(rng, number) for number in range(2000)]
    table = pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [
                ("customer_id", pa.string()),
                ("arpu_3m", pa.float64()),
                ("plan_fee_3g", pa.float64()),
                ("tenure_days", pa.int64()),
                ("product_count", pa.int64()),
                ("is_enterprise", pa.int64()),
            ]
        ),
    )
    case = tier_case_sql(RULES)
    attrs = tier_attribute_sql(RULES, tier_column="tier")
    con = duckdb.connect()
    con.register("facts", table)
    got = con.execute(
        f"SELECT customer_id, tier, tier_rule, {attrs['dedicated_manager']} AS dm FROM "
        f"(SELECT customer_id, {case['tier']} AS tier, {case['tier_rule']} AS tier_rule "
        "FROM facts)"
    ).fetchall()
    vectorised = {cid: (tier, rule, dm) for cid, tier, rule, dm in got}
    for row in rows:
        decision = assign_tier(row, RULES)
        want = (decision.tier, decision.rule, decision.dedicated_manager)
        assert vectorised[row["customer_id"]] == want, row
    assert len({v[1] for v in vectorised.values()}) >= 6  # the sample exercises most rules
