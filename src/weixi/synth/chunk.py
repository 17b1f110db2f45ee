"""One chunk of customers turned into rows of every customer-level table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from weixi.ingest.schema import ChurnDriver, ProductKind
from weixi.synth.activity import CHANNELS, STREAMS, TEXTS, ChunkActivity, simulate
from weixi.synth.customers import Customers, customer_columns, draw_customers
from weixi.synth.strings import fixed_ids, pick
from weixi.synth.world import World, to_date32, to_timestamp

Columns = dict[str, pa.Array]

_KINDS = pa.array([s[0].value for s in STREAMS])
_CATEGORIES = pa.array([s[1] for s in STREAMS], pa.string())
_CHANNELS = pa.array([ch.value for ch in CHANNELS])
_TEXTS = pa.array(TEXTS)
_ORDER_KINDS = pa.array(["install", "move", "repair"])
_DRIVERS = pa.array([d.value for d in ChurnDriver])


def generate_chunk(world: World, chunk: int) -> dict[str, Columns]:
    """Rows of customers ``chunk × chunk_size`` onwards, for every customer-level table."""
    size = world.config.chunk_size
    first = chunk * size
    n = min(size, world.config.customers - first)
    rng = np.random.default_rng([world.config.seed, 2, chunk])
    c = draw_customers(world, rng, first, n)
    act = simulate(world, rng, c)
    return {
        "customers": customer_columns(world, rng, c, act.churn_day),
        "products": _products(world, c, act),
        "usage_monthly": _usage(c, act),
        "contacts": _contacts(world, c, act),
        "customer_cells": _customer_cells(world, c, act),
        "fixed_orders": _orders(world, c, act),
        "churn_truth": _truth(c, act),
    }


def month_of(day: np.ndarray) -> np.ndarray:
    """First day of the month of each day (all as days since the epoch)."""
    months = day.astype("datetime64[D]").astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64)


def _cid(c: Customers, rows: np.ndarray) -> pa.Array:
    """Customer ids of chunk rows (formatted once per chunk, then looked up)."""
    if c.ids is None:
        c.ids = fixed_ids("C", c.g, 9)
    return c.ids.take(pa.array(rows, pa.int64()))


def _products(world: World, c: Customers, act: ChunkActivity) -> Columns:
    plans = world.plans
    churned = act.churn_day >= 0
    changed = act.change_day >= 0
    fx = int(np.flatnonzero(plans.kind == ProductKind.FIXED_LINE.value)[0])
    n = len(c)
    slots = [
        # (owner mask, slot, plan, started, ended, ended valid)
        (np.ones(n, bool), 0, c.plan, c.mobile_started,
         np.where(changed, act.change_day - 1, act.churn_day), changed | churned),
        (c.has_fixed, 1, np.full(n, fx), c.fixed_started, act.churn_day, churned),
        (c.has_bb, 2, c.bb_plan, c.bb_started, act.churn_day, churned),
        (changed, 3, act.new_plan, act.change_day, act.churn_day, churned),
    ]  # fmt: skip
    parts: dict[str, list[np.ndarray]] = {}
    for owner, slot, plan, started, ended, valid in slots:
        keep = owner & ~(valid & (started > ended))
        rows = np.flatnonzero(keep)
        for key, values in (("row", rows), ("slot", np.full(rows.size, slot)),
                            ("plan", plan[rows]), ("started", started[rows]),
                            ("ended", ended[rows]), ("valid", valid[rows])):  # fmt: skip
            parts.setdefault(key, []).append(values)
    p = {k: np.concatenate(v) for k, v in parts.items()}
    order = np.argsort(c.g[p["row"]] * 4 + p["slot"], kind="stable")
    p = {k: v[order] for k, v in p.items()}
    rows, plan = p["row"], p["plan"]
    bundled = c.bundled[rows] & np.isin(p["slot"], (0, 2, 3))
    return {
        "product_id": fixed_ids("P", c.g[rows] * 4 + p["slot"], 10),
        "customer_id": _cid(c, rows),
        "kind": pick(pa.array(plans.kind.tolist()), plan),
        "plan_code": pick(plans.codes, plan),
        "plan_name": pick(plans.names, plan),
        "monthly_fee": pa.array(plans.fee[plan]),
        "started_on": to_date32(p["started"]),
        "ended_on": to_date32(p["ended"], p["valid"]),
        "bundle_id": fixed_ids("B", c.g[rows], 9).take(
            pa.array(np.arange(rows.size), mask=~bundled)
        ),
    }


def _usage(c: Customers, act: ChunkActivity) -> Columns:
    u = act.usage
    cust = u.column("cust", np.int64)
    order = np.argsort(cust, kind="stable")
    cust = cust[order]

    def col(name: str) -> np.ndarray:
        return u.column(name)[order]

    return {
        "customer_id": _cid(c, cust),
        "month": to_date32(col("month")),
        "voice_minutes": pa.array(col("voice_minutes"), pa.float64()),
        "sms": pa.array(col("sms"), pa.int64()),
        "data_mb": pa.array(col("data_mb"), pa.float64()),
        "roaming_minutes": pa.array(col("roaming_minutes"), pa.float64()),
        "dropped_calls": pa.array(col("dropped_calls"), pa.int64()),
        "bill_amount": pa.array(col("bill_amount"), pa.float64()),
        "arrears": pa.array(col("arrears"), pa.float64()),
        "topup_amount": pa.array(col("topup_amount"), pa.float64()),
        "plan_changed": pa.array(col("plan_changed").astype(bool)),
    }


def _contacts(world: World, c: Customers, act: ChunkActivity) -> Columns:
    k = act.contacts
    cust, at = k.column("cust", np.int64), k.column("at", np.int64)
    order = np.lexsort((at, cust))
    cust, at = cust[order], at[order]
    group_start = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
    seq = np.arange(cust.size) - np.repeat(group_start, np.diff(np.r_[group_start, cust.size]))

    def col(name: str) -> np.ndarray:
        return k.column(name, np.int64)[order]

    stream, staff_kind = col("stream").astype(np.int64), col("staff_kind").astype(np.int64)
    staff = pa.concat_arrays([world.hall_ids, world.hotline_ordinary, world.hotline_expert])
    offset = np.array([0, len(world.hall_ids), len(world.hall_ids) + len(world.hotline_ordinary)])
    staff_index = offset[np.maximum(staff_kind, 0)] + col("staff_index").astype(np.int64)
    satisfaction = col("satisfaction").astype(np.int64)
    return {
        "contact_id": fixed_ids("K", c.g[cust] * 10_000 + seq, 13),
        "customer_id": _cid(c, cust),
        "at": to_timestamp(at),
        "channel": pick(_CHANNELS, col("channel")),
        "kind": pick(_KINDS, stream),
        "category": pick(_CATEGORIES, stream),
        "description_zh": pick(_TEXTS, col("text")),
        "resolved": pa.array(col("resolved").astype(bool)),
        "staff_id": staff.take(pa.array(staff_index, mask=staff_kind < 0)),
        "satisfaction": pa.array(satisfaction, pa.int64(), mask=satisfaction == 0),
    }


def _customer_cells(world: World, c: Customers, act: ChunkActivity) -> Columns:
    k = act.cells
    cust = k.column("cust", np.int64)
    order = np.argsort(cust, kind="stable")
    return {
        "customer_id": _cid(c, cust[order]),
        "month": to_date32(k.column("month", np.int64)[order]),
        "cell_id": world.cells.ids.take(pa.array(k.column("cell", np.int64)[order])),
        "traffic_share": pa.array(k.column("share")[order], pa.float64()),
    }


def _orders(world: World, c: Customers, act: ChunkActivity) -> Columns:
    o = act.orders
    cust, opened = o.column("cust", np.int64), o.column("opened", np.int64)
    order = np.lexsort((opened, cust))
    cust, opened = cust[order], opened[order]
    group_start = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]]) if cust.size else cust
    seq = np.arange(cust.size) - np.repeat(group_start, np.diff(np.r_[group_start, cust.size]))
    completed = o.column("completed", bool)[order].astype(bool)
    counties = pa.array([cty.code for cty in world.org.counties], pa.string())
    return {
        "order_id": fixed_ids("F", c.g[cust] * 1_000 + seq, 12),
        "customer_id": _cid(c, cust),
        "kind": pick(_ORDER_KINDS, o.column("kind", np.int64)[order]),
        "opened_at": to_timestamp(opened),
        "promised_at": to_timestamp(o.column("promised", np.int64)[order]),
        "completed_at": to_timestamp(o.column("done", np.int64)[order], completed),
        "county_id": pick(counties, c.county[cust]),
    }


def _truth(c: Customers, act: ChunkActivity) -> Columns:
    rows = np.flatnonzero(act.churn_day >= 0)
    return {
        "customer_id": _cid(c, rows),
        "churn_month": to_date32(month_of(act.churn_day[rows])),
        "driver": pick(_DRIVERS, act.driver[rows]),
    }
