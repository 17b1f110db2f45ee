"""Lifecycle stages (客户分期) and the playbook each stage entry triggers. Pure: stdlib only.

Stages: prospect (储备期), onboarding (导入期), stable (稳定期), warning (预警期),
churned (离网期). ``lifecycle_rules.toml`` (shipped default) holds, all configurable:

- the classification rules, in priority order: the first rule whose conditions hold gives
  the stage and is recorded as the reason; otherwise the default stage (stable);
- the allowed transitions between stages (a table, as for work orders);
- the playbook per stage entry: onboarding → onboarding_care order with script
  ``onboarding``; warning → warning order with script ``retention``; churned → callback
  order with script ``exit``; stable → nothing.

A stage is *entered* when it differs from the previous night's stage and the move is
allowed; customers with no previous stage enter only the stages listed in
``enter_without_history`` (so a first run does not send exit callbacks to customers who
left years ago). Row-wise: `classify` and `entry`; vectorised: `stage_case_sql` and
`entry_case_sql`, generated from the same rules.

Facts (see `stage_facts`): ``activated`` and ``deactivated`` (bool), ``days_since_activation``,
``churn_probability`` and any feature column (``contract_days_left``,
``bill_abnormal_flag``, ``complaints_unresolved_180d``, ...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from weixi.customers.tiers import (
    Rule,
    RulesError,
    case_sql,
    first_match,
    parse_rule,
    read_toml,
    sql_literal,
)


class Stage(StrEnum):
    PROSPECT = "prospect"
    ONBOARDING = "onboarding"
    STABLE = "stable"
    WARNING = "warning"
    CHURNED = "churned"


@dataclass(frozen=True)
class Playbook:
    """What entering a stage sets in motion: a work order of ``order_kind`` with ``script``."""

    order_kind: str
    script: str


@dataclass(frozen=True)
class LifecycleRules:
    version: str
    rules: tuple[Rule, ...]
    default_stage: Stage
    default_rule: str
    transitions: Mapping[Stage, frozenset[Stage]]
    playbooks: Mapping[Stage, Playbook]
    enter_without_history: frozenset[Stage]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset().union(*(rule.fields for rule in self.rules))

    def allowed(self, previous: Stage, current: Stage) -> bool:
        return current in self.transitions.get(previous, frozenset())


@dataclass(frozen=True)
class StageDecision:
    stage: Stage
    rule: str


@dataclass(frozen=True)
class StageEntry:
    """A customer entering ``current``; ``playbook`` is None when the stage has none."""

    previous: Stage | None
    current: Stage
    playbook: Playbook | None


def _stage(value: Any, where: str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise RulesError(f"{where}: unknown stage {value!r}") from None


def parse_lifecycle_rules(data: Mapping[str, Any]) -> LifecycleRules:
    """Validate a parsed lifecycle file."""
    rules = tuple(parse_rule(r, target_key="stage") for r in data.get("rules", []))
    for rule in rules:
        _stage(rule.target, f"rule {rule.name}")
    if len({r.name for r in rules}) != len(rules):
        raise RulesError("rule names must be unique")
    transitions = {
        _stage(src, "transitions"): frozenset(_stage(d, f"transitions.{src}") for d in dests)
        for src, dests in data.get("transitions", {}).items()
    }
    playbooks = {
        _stage(stage, "playbooks"): Playbook(str(p["order_kind"]), str(p["script"]))
        for stage, p in data.get("playbooks", {}).items()
    }
    default = _stage(data.get("default_stage"), "default_stage")
    return LifecycleRules(
        version=str(data.get("version", "")),
        rules=rules,
        default_stage=default,
        default_rule=str(data.get("default_rule", f"{default}.default")),
        transitions=transitions,
        playbooks=playbooks,
        enter_without_history=frozenset(
            _stage(s, "enter_without_history") for s in data.get("enter_without_history", [])
        ),
    )


def load_lifecycle_rules(path: Path | None = None) -> LifecycleRules:
    """The lifecycle rules in ``path``, or the shipped ``lifecycle_rules.toml``."""
    return parse_lifecycle_rules(read_toml(path, "lifecycle_rules.toml"))


def stage_facts(
    *,
    as_of: dt.date,
    activated_on: dt.date | None,
    deactivated_on: dt.date | None,
    features: Mapping[str, Any] | None = None,
    churn_probability: float | None = None,
) -> dict[str, Any]:
    """The facts `classify` reads, for one customer as of ``as_of`` (only dates before it
    count as known, as in the feature SQL)."""
    activated = activated_on is not None and activated_on < as_of
    return {
        **(features or {}),
        "activated": activated,
        "deactivated": deactivated_on is not None and deactivated_on < as_of,
        "days_since_activation": (as_of - activated_on).days if activated_on else None,
        "churn_probability": churn_probability,
    }


def classify(facts: Mapping[str, Any], rules: LifecycleRules) -> StageDecision:
    """One customer's stage and the rule that gave it (row-wise; see `stage_case_sql`)."""
    rule = first_match(rules.rules, facts)
    if rule is None:
        return StageDecision(rules.default_stage, rules.default_rule)
    return StageDecision(Stage(rule.target), rule.name)


def entry(previous: Stage | None, current: Stage, rules: LifecycleRules) -> StageEntry | None:
    """The stage entry of a customer moving from ``previous`` to ``current``, or None when
    nothing is entered (same stage, a move the transition table forbids, or no history
    for a stage that needs it)."""
    if previous == current:
        return None
    if previous is None:
        if current not in rules.enter_without_history:
            return None
    elif not rules.allowed(previous, current):
        return None
    return StageEntry(previous, current, rules.playbooks.get(current))


# --- Vectorised form ----------------------------------------------------------------------


def stage_case_sql(rules: LifecycleRules) -> dict[str, str]:
    """SQL expressions for ``stage`` and ``stage_rule`` over fact columns."""
    return {
        "stage": case_sql(rules.rules, lambda r: r.target, rules.default_stage.value),
        "stage_rule": case_sql(rules.rules, lambda r: r.name, rules.default_rule),
    }


def entry_case_sql(rules: LifecycleRules, *, previous: str, current: str) -> dict[str, str]:
    """SQL expressions for ``entered`` (boolean), ``order_kind`` and ``script`` from the
    columns ``previous`` and ``current``: the vectorised `entry`."""
    moves = " OR ".join(
        f"({previous} = {sql_literal(src.value)} AND {current} IN "
        f"({', '.join(sql_literal(d.value) for d in sorted(dests))}))"
        for src, dests in sorted(rules.transitions.items())
        if dests
    )
    fresh = ", ".join(sql_literal(s.value) for s in sorted(rules.enter_without_history))
    entered = (
        f"CASE WHEN {previous} IS NULL THEN "
        + (f"{current} IN ({fresh})" if fresh else "FALSE")
        + f" WHEN {previous} = {current} THEN FALSE ELSE "
        + (f"COALESCE({moves}, FALSE)" if moves else "FALSE")
        + " END"
    )

    def by_stage(pick: str) -> str:
        arms = " ".join(
            f"WHEN {sql_literal(stage.value)} THEN {sql_literal(getattr(book, pick))}"
            for stage, book in sorted(rules.playbooks.items())
        )
        return f"CASE WHEN {entered} THEN CASE {current} {arms} END END" if arms else "NULL"

    return {"entered": entered, "order_kind": by_stage("order_kind"), "script": by_stage("script")}
