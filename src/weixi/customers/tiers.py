"""Customer tiers (客户级别) from a versioned rules file. Pure: standard library only.

A tier file (``tier_rules.toml``, shipped default) names the tiers from the highest rank
down and lists rules; a rule places a customer in its tier when all of its conditions
hold. A customer gets the highest-ranked tier with a matching rule, and the first such
rule in file order is recorded as the reason; customers no rule places get the default
tier. The same rules evaluate one customer in Python (`assign_tier`, for tests and the
API) and every customer at once as SQL CASE expressions (`tier_case_sql`, for DuckDB and
Spark); a test checks that the two agree.

The condition language (`Condition`, `Rule`) is shared with `weixi.customers.lifecycle`.
Comparisons against a missing value (None / SQL NULL) are false, in both forms.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

Value = float | int | str | bool
_FIELD = re.compile(r"[a-z_][a-z0-9_]*")


class RulesError(ValueError):
    """A rules file that cannot be used as written."""


class Op(StrEnum):
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "=="
    NE = "!="
    BETWEEN = "between"
    """Inclusive: ``value = [low, high]``."""
    IN = "in"
    IS_NULL = "is_null"
    NOT_NULL = "not_null"


_COMPARE: dict[Op, Callable[[Any, Any], bool]] = {
    Op.LT: lambda a, b: a < b,
    Op.LE: lambda a, b: a <= b,
    Op.GT: lambda a, b: a > b,
    Op.GE: lambda a, b: a >= b,
    Op.EQ: lambda a, b: a == b,
    Op.NE: lambda a, b: a != b,
}
_SQL_OP = {Op.LT: "<", Op.LE: "<=", Op.GT: ">", Op.GE: ">=", Op.EQ: "=", Op.NE: "<>"}


def sql_literal(value: Value) -> str:
    """A literal both DuckDB and Spark SQL read back as ``value``."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


@dataclass(frozen=True)
class Condition:
    """``field op value`` over one customer's facts."""

    field: str
    op: Op
    value: Value | tuple[Value, ...] | None = None

    def holds(self, facts: Mapping[str, Any]) -> bool:
        actual = facts.get(self.field)
        if self.op is Op.IS_NULL:
            return actual is None
        if self.op is Op.NOT_NULL:
            return actual is not None
        if actual is None:
            return False
        if self.op is Op.BETWEEN:
            low, high = self._pair()
            return bool(low <= actual <= high)
        if self.op is Op.IN:
            return actual in self._values()
        return bool(_COMPARE[self.op](actual, self.value))

    def sql(self) -> str:
        """The condition as a SQL boolean that is FALSE (never NULL) on missing values."""
        column = self.field
        if self.op is Op.IS_NULL:
            return f"({column} IS NULL)"
        if self.op is Op.NOT_NULL:
            return f"({column} IS NOT NULL)"
        if self.op is Op.BETWEEN:
            low, high = self._pair()
            test = f"{column} BETWEEN {sql_literal(low)} AND {sql_literal(high)}"
        elif self.op is Op.IN:
            test = f"{column} IN ({', '.join(sql_literal(v) for v in self._values())})"
        else:
            assert self.value is not None and not isinstance(self.value, tuple)
            test = f"{column} {_SQL_OP[self.op]} {sql_literal(self.value)}"
        return f"COALESCE({test}, FALSE)"

    def _pair(self) -> tuple[Value, Value]:
        values = self._values()
        return values[0], values[1]

    def _values(self) -> tuple[Value, ...]:
        assert isinstance(self.value, tuple)
        return self.value


@dataclass(frozen=True)
class Rule:
    """Places a customer in ``target`` (a tier or a stage) when every condition holds."""

    name: str
    target: str
    when: tuple[Condition, ...] = ()

    def matches(self, facts: Mapping[str, Any]) -> bool:
        return all(condition.holds(facts) for condition in self.when)

    def sql(self) -> str:
        if not self.when:
            return "TRUE"
        return " AND ".join(condition.sql() for condition in self.when)

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(condition.field for condition in self.when)


def first_match(rules: Iterable[Rule], facts: Mapping[str, Any]) -> Rule | None:
    """The first rule whose conditions all hold, or None."""
    return next((rule for rule in rules if rule.matches(facts)), None)


def case_sql(rules: Sequence[Rule], value: Callable[[Rule], str], default: str) -> str:
    """A CASE expression giving ``value(rule)`` of the first matching rule, else ``default``."""
    arms = "\n".join(f"    WHEN {rule.sql()} THEN {sql_literal(value(rule))}" for rule in rules)
    return f"CASE\n{arms}\n    ELSE {sql_literal(default)}\nEND"


def parse_condition(raw: Mapping[str, Any], *, where: str) -> Condition:
    """A condition from its TOML table ``{field, op, value}``."""
    field = str(raw.get("field", ""))
    if not _FIELD.fullmatch(field):
        raise RulesError(f"{where}: bad field name {field!r}")
    try:
        op = Op(str(raw.get("op")))
    except ValueError:
        raise RulesError(f"{where}: unknown op {raw.get('op')!r}") from None
    value = raw.get("value")
    if op in (Op.BETWEEN, Op.IN):
        if not isinstance(value, list) or (op is Op.BETWEEN and len(value) != 2):
            raise RulesError(f"{where}: {op} needs a list value")
        return Condition(field, op, tuple(value))
    if op in (Op.IS_NULL, Op.NOT_NULL):
        return Condition(field, op)
    if not isinstance(value, int | float | str | bool):
        raise RulesError(f"{where}: {op} needs a scalar value")
    return Condition(field, op, value)


def parse_rule(raw: Mapping[str, Any], *, target_key: str) -> Rule:
    name = str(raw.get("name", ""))
    if not name:
        raise RulesError("a rule without a name")
    where = f"rule {name}"
    conditions = tuple(parse_condition(c, where=where) for c in raw.get("when", []))
    return Rule(name, str(raw.get(target_key, "")), conditions)


def read_toml(path: Path | None, default_name: str) -> dict[str, Any]:
    """A rules file: ``path`` or the default shipped next to this module."""
    if path is None:
        text = resources.files(__package__).joinpath(default_name).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return tomllib.loads(text)


# --- Tiers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    name: str
    name_zh: str
    rank: int
    """1 is the highest tier."""
    dedicated_manager: bool


@dataclass(frozen=True)
class TierRules:
    version: str
    tiers: tuple[Tier, ...]
    """Highest rank first."""
    rules: tuple[Rule, ...]
    """In evaluation order: by tier rank, then file order."""
    default_tier: str
    default_rule: str

    def tier(self, name: str) -> Tier:
        for tier in self.tiers:
            if tier.name == name:
                return tier
        raise KeyError(name)

    @property
    def fields(self) -> frozenset[str]:
        """The facts (feature columns) the rules read."""
        return frozenset().union(*(rule.fields for rule in self.rules))


@dataclass(frozen=True)
class TierDecision:
    tier: str
    rule: str
    dedicated_manager: bool


def parse_tier_rules(data: Mapping[str, Any]) -> TierRules:
    """Validate a parsed tier file."""
    tiers = tuple(
        sorted(
            (
                Tier(
                    str(t["name"]), str(t["name_zh"]), int(t["rank"]), bool(t["dedicated_manager"])
                )
                for t in data.get("tiers", [])
            ),
            key=lambda t: t.rank,
        )
    )
    rank = {t.name: t.rank for t in tiers}
    if len(rank) != len(tiers) or not tiers:
        raise RulesError("tier names must be present and unique")
    rules = [parse_rule(r, target_key="tier") for r in data.get("rules", [])]
    for rule in rules:
        if rule.target not in rank:
            raise RulesError(f"rule {rule.name}: unknown tier {rule.target!r}")
    if len({r.name for r in rules}) != len(rules):
        raise RulesError("rule names must be unique")
    default = str(data.get("default_tier", ""))
    if default not in rank:
        raise RulesError(f"unknown default_tier {default!r}")
    ordered = tuple(sorted(rules, key=lambda r: rank[r.target]))  # stable: file order kept
    return TierRules(
        version=str(data.get("version", "")),
        tiers=tiers,
        rules=ordered,
        default_tier=default,
        default_rule=str(data.get("default_rule", f"{default}.default")),
    )


def load_tier_rules(path: Path | None = None) -> TierRules:
    """The tier rules in ``path``, or the shipped ``tier_rules.toml``."""
    return parse_tier_rules(read_toml(path, "tier_rules.toml"))


def assign_tier(facts: Mapping[str, Any], rules: TierRules) -> TierDecision:
    """One customer's tier and the rule that placed them (row-wise; see `tier_case_sql`)."""
    rule = first_match(rules.rules, facts)
    tier, rule_name = (rule.target, rule.name) if rule else (rules.default_tier, rules.default_rule)
    return TierDecision(tier, rule_name, rules.tier(tier).dedicated_manager)


def tier_case_sql(rules: TierRules) -> dict[str, str]:
    """SQL expressions (over columns named like the facts) for ``tier`` and ``tier_rule``:
    the vectorised `assign_tier`."""
    return {
        "tier": case_sql(rules.rules, lambda r: r.target, rules.default_tier),
        "tier_rule": case_sql(rules.rules, lambda r: r.name, rules.default_rule),
    }


def tier_attribute_sql(rules: TierRules, *, tier_column: str = "tier") -> dict[str, str]:
    """SQL expressions for ``tier_name_zh`` and ``dedicated_manager`` of a tier column."""
    zh = " ".join(f"WHEN {sql_literal(t.name)} THEN {sql_literal(t.name_zh)}" for t in rules.tiers)
    managed = " ".join(
        f"WHEN {sql_literal(t.name)} THEN {sql_literal(t.dedicated_manager)}" for t in rules.tiers
    )
    return {
        "tier_name_zh": f"CASE {tier_column} {zh} END",
        "dedicated_manager": f"CASE {tier_column} {managed} END",
    }
