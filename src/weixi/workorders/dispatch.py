"""Dispatch rules (派发规则): which pool an order goes to, and who in it takes it (pure).

A rule set is an ordered, versioned list. The first rule whose conditions all
match decides the pool; inside the pool the candidate with every required skill
and the least open load wins (ties by id, so dispatch is deterministic). Every
decision carries a sentence saying why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from weixi.errors import ValidationFailed
from weixi.workorders.kinds import Department, PoolKind, WorkOrderKind


@dataclass(frozen=True, slots=True)
class DispatchRule:
    """Conditions (None = any) and the pool they send to."""

    name: str
    pool: PoolKind
    kinds: frozenset[str] | None = None
    tiers: frozenset[str] | None = None
    categories: frozenset[str] | None = None
    regions: frozenset[str] | None = None  # county or city codes
    department: Department | None = None
    skills: frozenset[str] = frozenset()

    def matches(self, facts: OrderFacts) -> bool:
        return (
            _in(self.kinds, facts.kind)
            and _in(self.tiers, facts.tier)
            and _in(self.categories, facts.category)
            and (self.regions is None or bool(self.regions & facts.regions))
        )


def _in(allowed: frozenset[str] | None, value: str | None) -> bool:
    return allowed is None or (value is not None and value in allowed)


@dataclass(frozen=True, slots=True)
class OrderFacts:
    kind: str
    tier: str | None
    category: str | None
    regions: frozenset[str]  # the customer's county and city codes


@dataclass(frozen=True, slots=True)
class Candidate:
    staff_id: int
    skills: frozenset[str]
    open_load: int
    capacity: int


@dataclass(frozen=True, slots=True)
class Choice:
    staff_id: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: int
    rules: tuple[DispatchRule, ...] = field(default_factory=tuple)

    def first_match(self, facts: OrderFacts) -> DispatchRule:
        for rule in self.rules:
            if rule.matches(facts):
                return rule
        raise ValidationFailed(
            f"no dispatch rule in version {self.version} matches a {facts.kind} order "
            f"(tier {facts.tier}, category {facts.category})"
        )


def choose_in_pool(rule: DispatchRule, candidates: Iterable[Candidate]) -> Choice:
    """The skilled candidate with the least open load relative to capacity."""
    pool = list(candidates)
    if not pool:
        return Choice(None, f"rule '{rule.name}': pool {rule.pool} has nobody; left in the queue")
    skilled = [c for c in pool if rule.skills <= c.skills]
    if not skilled:
        needed = ", ".join(sorted(rule.skills))
        return Choice(None, f"rule '{rule.name}': nobody in the pool has skills {needed}")
    best = min(skilled, key=lambda c: (c.open_load / max(c.capacity, 1), c.open_load, c.staff_id))
    skills = f" with skills {', '.join(sorted(rule.skills))}" if rule.skills else ""
    return Choice(
        best.staff_id,
        f"rule '{rule.name}' → {rule.pool}: least open load ({best.open_load}) "
        f"among {len(skilled)} candidate(s){skills}",
    )


def rules_from_dicts(version: int, items: Sequence[Mapping[str, object]]) -> RuleSet:
    """Build a rule set from its stored form, validating every field."""
    return RuleSet(version, tuple(_rule(i, item) for i, item in enumerate(items, start=1)))


def _rule(index: int, item: Mapping[str, object]) -> DispatchRule:
    def opt(key: str) -> frozenset[str] | None:
        value = item.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationFailed(f"dispatch rule {index}: '{key}' must be a list of strings")
        return frozenset(value)

    try:
        pool = PoolKind(str(item["pool"]))
        dept = Department(str(item["department"])) if item.get("department") else None
    except (KeyError, ValueError) as exc:
        raise ValidationFailed(f"dispatch rule {index}: bad pool or department ({exc})") from exc
    if pool is PoolKind.DEPARTMENT and dept is None:
        raise ValidationFailed(f"dispatch rule {index}: a department pool needs 'department'")
    kinds = opt("kinds")
    if kinds is not None and not kinds <= {k.value for k in WorkOrderKind}:
        raise ValidationFailed(f"dispatch rule {index}: unknown kind in {sorted(kinds)}")
    return DispatchRule(
        name=str(item.get("name") or f"rule {index}"),
        pool=pool,
        kinds=kinds,
        tiers=opt("tiers"),
        categories=opt("categories"),
        regions=opt("regions"),
        department=dept,
        skills=opt("skills") or frozenset(),
    )


#: weixi's default rules; the administrator edits them as a new version.
DEFAULT_RULES: list[dict[str, object]] = [
    {
        "name": "预警工单给客户经理 warning → own manager",
        "kinds": ["warning", "onboarding_care", "handover"],
        "pool": "account_manager",
    },
    {
        "name": "离网回访给县客户经理团队 exit callback → county team",
        "kinds": ["callback"],
        "pool": "county_team",
    },
    {
        "name": "网络投诉给网络部 network complaints → network",
        "kinds": ["complaint"],
        "categories": ["network"],
        "pool": "department",
        "department": "network",
    },
    {
        "name": "计费投诉给计费部 billing complaints → billing",
        "kinds": ["complaint"],
        "categories": ["billing"],
        "pool": "department",
        "department": "billing",
    },
    {
        "name": "高端客户投诉给专家坐席 top-tier complaints → expert seats",
        "kinds": ["complaint"],
        "tiers": ["diamond", "platinum"],
        "pool": "expert_seats",
    },
    {
        "name": "装移修给固网部 install/move/repair → fixed line",
        "kinds": ["install", "move", "repair", "fault"],
        "pool": "department",
        "department": "fixed_line",
    },
    {
        "name": "网络关怀与热点整改给网络部 network care, hot issues → network",
        "kinds": ["network_care", "hot_issue_fix"],
        "pool": "department",
        "department": "network",
    },
    {
        "name": "其他投诉给营销部 other complaints → marketing",
        "kinds": ["complaint"],
        "pool": "department",
        "department": "marketing",
    },
]
