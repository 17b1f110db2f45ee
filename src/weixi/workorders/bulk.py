"""The nightly path: create many dispatched orders at once, idempotently.

Orders opened in one batch share the opening instant, so each distinct SLA policy
gives one set of deadlines, and each distinct (kind, tier, category) one dispatch rule;
both are worked out once per batch and spread over the rows as columns. An order for
the customer's own account manager needs nothing more; the others draw from their
(rule, county) pool, resolved once and spread by least open load in memory.
``source_key`` is unique, so a rerun of the same night inserts nothing twice.

The rows go to the database as Arrow columns (COPY on PostgreSQL), not as one Python
object per value: a first night at ten million customers opens close to a million.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from weixi.db.bulk import copy_arrow, json_rows, one_of
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


#: The columns of an order frame for :func:`create_orders`, one row per order to open;
#: ``reasons`` is JSON text (or missing), the rest as in :class:`OrderSpec`.
ORDER_COLUMNS = (
    "source_key",
    "kind",
    "title",
    "customer_id",
    "county_id",
    "city_id",
    "tier",
    "category",
    "account_manager_id",
    "callback_script",
    "reasons",
    "description",
)


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
    chunk: int = 50_000,
    planner: BulkPlanner | None = None,
) -> BulkResult:
    """:func:`create_orders` for a list of specs."""
    frame = pd.DataFrame(
        {
            c: [_json(s.reasons) if c == "reasons" else getattr(s, c) for s in specs]
            for c in ORDER_COLUMNS
        }
    )
    return create_orders(session, frame, rules=rules, now=now, chunk=chunk, planner=planner)


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def create_orders(
    session: Session,
    orders: pd.DataFrame,
    *,
    rules: RuleSet,
    now: datetime,
    chunk: int = 50_000,
    planner: BulkPlanner | None = None,
) -> BulkResult:
    """Insert dispatched orders (a frame of :data:`ORDER_COLUMNS`) and their history.

    Source keys already present are skipped. Pass one ``planner`` to several calls (a
    night's chunks, each in its own transaction) and each pool is read once for all of
    them, its load then kept in memory as orders are handed out.
    """
    result = BulkResult()
    planner = planner or BulkPlanner(session, rules, now)
    for start in range(0, len(orders), chunk):
        part = orders.iloc[start : start + chunk]
        seen = _existing_keys(session, part["source_key"].tolist())
        fresh = part[~part["source_key"].isin(seen).to_numpy()] if seen else part
        result.existing += len(part) - len(fresh)
        if not len(fresh):
            continue
        table = planner.table(session, fresh)
        conn = session.connection()
        ids = _insert_orders(conn, table)
        _insert(conn, WorkOrderHistory, _history(ids, table, now))
        if conn.dialect.name == "postgresql" and not planner.analyzed:
            # A row count for PostgreSQL's planner, once per batch of calls: an ANALYZE per
            # chunk cost a first night more than the COPY of its orders; autovacuum's
            # analyses follow the table's growth from here.
            conn.exec_driver_sql("ANALYZE work_orders")
            planner.analyzed = True
        result.created += len(ids)
        for county, n in fresh["county_id"].value_counts().items():
            result.per_county[int(county)] = result.per_county.get(int(county), 0) + int(n)
    return result


def _existing_keys(session: Session, keys: list[str]) -> set[str]:
    dialect = session.get_bind().dialect.name
    stmt = select(WorkOrder.source_key).where(one_of(WorkOrder.source_key, keys, dialect))
    return {k for k in session.scalars(stmt) if k is not None}


def _insert_orders(conn: Connection, table: pa.Table) -> np.ndarray:
    """Insert the orders; their ids, in the table's order.

    PostgreSQL: ids drawn from the table's sequence first, then one COPY. Elsewhere
    an executemany, and the ids looked up by source key afterwards.
    """
    n = table.num_rows
    if conn.dialect.name == "postgresql":
        drawn = conn.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('work_orders', 'id')) "
            f"FROM generate_series(1, {n:d})"
        )
        ids = np.fromiter((i for (i,) in drawn), dtype=np.int64, count=n)
        copy_arrow(conn, WorkOrder.__tablename__, table.add_column(0, "id", pa.array(ids)))
        return ids
    _insert(conn, WorkOrder, table)
    keys = table.column("source_key").to_pylist()
    found = dict(
        conn.execute(
            select(WorkOrder.source_key, WorkOrder.id).where(
                one_of(WorkOrder.source_key, keys, conn.dialect.name)
            )
        ).all()
    )
    return np.array([found[k] for k in keys], dtype=np.int64)


#: Columns held as JSON text in the Arrow tables written here.
JSON_COLUMNS = frozenset({"reasons", "sla_policy"})


def _insert(conn: Connection, model: Any, table: pa.Table) -> None:
    """COPY on PostgreSQL (JSON text parsed by the server), an executemany elsewhere."""
    if conn.dialect.name == "postgresql":
        copy_arrow(conn, model.__tablename__, table)
        return
    conn.execute(insert(model), json_rows(table, JSON_COLUMNS))


def _history(ids: np.ndarray, table: pa.Table, now: datetime) -> pa.Table:
    """Two history rows per order, created then dispatched, as the API would write."""
    n = len(ids)
    reasons = np.empty(2 * n, dtype=object)
    reasons[0::2] = table.column("title").to_numpy(zero_copy_only=False)
    reasons[1::2] = table.column("dispatch_reason").to_numpy(zero_copy_only=False)
    return pa.table(
        {
            "order_id": pa.array(np.repeat(ids, 2)),
            "event": pa.array(["created", "dispatched"] * n, pa.string()),
            "from_status": pa.array([None, Status.NEW.value] * n, pa.string()),
            "to_status": pa.array([Status.NEW.value, Status.DISPATCHED.value] * n, pa.string()),
            "at": pa.array([now] * (2 * n), _TIMESTAMP),
            "reason": pa.array(reasons, pa.string()),
        }
    )


_TIMESTAMP = pa.timestamp("us", tz="UTC")

#: Per batch: one value for every order.
_CONSTANT: dict[str, tuple[object, pa.DataType]] = {
    "status": (Status.DISPATCHED.value, pa.string()),
    "channel": ("nightly", pa.string()),
    "escalation_level": ("none", pa.string()),
    "sla_breached": (False, pa.bool_()),
    "callback_verified": (False, pa.bool_()),
    "unanswered_callbacks": (0, pa.int32()),
    "version": (1, pa.int32()),
}

#: Per (kind, tier, category): the dispatch rule's pool kind and the SLA.
_PER_POLICY: dict[str, pa.DataType] = {
    "pool_kind": pa.string(),
    "sla_policy": pa.string(),
    "response_due": _TIMESTAMP,
    "resolution_due": _TIMESTAMP,
    "warn_at": _TIMESTAMP,
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
        self.analyzed = False  # whether work_orders has been analysed in this batch

    def table(self, session: Session, orders: pd.DataFrame) -> pa.Table:
        """The full rows of ``orders`` (a frame of :data:`ORDER_COLUMNS`): dispatched,
        with their SLA deadlines, as Arrow columns."""
        n = len(orders)
        codes, facts = _facts(orders)
        rules = [self.rules.first_match(OrderFacts(*f, frozenset())) for f in facts]
        manager = orders["account_manager_id"].astype("Int64")
        own = np.array([r.pool is PoolKind.ACCOUNT_MANAGER for r in rules], dtype=bool)[codes]
        own &= manager.notna().to_numpy()
        # Plain arrays and masks, set element by element for the pool orders below (a
        # pandas scalar assignment costs tens of microseconds; these cost nanoseconds).
        handler = manager.to_numpy(dtype=np.int64, na_value=0)
        has_handler = own.copy()
        pool_unit = np.zeros(n, dtype=np.int64)
        has_pool_unit = np.zeros(n, dtype=bool)
        why = np.array([f"rule '{r.name}': the customer's manager" for r in rules], object)[codes]
        counties = orders["county_id"].to_numpy()
        with self._lock:
            for i in np.flatnonzero(~own):
                h, unit, why[i] = self._dispatch(session, rules[codes[i]], int(counties[i]))
                if h is not None:
                    handler[i], has_handler[i] = h, True
                if unit is not None:
                    pool_unit[i], has_pool_unit[i] = unit, True
            per_policy = [
                self._sla(*f) | {"pool_kind": r.pool.value}
                for f, r in zip(facts, rules, strict=True)
            ]
        columns: dict[str, pa.Array] = {
            "source_key": _text(orders["source_key"]),
            "kind": _text(orders["kind"]),
            "category": _text(orders["category"]),
            "title": _text(orders["title"]),
            "description": _text(orders["description"].fillna("")),
            "customer_id": pa.array(orders["customer_id"].astype("Int64"), pa.int64()),
            "tier": _text(orders["tier"]),
            "county_id": pa.array(orders["county_id"].astype("int64")),
            "city_id": pa.array(orders["city_id"].astype("int64")),
            "pool_unit_id": pa.array(pool_unit, pa.int64(), mask=~has_pool_unit),
            "handler_id": pa.array(handler, pa.int64(), mask=~has_handler),
            "dispatch_reason": pa.array(why, pa.string()),
            "dispatch_rules_version": pa.array(np.full(n, self.rules.version, np.int32)),
            "opened_at": pa.array([self.now] * n, _TIMESTAMP),
            "callback_script": _text(orders["callback_script"]),
            "reasons": _text(orders["reasons"]),
        }
        for name, kind in _PER_POLICY.items():
            columns[name] = pa.array([p[name] for p in per_policy], kind).take(codes)
        for name, (value, kind) in _CONSTANT.items():
            columns[name] = pa.array([value] * n, kind)
        return pa.table(columns)

    def _sla(self, kind: str, tier: str | None, category: str | None) -> dict[str, object]:
        key = (kind, tier, category)
        if key not in self.sla:
            rule = match_policy(self.policies, kind=kind, tier=tier, category=category)
            p = rule.policy
            state = sla_state(self.now, self.now, p, self.calendar)
            policy = {
                "first_response_s": p.first_response.total_seconds(),
                "resolution_s": p.resolution.total_seconds(),
                "mode": p.mode.value,
                "warn_share": p.warn_share,
                "matched": {"kind": rule.kind, "tier": rule.tier, "category": rule.category},
            }
            self.sla[key] = {
                "sla_policy": json.dumps(policy, ensure_ascii=False),
                "response_due": state.response_due,
                "resolution_due": state.resolution_due,
                "warn_at": state.warn_at,
            }
        return self.sla[key]

    def _dispatch(
        self, session: Session, rule: DispatchRule, county_id: int
    ) -> tuple[int | None, int | None, str]:
        """The pool member with the least open load relative to capacity."""
        key = (rule.name, county_id)
        if key not in self.pools:
            pool = resolve_pool(session, rule, customer=None, county_id=county_id)
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


_NONE = "\x00"  # stands for a missing tier or category inside a combined key


def _facts(
    orders: pd.DataFrame,
) -> tuple[np.ndarray, list[tuple[str, str | None, str | None]]]:
    """Each row's index into the distinct (kind, tier, category) of the frame."""
    parts = [orders[c].astype("string").fillna(_NONE) for c in ("kind", "tier", "category")]
    codes, uniques = pd.factorize(parts[0] + "\x1f" + parts[1] + "\x1f" + parts[2])
    facts = []
    for key in uniques:
        kind, tier, category = (None if v == _NONE else v for v in str(key).split("\x1f"))
        assert kind is not None
        facts.append((kind, tier, category))
    return np.asarray(codes), facts


def _text(values: pd.Series) -> pa.Array:
    return pa.array(values.astype("string"), pa.string(), from_pandas=True)
