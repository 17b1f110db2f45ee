"""The nightly path: create many dispatched orders at once, idempotently.

Orders opened in one batch share the opening instant, so each distinct SLA policy
gives one set of deadlines; dispatch resolves each (rule, county) pool once and
spreads its orders by least open load in memory. ``source_key`` is unique, so a
rerun of the same night inserts nothing twice.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from weixi.db.bulk import insert_rows, one_of
from weixi.workorders.dispatch import Candidate, DispatchRule, OrderFacts, RuleSet
from weixi.workorders.kinds import PoolKind, Status
from weixi.workorders.models import WorkOrder, WorkOrderHistory
from weixi.workorders.pools import Pool, resolve_pool
from weixi.workorders.sla import match_policy, sla_state
from weixi.workorders.sla_service import operator_calendar, policy_rules


@dataclass(frozen=True, slots=True)
class OrderSpec:
    source_key: str
    kind: str
    title: str
    customer_id: int | None
    county_id: int
    city_id: int
    tier: str | None = None
    category: str | None = None
    account_manager_id: int | None = None
    callback_script: str | None = None
    reasons: list[dict[str, object]] | None = None
    description: str = ""


@dataclass
class BulkResult:
    created: int = 0
    existing: int = 0
    per_county: dict[int, int] = field(default_factory=dict)


def create_orders_bulk(
    session: Session,
    specs: Sequence[OrderSpec],
    *,
    rules: RuleSet,
    now: datetime,
    chunk: int = 5000,
    planner: BulkPlanner | None = None,
) -> BulkResult:
    """Insert dispatched orders and their history; skip source keys already present.

    Pass one ``planner`` to several calls (a night's chunks, each in its own
    transaction) and each pool is read once for all of them, its load then kept in
    memory as orders are handed out.
    """
    result = BulkResult()
    planner = planner or BulkPlanner(session, rules, now)
    for part in _chunks(specs, chunk):
        fresh = _not_yet_created(session, part)
        result.existing += len(part) - len(fresh)
        rows = [planner.row(session, spec) for spec in fresh]
        if not rows:
            continue
        # Core executemany (not the ORM's bulk path): one multi-row statement per batch.
        conn = session.connection()
        insert_rows(conn, WorkOrder, rows)
        ids = _ids_by_key(session, [str(r["source_key"]) for r in rows])
        insert_rows(conn, WorkOrderHistory, list(_history(ids, rows, now)))
        if conn.dialect.name == "postgresql" and result.created == 0:
            conn.exec_driver_sql("ANALYZE work_orders")  # give the planner a row count once
        result.created += len(ids)
        for row in rows:
            county = int(row["county_id"])  # type: ignore[call-overload]
            result.per_county[county] = result.per_county.get(county, 0) + 1
    return result


def _chunks(specs: Sequence[OrderSpec], size: int) -> Iterator[Sequence[OrderSpec]]:
    for start in range(0, len(specs), size):
        yield specs[start : start + size]


def _not_yet_created(session: Session, part: Sequence[OrderSpec]) -> list[OrderSpec]:
    keys = [s.source_key for s in part]
    dialect = session.get_bind().dialect.name
    stmt = select(WorkOrder.source_key).where(one_of(WorkOrder.source_key, keys, dialect))
    seen = set(session.scalars(stmt))
    return [s for s in part if s.source_key not in seen]


def _ids_by_key(session: Session, keys: list[str]) -> list[int]:
    """The new orders' ids, in the order of ``keys`` (portable: no RETURNING needed)."""
    found = dict(
        session.execute(
            select(WorkOrder.source_key, WorkOrder.id).where(
                one_of(WorkOrder.source_key, keys, session.get_bind().dialect.name)
            )
        ).all()
    )
    return [found[k] for k in keys]


def _history(
    ids: Sequence[int], rows: list[dict[str, object]], now: datetime
) -> Iterator[dict[str, object]]:
    for order_id, row in zip(ids, rows, strict=True):
        yield {
            "order_id": order_id,
            "event": "created",
            "from_status": None,
            "to_status": "new",
            "actor_id": None,
            "at": now,
            "reason": str(row["title"]),
            "data": None,
        }
        yield {
            "order_id": order_id,
            "event": "dispatched",
            "from_status": "new",
            "to_status": "dispatched",
            "actor_id": None,
            "at": now,
            "reason": str(row["dispatch_reason"]),
            "data": None,
        }


class BulkPlanner:
    """Caches for one opening instant: one SLA computation per policy, one pool per
    (rule, county) with its open load counted once and then kept up to date here."""

    def __init__(self, session: Session, rules: RuleSet, now: datetime) -> None:
        self.rules, self.now = rules, now
        self._lock = threading.Lock()  # one planner may serve several writer threads
        self.policies = policy_rules(session)
        self.calendar = operator_calendar()
        self.sla: dict[tuple[str, str | None, str | None], dict[str, object]] = {}
        self.pools: dict[tuple[str, int], tuple[Pool, dict[int, Candidate]]] = {}

    def row(self, session: Session, spec: OrderSpec) -> dict[str, object]:
        rule = self.rules.first_match(OrderFacts(spec.kind, spec.tier, spec.category, frozenset()))
        with self._lock:
            handler, pool_unit, why = self._dispatch(session, rule, spec)
            sla = self._sla(spec)
        return {
            "kind": spec.kind,
            "category": spec.category,
            "status": Status.DISPATCHED.value,
            "title": spec.title,
            "description": spec.description,
            "channel": "nightly",
            "customer_id": spec.customer_id,
            "tier": spec.tier,
            "county_id": spec.county_id,
            "city_id": spec.city_id,
            "pool_kind": rule.pool.value,
            "pool_unit_id": pool_unit,
            "handler_id": handler,
            "dispatch_reason": why,
            "dispatch_rules_version": self.rules.version,
            "opened_at": self.now,
            "callback_script": spec.callback_script,
            "reasons": spec.reasons,
            "source_key": spec.source_key,
            "escalation_level": "none",
            "sla_breached": False,
            "callback_verified": False,
            "unanswered_callbacks": 0,
            "version": 1,
            **sla,
        }

    def _sla(self, spec: OrderSpec) -> dict[str, object]:
        key = (spec.kind, spec.tier, spec.category)
        if key not in self.sla:
            rule = match_policy(
                self.policies, kind=spec.kind, tier=spec.tier, category=spec.category
            )
            p = rule.policy
            state = sla_state(self.now, self.now, p, self.calendar)
            self.sla[key] = {
                "sla_policy": {
                    "first_response_s": p.first_response.total_seconds(),
                    "resolution_s": p.resolution.total_seconds(),
                    "mode": p.mode.value,
                    "warn_share": p.warn_share,
                    "matched": {"kind": rule.kind, "tier": rule.tier, "category": rule.category},
                },
                "response_due": state.response_due,
                "resolution_due": state.resolution_due,
                "warn_at": state.warn_at,
            }
        return self.sla[key]

    def _dispatch(
        self, session: Session, rule: DispatchRule, spec: OrderSpec
    ) -> tuple[int | None, int | None, str]:
        if rule.pool is PoolKind.ACCOUNT_MANAGER and spec.account_manager_id is not None:
            return spec.account_manager_id, None, f"rule '{rule.name}': the customer's manager"
        key = (rule.name, spec.county_id)
        if key not in self.pools:
            pool = resolve_pool(session, rule, customer=None, county_id=spec.county_id)
            self.pools[key] = (pool, {c.staff_id: c for c in pool.candidates})
        pool, loads = self.pools[key]
        skilled = [c for c in loads.values() if rule.skills <= c.skills]
        if not skilled:
            return None, pool.unit_id, f"rule '{rule.name}': nobody in {pool.note}; queued"
        best = min(
            skilled, key=lambda c: (c.open_load / max(c.capacity, 1), c.open_load, c.staff_id)
        )
        loads[best.staff_id] = Candidate(
            best.staff_id, best.skills, best.open_load + 1, best.capacity
        )
        return (
            best.staff_id,
            pool.unit_id,
            (
                f"rule '{rule.name}' → {rule.pool}: least open load ({best.open_load}) in "
                f"{pool.note}"
            ),
        )
