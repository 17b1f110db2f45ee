"""What the nightly cycle reads from and writes to the operational database, in bulk."""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import JSON, Connection, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from weixi.customers.models import Customer, CustomerEvent, CustomerStanding
from weixi.db.bulk import copy_arrow, json_rows
from weixi.org.models import OrgUnit, Staff
from weixi.org.roles import Role, UnitKind
from weixi.workorders.bulk import ORDER_COLUMNS, BulkPlanner, create_orders
from weixi.workorders.dispatch import RuleSet
from weixi.workorders.kinds import OPEN_STATUSES, WorkOrderKind
from weixi.workorders.models import WorkOrder
from weixi.workorders.service import load_rules

CUSTOMER_COLUMNS = (
    "id",
    "household_id",
    "code",
    "county_id",
    "city_id",
    "account_manager_id",
    "tier",
    "lifecycle_stage",
    "churn_score",
    "scored_on",
    "control_group",
    "standing",
)

#: Columns of :data:`CUSTOMER_COLUMNS` that live in ``customer_standing`` (``standing``:
#: whether the customer has a standing row yet).
STANDING_COLUMNS = frozenset(
    {"tier", "lifecycle_stage", "churn_score", "scored_on", "control_group", "standing"}
)


def customer_frame(
    session: Session,
    columns: tuple[str, ...] = CUSTOMER_COLUMNS,
    *,
    ids: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Every customer's id, place and current nightly fields, indexed by code.

    ``columns`` (a subset of :data:`CUSTOMER_COLUMNS`; ``code`` is always read) keeps
    the frame to what a step uses: at ten million customers each string column is
    hundreds of megabytes. The standing is joined only when one of its columns is asked
    for; a customer without one reads as no tier, stage or score, not in the control group.
    ``ids`` (from, to) keeps the customers with ``from <= id < to`` (see `id_ranges`).
    """
    wanted = tuple(c for c in CUSTOMER_COLUMNS if c in columns or c == "code")
    conn = session.connection()
    stmt = select(*(_customer_column(c) for c in wanted))
    if ids is not None:
        stmt = stmt.where(Customer.id >= ids[0], Customer.id < ids[1])
    if STANDING_COLUMNS.intersection(wanted):
        stmt = stmt.outerjoin(CustomerStanding, CustomerStanding.customer_id == Customer.id)
    if conn.dialect.name == "postgresql":
        query = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        frame = _copy_out(conn, query, wanted, _CUSTOMER_TYPES).to_pandas(date_as_object=False)
    else:
        parts = [
            pd.DataFrame(rows, columns=list(wanted))
            for rows in session.execute(stmt).partitions(200_000)
        ]
        frame = pd.concat(parts) if parts else pd.DataFrame(columns=list(wanted))
        for flag in ("control_group", "standing"):
            if flag in frame:
                frame[flag] = frame[flag].astype(bool)
    frame = frame.rename(columns=DB_NAMES)
    if "db_manager" in frame:
        frame["db_manager"] = frame["db_manager"].astype("Int64")
    if "db_scored_on" in frame:
        frame["db_scored_on"] = pd.to_datetime(frame["db_scored_on"])
    return frame.set_index("code")


def id_ranges(session: Session, n: int) -> list[tuple[int, int]]:
    """``n`` ranges of customer ids, (from, to) with ``to`` excluded, that cover every
    customer: equal spans of ids, so about equal numbers of customers (ids are a sequence)."""
    low, high = session.execute(select(func.min(Customer.id), func.max(Customer.id))).one()
    if low is None:
        return [(0, 0)]
    cuts = np.linspace(int(low), int(high) + 1, n + 1).round().astype(np.int64)
    return [(int(a), int(b)) for a, b in itertools.pairwise(cuts)]


def _customer_column(name: str) -> Any:
    """The expression behind one of :data:`CUSTOMER_COLUMNS`."""
    if name == "standing":
        return CustomerStanding.customer_id.is_not(None)
    if name == "control_group":
        return func.coalesce(CustomerStanding.control_group, False)
    if name in STANDING_COLUMNS:
        return getattr(CustomerStanding, name)
    return getattr(Customer, name)


_CUSTOMER_TYPES = {
    "id": pa.int64(),
    "household_id": pa.string(),
    "code": pa.string(),
    "county_id": pa.int64(),
    "city_id": pa.int64(),
    "account_manager_id": pa.int64(),
    "tier": pa.string(),
    "lifecycle_stage": pa.string(),
    "churn_score": pa.float64(),
    "scored_on": pa.date32(),
    "control_group": pa.bool_(),
    "standing": pa.bool_(),
}


def _copy_out(
    conn: Connection, query: str, columns: tuple[str, ...], types: dict[str, pa.DataType]
) -> pa.Table:
    """``COPY (SELECT …) TO STDOUT`` parsed by Arrow: no Python object per value.

    Ten million customers come out in seconds this way, against minutes through rows.
    """
    driver = conn.connection.driver_connection
    assert driver is not None
    statement = f"COPY ({query}) TO STDOUT (FORMAT csv)"
    # The CSV goes through a temporary file, not memory: at ten million rows the text
    # alone is a gigabyte, on top of the table Arrow makes of it.
    with tempfile.TemporaryFile() as sink:
        with driver.cursor() as cur, cur.copy(statement) as copy:
            for block in copy:
                sink.write(block)
        sink.seek(0)
        return pacsv.read_csv(
            sink,
            read_options=pacsv.ReadOptions(column_names=list(columns)),
            convert_options=pacsv.ConvertOptions(
                column_types={c: types[c] for c in columns},
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,
                true_values=["t"],
                false_values=["f"],
            ),
        )


#: Stored values get a ``db_`` name so they never clash with tonight's results.
DB_NAMES = {
    "tier": "db_tier",
    "lifecycle_stage": "db_stage",
    "churn_score": "db_score",
    "control_group": "db_control",
    "account_manager_id": "db_manager",
    "scored_on": "db_scored_on",
    "standing": "db_standing",
}


def manager_frame(session: Session) -> pd.DataFrame:
    stmt = select(Staff.id, Staff.county_id, Staff.skills, Staff.capacity, Staff.active).where(
        Staff.role == Role.ACCOUNT_MANAGER, Staff.county_id.is_not(None)
    )
    return pd.DataFrame(
        session.execute(stmt).all(), columns=["id", "county_id", "skills", "capacity", "active"]
    )


def county_ids(session: Session) -> dict[str, int]:
    """County code → id."""
    stmt = select(OrgUnit.code, OrgUnit.id).where(OrgUnit.kind == UnitKind.COUNTY)
    return {code: uid for code, uid in session.execute(stmt).all()}


def customers_with_open_warnings(session: Session, *, tonight: str) -> set[int]:
    """Customers with a warning order still open from an earlier night.

    Tonight's own orders (source key prefix ``tonight``) don't count, so a rerun of
    the same night chooses the same customers again and finds their orders in place.
    """
    stmt = (
        select(WorkOrder.customer_id)
        .where(
            WorkOrder.kind == WorkOrderKind.WARNING,
            WorkOrder.status.in_([s.value for s in OPEN_STATUSES]),
            or_(WorkOrder.source_key.is_(None), ~WorkOrder.source_key.startswith(tonight)),
        )
        .distinct()
    )
    return {cid for cid in session.scalars(stmt) if cid is not None}


@dataclass
class DispatchCounts:
    customers_updated: int = 0
    events: int = 0
    orders: dict[str, int] = field(default_factory=dict)
    orders_existing: int = 0
    orders_per_county: dict[int, int] = field(default_factory=dict)

    def add(self, other: DispatchCounts) -> None:
        self.customers_updated += other.customers_updated
        self.events += other.events
        self.orders_existing += other.orders_existing
        for kind, n in other.orders.items():
            self.orders[kind] = self.orders.get(kind, 0) + n
        for county, n in other.orders_per_county.items():
            self.orders_per_county[county] = self.orders_per_county.get(county, 0) + n


#: Tonight's values written to ``customer_standing`` (``new_…`` columns of a chunk).
STANDING_FIELDS = (
    "tier",
    "tier_rule",
    "lifecycle_stage",
    "churn_score",
    "scored_on",
    "control_group",
)


def apply_chunk(
    session: Session,
    chunk: pd.DataFrame,
    *,
    as_of: dt.date,
    now: datetime,
    counts: DispatchCounts,
    rules: RuleSet | None = None,
    planner: BulkPlanner | None = None,
) -> None:
    """Write one chunk of customers' nightly results: standings, managers, events, orders.

    A customer's standing is written once, whatever moved in it (``_write_standing``):
    tonight's fields, the stage date if a stage was entered, the reasons if a warning was
    chosen. The customer row itself is written only where the account manager moved.
    """
    standing = chunk[chunk["_write_standing"].to_numpy(dtype=bool)]
    if len(standing):
        _write_standings(session, standing, as_of)
    moved = chunk[differs(chunk["db_manager"], chunk["new_account_manager_id"]).to_numpy()]
    if len(moved):
        managers = pa.table(
            {
                "b_id": pa.array(moved["id"].astype("int64").to_numpy()),
                "account_manager_id": _arrow(moved["new_account_manager_id"], pa.int64()),
            }
        )
        _update_columns(session, Customer.__table__, "id", managers)
    counts.customers_updated += len(chunk)
    events = _events(chunk, as_of, now)
    if events.num_rows:
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            copy_arrow(conn, CustomerEvent.__tablename__, events)
        else:
            conn.execute(insert(CustomerEvent), events.to_pylist())
        counts.events += events.num_rows
    orders = _orders(chunk, as_of)
    if len(orders):
        result = create_orders(
            session, orders, rules=rules or load_rules(session), now=now, planner=planner
        )
        counts.orders_existing += result.existing
        for kind, n in orders["kind"].value_counts().items():
            counts.orders[str(kind)] = counts.orders.get(str(kind), 0) + int(n)
        for county, n in result.per_county.items():
            counts.orders_per_county[county] = counts.orders_per_county.get(county, 0) + n


#: Standing fields held as JSON text in the chunk's Arrow tables.
JSON_FIELDS = ("churn_reasons",)

#: Written only where the chunk has a value; a missing one keeps what is stored.
KEEP_UNLESS_GIVEN = ("stage_since", "churn_reasons")


def _write_standings(session: Session, standing: pd.DataFrame, as_of: dt.date) -> None:
    """Insert the standings of customers placed for the first time, update the others.

    ``db_standing`` says who has a standing row already, as read at the start of
    dispatch; each customer is in one chunk a night, so nothing else of this run has
    written it since. New rows carry the first placement (``placed_*``), which is never
    written again, and go in by COPY on PostgreSQL.
    """
    table = _standing_table(standing, as_of)
    old = standing["db_standing"].to_numpy(dtype=bool)
    new_rows = table.filter(pa.array(~old))
    if new_rows.num_rows:
        rows = _with_placement(new_rows, standing[~old], as_of).rename_columns(
            ["customer_id" if c == "b_id" else c for c in new_rows.column_names]
            + list(PLACEMENT_FIELDS)
        )
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            copy_arrow(conn, CustomerStanding.__tablename__, rows)
        else:
            reasons = bindparam("churn_reasons", type_=JSON(none_as_null=True))
            conn.execute(
                insert(CustomerStanding).values(churn_reasons=reasons), json_rows(rows, JSON_FIELDS)
            )
    if old.any():
        _update_columns(
            session, CustomerStanding.__table__, "customer_id", table.filter(pa.array(old))
        )


#: Where a new standing row keeps the first placement (migration 0009).
PLACEMENT_FIELDS = (
    "placed_on",
    "placed_tier",
    "placed_tier_rule",
    "placed_stage",
    "placed_stage_rule",
)

#: Longest rule text kept beside a placement or an event (the columns' width).
RULE_CHARS = 120


def _with_placement(table: pa.Table, rows: pd.DataFrame, as_of: dt.date) -> pa.Table:
    """The standing table of first-placed customers, with their placement appended.

    The tier and its rule are tonight's standing columns themselves (shared, not copied).
    """
    n = table.num_rows
    stage_rule = _rule_text(_arrow(rows["new_stage_rule"], pa.string()))
    for name, column in zip(
        PLACEMENT_FIELDS,
        (
            pa.array([as_of] * n, pa.date32()),
            table.column("tier"),
            table.column("tier_rule"),
            table.column("lifecycle_stage"),
            stage_rule,
        ),
        strict=True,
    ):
        table = table.append_column(name, column)
    return table


def _rule_text(values: pa.Array) -> pa.Array:
    """A rule as stored: at most :data:`RULE_CHARS` characters, empty as none."""
    cut = pc.utf8_slice_codeunits(values, 0, RULE_CHARS)
    return pc.if_else(pc.equal(cut, ""), pa.scalar(None, pa.string()), cut)


def _update_columns(session: Session, target: Any, key: str, table: pa.Table) -> None:
    """Set the table's columns (all but ``b_id``) on the rows of ``target`` it names.

    ``b_id`` holds values of the target's ``key`` column. PostgreSQL: COPY into a
    temporary table, then one ``UPDATE … FROM``; elsewhere an executemany. Columns of
    :data:`KEEP_UNLESS_GIVEN` keep the stored value where the table has none.
    """
    fields = tuple(c for c in table.column_names if c != "b_id")
    conn = session.connection()
    name = target.name
    if conn.dialect.name != "postgresql":
        columns = target.columns
        values: dict[str, Any] = {}
        for f in fields:
            kind = columns[f].type
            if isinstance(kind, JSON):  # a missing value binds as SQL NULL, not JSON null
                kind = JSON(none_as_null=True)
            given = bindparam(f"v_{f}", type_=kind)
            values[f] = func.coalesce(given, columns[f]) if f in KEEP_UNLESS_GIVEN else given
        stmt = update(target).where(columns[key] == bindparam("b_id")).values(values)
        conn.execute(
            stmt,
            [
                {k if k == "b_id" else f"v_{k}": v for k, v in r.items()}
                for r in json_rows(table, JSON_FIELDS)
            ],
        )
        return
    conn.exec_driver_sql("DROP TABLE IF EXISTS nightly_updates")
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE nightly_updates ON COMMIT DROP AS "
        f"SELECT {key} AS b_id, {', '.join(fields)} FROM {name} WITH NO DATA"
    )
    copy_arrow(conn, "nightly_updates", table)
    sets = ", ".join(
        f"{f} = coalesce(u.{f}, {name}.{f})" if f in KEEP_UNLESS_GIVEN else f"{f} = u.{f}"
        for f in fields
    )
    conn.exec_driver_sql(
        f"UPDATE {name} SET {sets} FROM nightly_updates u WHERE {name}.{key} = u.b_id"
    )


def _none(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


#: Arrow types of the standing's fields, for writing them column by column.
STANDING_TYPES: dict[str, pa.DataType] = {
    "tier": pa.string(),
    "tier_rule": pa.string(),
    "lifecycle_stage": pa.string(),
    "churn_score": pa.float64(),
    "scored_on": pa.date32(),
    "control_group": pa.bool_(),
}


def _standing_table(chunk: pd.DataFrame, as_of: dt.date) -> pa.Table:
    """Tonight's standing of the chunk's customers as Arrow columns (no Python row objects)."""
    columns = {"b_id": pa.array(chunk["id"].astype("int64").to_numpy())}
    for f in STANDING_FIELDS:
        columns[f] = _arrow(chunk[f"new_{f}"], STANDING_TYPES[f])
    entered = chunk["_entered"].to_numpy(dtype=bool)
    columns["stage_since"] = pa.array([as_of] * len(chunk), pa.date32(), mask=~entered)
    warned = chunk["warn_selected"].to_numpy(dtype=bool)
    reasons = chunk["reasons"].where(warned, None) if "reasons" in chunk else None
    columns["churn_reasons"] = (
        pa.nulls(len(chunk), pa.string()) if reasons is None else _arrow(reasons, pa.string())
    )
    return pa.table(columns)


def _arrow(values: pd.Series, kind: pa.DataType) -> pa.Array:
    if pa.types.is_string(kind):
        values = values.astype("string")
    elif pa.types.is_integer(kind):
        values = values.astype("Int64")
    return pa.array(values, type=kind, from_pandas=True)


def _events(chunk: pd.DataFrame, as_of: dt.date, now: datetime) -> pa.Table:
    """A customer event for every tier, stage and manager that moved, as Arrow columns.

    A customer placed for the first time tonight has no tier or stage event: that
    placement is on the new standing row (:func:`_with_placement`).
    """
    placed_before = chunk["db_standing"].to_numpy(dtype=bool)
    parts = []
    for kind, old, new, rule in (
        ("tier", "db_tier", "new_tier", "new_tier_rule"),
        ("stage", "db_stage", "new_lifecycle_stage", "new_stage_rule"),
        ("manager", "db_manager", "new_account_manager_id", "assign_reason"),
    ):
        moved = differs(chunk[old], chunk[new]).to_numpy()
        if kind != "manager":
            moved = moved & placed_before
        rows = chunk[moved]
        parts.append(
            pa.table(
                {
                    "customer_id": pa.array(rows["id"].astype("int64").to_numpy()),
                    "kind": pa.array([kind] * len(rows), pa.string()),
                    "old_value": _arrow(_as_text(rows[old]), pa.string()),
                    "new_value": _arrow(_as_text(rows[new]), pa.string()),
                    "rule": _rule_text(_arrow(_as_text(rows[rule]), pa.string())),
                }
            )
        )
    table = pa.concat_tables(parts)
    n = table.num_rows
    return table.append_column("as_of", pa.array([as_of] * n, pa.date32())).append_column(
        "at", pa.array([now] * n, pa.timestamp("us", tz="UTC"))
    )


def _as_text(values: pd.Series) -> pd.Series:
    """Stored text of a value: numbers without a trailing ``.0``, missing stays missing."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = pd.to_numeric(values)
        if bool((numbers.dropna() % 1 == 0).all()):
            return numbers.astype("Int64").astype("string")
    return values.astype("string")


def differs(old: pd.Series, new: pd.Series) -> pd.Series:
    """Element-wise "not the same value", where missing equals missing.

    Numbers compare as numbers (a stored ``3`` equals tonight's ``3.0``), anything else as
    text; vectorised, because it runs over every customer several times a night.
    """
    a, b = _comparable(old), _comparable(new)
    if a.dtype != b.dtype:  # a number against text: compare as text, the slow way
        a, b = old.map(_text).astype("string"), new.map(_text).astype("string")
    both_missing = (a.isna() & b.isna()).to_numpy()
    same = (a == b).fillna(False).to_numpy(dtype=bool)
    return pd.Series(~(both_missing | same), index=old.index)


def _comparable(values: pd.Series) -> pd.Series:
    """``Float64`` for numbers and booleans, ``string`` for the rest."""
    # Typed columns convert as they are; only object columns are looked at value by value
    # (at ten million rows, turning a typed column into Python objects costs seconds).
    if isinstance(values.dtype, pd.StringDtype):
        return values.astype("string")
    if pd.api.types.is_bool_dtype(values.dtype) or (
        pd.api.types.is_numeric_dtype(values.dtype) and values.dtype != object
    ):
        return values.astype("Float64")
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in {"integer", "floating", "mixed-integer-float", "boolean", "decimal", "empty"}:
        return pd.to_numeric(values.astype(object).where(values.notna(), None)).astype("Float64")
    return values.astype(object).where(values.notna(), None).astype("string")


def _text(value: Any) -> str:
    value = _none(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value)


def _orders(chunk: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Tonight's orders of the chunk, a frame of :data:`ORDER_COLUMNS`, built column-wise.

    A customer may get up to three: their stage's playbook order (other than warning),
    a retention order if chosen tonight, a hand-over order if their manager moved.
    """
    code = pd.Series(chunk.index.astype(str), index=chunk.index)
    day = f"{as_of}:"
    kind = chunk["order_kind"].astype("string")
    manager = chunk["new_account_manager_id"].astype("Int64")
    missing = pd.Series(pd.NA, index=chunk.index, dtype="string")
    reasons = chunk["reasons"].astype("string") if "reasons" in chunk else missing
    playbook = (kind.notna() & (kind != WorkOrderKind.WARNING.value)).to_numpy(dtype=bool)
    warned = chunk["warn_selected"].to_numpy(dtype=bool)
    handed = chunk["manager_changed"].to_numpy(dtype=bool) & manager.notna().to_numpy()
    parts = [
        _order_part(
            chunk[playbook],
            source_key=day + kind[playbook] + ":" + code[playbook],
            kind=kind[playbook],
            title=kind[playbook].map(lambda k: TITLES.get(k, k)).astype("string"),
            callback_script=chunk["script"][playbook],
        ),
        _order_part(
            chunk[warned],
            source_key=day + "warning:" + code[warned],
            kind="warning",
            title="预警维系 retention",
            callback_script="retention",
            reasons=reasons[warned],
        ),
        _order_part(
            chunk[handed],
            source_key=day + "handover:" + code[handed],
            kind="handover",
            title="新客户经理交接 introduce yourself",
            callback_script="onboarding",
            description=chunk["assign_reason"][handed].astype("string").fillna(""),
        ),
    ]
    return pd.concat(parts, ignore_index=True)


def _order_part(rows: pd.DataFrame, **given: Any) -> pd.DataFrame:
    """Orders of one kind for ``rows``: the customer's place, and ``given`` per order."""
    columns: dict[str, Any] = {
        "customer_id": rows["id"].astype("int64"),
        "county_id": rows["county_id"].astype("int64"),
        "city_id": rows["city_id"].astype("int64"),
        "tier": rows["new_tier"].astype("string"),
        "account_manager_id": rows["new_account_manager_id"].astype("Int64"),
        "category": None,
        "reasons": None,
        "description": "",
    }
    columns.update(given)
    frame = pd.DataFrame(columns, index=rows.index)
    return frame[list(ORDER_COLUMNS)].reset_index(drop=True)


TITLES = {"onboarding_care": "导入期关怀 onboarding care", "callback": "离网回访 exit callback"}


def _title(kind: str) -> str:
    return TITLES.get(kind, kind)
