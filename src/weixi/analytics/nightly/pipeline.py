"""The nightly cycle as named steps (see :mod:`weixi.analytics.nightly.runner`).

ingest → features → tiers → model → scores → stages → assign → warnings → dispatch
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import tomllib
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from sqlalchemy.orm import Session, sessionmaker

from weixi.analytics.assignment.solver import assign_managers
from weixi.analytics.assignment.tables import NO_MANAGER, Customers, Managers
from weixi.analytics.assignment.weights import load_weights
from weixi.analytics.engines.base import Engine
from weixi.analytics.features import assign_stages, assign_tiers, compute_features
from weixi.analytics.nightly import dbio, scoring
from weixi.analytics.nightly.lineup import Part, beside, codes_of, part
from weixi.analytics.nightly.runner import RunContext, Step, die
from weixi.analytics.nightly.selection import WarningPolicy, select_warnings
from weixi.clock import Clock
from weixi.customers.tiers import load_tier_rules
from weixi.errors import ValidationFailed
from weixi.ingest.schema import TABLES
from weixi.ingest.validate import KnownIds, ValidationReport, known_ids_for, validate_file
from weixi.workorders.bulk import BulkPlanner
from weixi.workorders.service import load_rules


@dataclass
class NightlyConfig:
    as_of: dt.date
    data_dir: Path
    var_dir: Path
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    buckets: int = 4
    policy: WarningPolicy = field(default_factory=WarningPolicy)
    chunk: int = 50_000  # customers written per transaction by dispatch
    dispatch_buckets: int = 4  # dispatch holds a quarter of the customers in memory at a time
    dispatch_writers: int = 2  # chunks written at once (PostgreSQL; SQLite writes one)
    ingest_threads: int = 2
    runs_name: str = "runs"
    assignment_config: Path | None = None  # a TOML [assignment] section overriding weights
    managers_only: bool = False  # weixi assign: stop after the assignment, write managers
    crash_at: str = ""  # tests only: "dispatch:chunk" dies after the first committed chunk
    crash: Callable[[], None] = die

    @property
    def run_dir(self) -> Path:
        return self.var_dir / self.runs_name / self.as_of.isoformat()

    @property
    def models_dir(self) -> Path:
        return self.var_dir / "models"


def build_steps(cfg: NightlyConfig) -> list[Step]:
    steps = _all_steps(cfg)
    if cfg.managers_only:
        return [s for s in steps if s.name != "warnings"]
    return steps


def _all_steps(cfg: NightlyConfig) -> list[Step]:
    s = _Steps(cfg)
    return [
        Step(
            "ingest",
            ("export files",),
            ("clean/", "quarantine/"),
            s.ingest,
            "validate every export file; quarantine bad rows with reasons",
        ),
        Step("features", ("clean/",), ("features/",), s.features, "the feature catalogue"),
        Step("tiers", ("features/",), ("tiers/",), s.tiers, "tier rules"),
        Step("model", ("clean/",), ("models/latest",), s.model, "train if no model exists"),
        Step("scores", ("features/", "model"), ("scores/",), s.scores, "churn probabilities"),
        Step(
            "stages",
            ("clean/", "features/", "scores/"),
            ("stages/",),
            s.stages,
            "lifecycle stages and stage entries",
        ),
        Step(
            "assign",
            ("tiers/", "stages/", "database"),
            ("assignments.parquet", "customers_read.parquet"),
            s.assign,
            "account managers by min-cost flow",
        ),
        Step(
            "warnings",
            ("stages/", "scores/", "assignments.parquet", "customers_read.parquet", "database"),
            ("warnings.parquet",),
            s.warnings,
            "who gets a retention order, with reasons",
        ),
        Step(
            "dispatch",
            ("all of the above",),
            ("database",),
            s.dispatch,
            "write tiers, stages, scores, managers and orders",
        ),
    ]


def _return_freed_memory() -> None:
    """Give Arrow jemalloc for the night, which hands freed memory back to the system
    within a second; its default here (mimalloc) keeps it for reuse. A step's frames
    come and go, so at ten million customers that difference is gigabytes of peak
    resident memory (docs/benchmarks.md, "The nightly cycle end to end")."""
    with contextlib.suppress(NotImplementedError):  # Arrow built without it: keep the default
        pa.set_memory_pool(pa.jemalloc_memory_pool())


class _Steps:
    def __init__(self, cfg: NightlyConfig) -> None:
        self.cfg = cfg
        _return_freed_memory()

    def ingest(self, ctx: RunContext) -> dict[str, Any]:
        clean, quarantine = ctx.path("clean"), ctx.path("quarantine")
        clean.mkdir(parents=True, exist_ok=True)
        quarantine.mkdir(parents=True, exist_ok=True)
        files = {
            name: src
            for name, table in TABLES.items()
            if not table.truth and (src := _find(self.cfg.data_dir, name)) is not None
        }
        # Known ids are read once for all the files that reference them (the customer ids
        # alone are referenced by six files), before the threads start.
        cache: dict[str, KnownIds] = {}
        known = {
            name: known_ids_for(TABLES[name], self.cfg.data_dir, cache=cache) for name in files
        }

        def check(name: str) -> tuple[str, ValidationReport]:
            return name, validate_file(
                files[name],
                TABLES[name],
                known=known[name],
                good_out=clean / f"{name}.parquet",
                quarantine_out=quarantine / f"{name}.parquet",
            )

        # Arrow, NumPy and DuckDB do the work with the GIL released, so two threads keep
        # both cores busy; the largest files go first so neither waits for the other.
        largest_first = sorted(files, key=lambda n: files[n].stat().st_size, reverse=True)
        with ThreadPoolExecutor(max_workers=self.cfg.ingest_threads) as pool:
            reports = dict(pool.map(check, largest_first))
        return {
            name: {
                "read": reports[name].rows_read,
                "good": reports[name].rows_good,
                "quarantined": reports[name].rows_quarantined,
            }
            for name in files
        }

    def features(self, ctx: RunContext) -> dict[str, Any]:
        out = compute_features(
            self.cfg.engine,
            ctx.path("clean"),
            self.cfg.as_of,
            ctx.path("features"),
            self.cfg.buckets,
        )
        return {"customers": _rows(out)}

    def tiers(self, ctx: RunContext) -> dict[str, Any]:
        out = assign_tiers(
            self.cfg.engine, ctx.path("features"), ctx.path("tiers"), buckets=self.cfg.buckets
        )
        return {"customers": _rows(out)}

    def model(self, ctx: RunContext) -> dict[str, Any]:
        if scoring.latest_model(self.cfg.models_dir) is not None:
            return {"trained": False}
        path = scoring.train_from_export(
            self.cfg.engine,
            ctx.path("clean"),
            self.cfg.as_of,
            ctx.path("training"),
            self.cfg.models_dir,
            buckets=self.cfg.buckets,
        )
        return {"trained": True, "model": path.name}

    def scores(self, ctx: RunContext) -> dict[str, Any]:
        model = scoring.latest_model(self.cfg.models_dir)
        assert model is not None
        out = scoring.score_all(model, ctx.path("features"), ctx.path("scores"))
        return {"customers": _rows(out), "model": model.metadata_.get("trained_at")}

    def stages(self, ctx: RunContext) -> dict[str, Any]:
        previous = _previous_run(self.cfg)
        out = assign_stages(
            self.cfg.engine,
            ctx.path("clean"),
            ctx.path("features"),
            self.cfg.as_of,
            ctx.path("stages"),
            scores_dir=ctx.path("scores"),
            previous_dir=previous / "stages" if previous else None,
            buckets=self.cfg.buckets,
        )
        frame = _read(out, ["stage", "entered"])
        return {
            "by_stage": frame["stage"].value_counts().to_dict(),
            "entered": int(frame["entered"].fillna(False).sum()),
        }

    def assign(self, ctx: RunContext) -> dict[str, Any]:
        with self.cfg.session_factory() as session:
            db = dbio.customer_frame(
                session, ("id", "household_id", "county_id", "account_manager_id")
            )
            managers = dbio.manager_frame(session)
        _keep_customers_read(ctx, db)
        feature_columns = [
            "plan_fee_total",
            "has_3g",
            "device_is_iphone",
            "roaming_minutes_last",
            "is_enterprise",
        ]
        frame = beside(
            db,
            part(ctx.path("tiers"), "tier"),
            part(ctx.path("stages"), "stage"),
            part(ctx.path("features"), *feature_columns),
        )
        frame = frame[frame["tier"].notna().to_numpy()]
        dedicated = {t.name for t in load_tier_rules().tiers if t.dedicated_manager}
        needed = (frame["tier"].isin(dedicated) & (frame["stage"] != "churned")).to_numpy()
        need = frame[needed]
        weights = load_weights(self.cfg.assignment_config)
        hints = _household_hints(frame).to_numpy()[needed]
        result = assign_managers(
            _customers(need, weights.skill_names, hints),
            _managers(managers, weights.skill_names, self._neighbours()),
            weights=weights,
        )
        table = result.assignments.append_column(
            "code", pa.array(need.index.astype(str).to_numpy())
        )
        released = _released(frame[~needed])
        pq.write_table(
            pa.concat_tables([table, released.cast(table.schema)]), ctx.path("assignments.parquet")
        )
        # Who is left without a manager, per county, most valuable first: capacity is short
        # there, and nobody was overfilled to hide it.
        pq.write_table(result.shortfall, ctx.path("shortfall.parquet"))
        pq.write_table(result.county_load, ctx.path("county_load.parquet"))
        summary = result.summary
        short = result.shortfall.column("county_id").to_pylist()
        return {
            "customers": len(need),
            "assigned": summary.assigned,
            "moved": summary.moved,
            "unassigned": summary.unassigned,
            "gap": summary.gap,
            "shortfall_by_county": {str(c): short.count(c) for c in sorted(set(short))},
        }

    def _neighbours(self) -> dict[int, list[int]]:
        """``[neighbours]`` of the assignment TOML: county code → counties it may also serve."""
        path = self.cfg.assignment_config
        if path is None:
            return {}
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("neighbours", {})
        with self.cfg.session_factory() as session:
            ids = dbio.county_ids(session)
        try:
            return {ids[code]: [ids[n] for n in others] for code, others in table.items()}
        except KeyError as exc:
            raise ValidationFailed(f"{path}: unknown county {exc} in [neighbours]") from exc

    def warnings(self, ctx: RunContext) -> dict[str, Any]:
        # Only customers in the warning stage can be chosen (a few per cent of the base):
        # everything below is about them, and so is the output (a customer missing from it
        # is neither chosen nor held out).
        stages = _table(ctx.path("stages"), ["customer_id", "stage"])
        candidates = stages.filter(pc.equal(stages["stage"], "warning"))["customer_id"]
        db = _customers_read(ctx)
        with self.cfg.session_factory() as session:
            open_ids = dbio.customers_with_open_warnings(
                session, tonight=f"{self.cfg.as_of.isoformat()}:"
            )
        wanted = pc.is_in(codes_of(db), value_set=candidates.combine_chunks().cast(pa.string()))
        frame = beside(
            db[wanted.to_numpy(zero_copy_only=False)],
            part(ctx.path("scores"), "churn_probability"),
            part(ctx.path("features"), "arpu_3m"),
            _assignments(ctx),
        )
        revenue = frame["arpu_3m"].fillna(0.0).to_numpy(dtype=float)
        manager = frame["assigned_manager"].astype("Int64").fillna(frame["db_manager"]).fillna(-1)
        sel = select_warnings(
            customer_ids=frame.index.astype(str).to_numpy(),
            eligible=(~frame["id"].isin(open_ids)).to_numpy(dtype=bool),
            probability=frame["churn_probability"].fillna(0.0).to_numpy(dtype=float),
            revenue=revenue,
            manager=manager.astype("int64").to_numpy(),
            county=frame["county_id"].astype("int64").to_numpy(),
            as_of=self.cfg.as_of.isoformat(),
            policy=self.cfg.policy,
        )
        picked = frame.index[sel.selected]
        reasons = self._reasons(_picked_features(ctx, picked)) if len(picked) else []
        texts = np.full(len(frame), None, dtype=object)
        texts[sel.selected] = [json.dumps(r, ensure_ascii=False, default=str) for r in reasons]
        out = pa.table(
            {
                "customer_id": codes_of(frame),
                "selected": pa.array(sel.selected),
                "control": pa.array(sel.control),
                "expected_value": pa.array(sel.expected_value, pa.float64()),
                "rank": pa.array(sel.rank, pa.int64()),
                "reasons": pa.array(texts, pa.string()),
            }
        )
        pq.write_table(out, ctx.path("warnings.parquet"))
        return {
            "candidates": len(frame),
            "selected": int(sel.selected.sum()),
            "control": int(sel.control.sum()),
            "skipped_for_capacity": int(sel.skipped_for_capacity.sum()),
        }

    def _reasons(self, feats: pd.DataFrame) -> list[list[dict[str, object]]]:
        model = scoring.latest_model(self.cfg.models_dir)
        assert model is not None
        return scoring.explain(model, feats.reset_index())

    def dispatch(self, ctx: RunContext) -> dict[str, Any]:
        now = self.cfg.clock.now()
        with self.cfg.session_factory() as session:
            ranges = dbio.id_ranges(session, self.cfg.dispatch_buckets)
            rules = load_rules(session)
            planner = BulkPlanner(session, rules, now)
            dialect = session.get_bind().dialect.name
        # PostgreSQL applies two chunks at once, one per server process, while this process
        # prepares the next; SQLite has one writer at a time.
        writers = self.cfg.dispatch_writers if dialect == "postgresql" else 1
        counts = dbio.DispatchCounts()

        def write(part: pd.DataFrame) -> dbio.DispatchCounts:
            mine = dbio.DispatchCounts()
            with self.cfg.session_factory() as session, session.begin():
                dbio.apply_chunk(
                    session,
                    part,
                    as_of=self.cfg.as_of,
                    now=now,
                    counts=mine,
                    rules=rules,
                    planner=planner,
                )
            return mine

        def collect(done: Future[dbio.DispatchCounts]) -> None:
            counts.add(done.result())
            if self.cfg.crash_at == "dispatch:chunk":
                self.cfg.crash()

        # A bucket of customers at a time, so that tonight's results beside the stored ones
        # never sit in memory for everyone at once; only customers with something to write
        # are kept, so a quiet night writes little whatever the size of the base. Each chunk
        # is its own transaction; at most one chunk per writer waits in the queue. The next
        # bucket is merged while this one is written (two buckets in memory at most), so
        # the writers do not stand idle between buckets.
        # Buckets are runs of neighbouring ids, written in id order: new index entries then
        # land where the customer-id indexes end, and updated rows page after page. (Buckets
        # by id modulo 4 sent each bucket back over every page of those indexes.) Each
        # bucket's customers are read from the database just before it is merged, so only
        # the first read keeps the writers waiting; no customer is in two buckets, so what
        # is read of a bucket is what earlier buckets' writes left of it.

        def to_write(k: int) -> pd.DataFrame:
            with self.cfg.session_factory() as session:
                db = dbio.customer_frame(session, ids=ranges[k])
            ids = db["id"].to_numpy()
            if len(ids) and bool((ids[1:] < ids[:-1]).any()):  # read in id order as a rule
                db = db.iloc[np.argsort(ids, kind="stable")]
            frame = self._merged(ctx, db)
            return frame[frame["_write"].to_numpy(dtype=bool)]

        pending: deque[Future[dbio.DispatchCounts]] = deque()
        with ThreadPoolExecutor(max_workers=writers) as pool, ThreadPoolExecutor(1) as ahead:
            coming = ahead.submit(to_write, 0)
            for k in range(len(ranges)):
                todo = coming.result()
                if k + 1 < len(ranges):
                    coming = ahead.submit(to_write, k + 1)
                for start in range(0, len(todo), self.cfg.chunk):
                    pending.append(pool.submit(write, todo.iloc[start : start + self.cfg.chunk]))
                    while len(pending) > writers:
                        collect(pending.popleft())
                del todo
            while pending:
                collect(pending.popleft())
        return {
            "customers_updated": counts.customers_updated,
            "events": counts.events,
            "orders": counts.orders,
            "orders_already_there": counts.orders_existing,
            "orders_per_county": {str(k): v for k, v in counts.orders_per_county.items()},
        }

    def _merged(self, ctx: RunContext, db: pd.DataFrame) -> pd.DataFrame:
        """Tonight's results for the customers of ``db`` beside their stored values."""
        f = beside(
            db,
            part(ctx.path("stages"), "stage", "stage_rule", "entered", "order_kind", "script"),
            part(ctx.path("tiers"), "tier", "tier_rule"),
            part(ctx.path("scores"), "churn_probability"),
            part(ctx.path("warnings.parquet"), "selected", "control", "reasons"),
            _assignments(ctx),
        )
        f = _with_new_values(f[f["stage"].notna().to_numpy()], self.cfg.as_of)
        return _managers_only(f) if self.cfg.managers_only else f


def _managers_only(f: pd.DataFrame) -> pd.DataFrame:
    """``weixi assign``: write tonight's managers (and hand-over orders), nothing else."""
    f["new_tier"], f["new_lifecycle_stage"] = f["db_tier"], f["db_stage"]
    f["new_churn_score"], f["new_control_group"] = f["db_score"], f["db_control"]
    f["order_kind"], f["warn_selected"], f["_entered"] = None, False, False
    f["_write"] = f["manager_changed"]
    f["_write_standing"] = False
    return f


def _with_new_values(f: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Tonight's values beside the stored ones, and which rows need writing."""
    # Customers gone before tonight have no features: they keep their last tier.
    f["new_tier"] = f["tier"].where(f["tier"].notna(), f["db_tier"])
    f["new_tier_rule"] = f["tier_rule"]
    f["new_lifecycle_stage"], f["new_stage_rule"] = f["stage"], f["stage_rule"]
    f["new_churn_score"] = f["churn_probability"].round(4)
    f["new_scored_on"] = as_of
    f["new_control_group"] = f["control"].fillna(False).astype(bool) | f["db_control"].astype(bool)
    # No row: not considered tonight, keep the stored manager; NO_MANAGER: none any more.
    assigned = f["assigned_manager"].astype("Int64")
    kept = assigned.where(assigned.notna(), f["db_manager"])
    f["new_account_manager_id"] = kept.where(kept != NO_MANAGER, pd.NA)
    f["manager_changed"] = f["manager_changed"].fillna(False).astype(bool) & dbio.differs(
        f["db_manager"], f["new_account_manager_id"]
    )
    f["warn_selected"] = f["selected"].fillna(False).astype(bool)
    f["_entered"] = f["entered"].fillna(False).astype(bool) & dbio.differs(
        f["db_stage"], f["new_lifecycle_stage"]
    )
    # A score appearing or disappearing is a move; no score before and none tonight (a
    # customer gone before tonight) is not, or every churned customer is rewritten nightly.
    new_score, db_score = f["new_churn_score"].astype(float), f["db_score"].astype(float)
    score_moved = ((new_score - db_score).abs() >= 0.01) | (new_score.isna() != db_score.isna())
    standing_moved = (
        dbio.differs(f["db_tier"], f["new_tier"])
        | f["_entered"]
        | dbio.differs(f["db_stage"], f["new_lifecycle_stage"])
        | dbio.differs(f["db_control"], f["new_control_group"])
        | score_moved
    )
    f["order_kind"] = f["order_kind"].where(f["_entered"], None)
    # A warning chosen tonight writes its reasons, unless this night already wrote the
    # standing (a rerun) and nothing else moved.
    written = (f["db_scored_on"] == pd.Timestamp(as_of)).fillna(False).astype(bool)
    f["_write_standing"] = standing_moved | (f["warn_selected"] & ~written)
    f["_write"] = f["_write_standing"] | f["manager_changed"]
    return f


def _keep_customers_read(ctx: RunContext, db: pd.DataFrame) -> None:
    """Keep the customers' places as the assign step read them, for the warnings step:
    warnings then weigh capacity against the same managers the assignment started from,
    and do not read ten million customers from the database again."""
    table = pa.table(
        {
            "code": codes_of(db),
            "id": pa.array(db["id"].to_numpy(dtype=np.int64)),
            "county_id": pa.array(db["county_id"].to_numpy(dtype=np.int64)),
            "db_manager": pa.array(db["db_manager"], pa.int64(), from_pandas=True),
        }
    )
    pq.write_table(table, ctx.path("customers_read.parquet"))


def _customers_read(ctx: RunContext) -> pd.DataFrame:
    """The frame `_keep_customers_read` kept, as `dbio.customer_frame` gives it."""
    frame = pq.read_table(ctx.path("customers_read.parquet")).to_pandas()
    frame["db_manager"] = frame["db_manager"].astype("Int64")
    return frame.set_index("code")


def _assignments(ctx: RunContext) -> Part:
    """Tonight's managers, keyed by customer code."""
    return part(
        ctx.path("assignments.parquet"),
        key="code",
        assigned_manager="manager_id",
        manager_changed="changed",
        assign_reason="reason",
    )


def _picked_features(ctx: RunContext, picked: pd.Index) -> pd.DataFrame:
    """Every feature of the customers chosen for a warning, in the order of ``picked``."""
    path = ctx.path("features")
    names = [n for n in ds.dataset(str(path), format="parquet").schema.names if n != "customer_id"]
    frame = beside(pd.DataFrame(index=picked.astype(str)), part(path, *names))
    frame.index.name = "customer_id"
    return frame


def _released(not_needed: pd.DataFrame) -> pa.Table:
    """Customers who hold a manager but no longer need one (tier dropped, or left us)."""
    gone = not_needed[not_needed["db_manager"].notna().to_numpy()]
    n = len(gone)
    return pa.table(
        {
            "customer_id": gone["id"].to_numpy(dtype="int64"),
            "previous_manager_id": gone["db_manager"].to_numpy(dtype="int64"),
            "manager_id": [NO_MANAGER] * n,
            "changed": [True] * n,
            "reason": ["released: no longer in a tier with a dedicated manager"] * n,
            "reason_flags": [0] * n,
            "code": gone.index.astype(str).to_numpy(),
        }
    )


def _household_hints(frame: pd.DataFrame) -> pd.Series:
    """Per customer, the manager most of their household already has (a soft preference);
    a tie goes to the lowest manager id, a household without managers gets none.

    Worked on integer codes of the households, not on the frame's string index: pandas'
    alignment on ten million codes cost 12 s here, these array steps cost about one.
    """
    # Arrow numbers the households in one pass over the strings (pandas' factorize of the
    # same column as Python objects took 9 s at ten million).
    households = pa.array(frame["household_id"].array, pa.string(), from_pandas=True)
    if isinstance(households, pa.ChunkedArray):
        households = households.combine_chunks()
    encoded = pc.dictionary_encode(households)
    household = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64)
    manager = frame["db_manager"].to_numpy(dtype="float64", na_value=np.nan)
    usual = np.full(household.max(initial=-1) + 1, np.nan)
    has = (household >= 0) & ~np.isnan(manager)
    if has.any():
        h, m = household[has], manager[has].astype(np.int64)
        order = np.lexsort((m, h))  # by household, then manager
        h, m = h[order], m[order]
        starts = np.flatnonzero(np.r_[True, (h[1:] != h[:-1]) | (m[1:] != m[:-1])])
        pair_h, pair_m = h[starts], m[starts]
        count = np.diff(np.r_[starts, len(h)])
        best = np.lexsort((pair_m, -count, pair_h))  # most customers first, then lowest id
        first = best[np.r_[True, pair_h[best][1:] != pair_h[best][:-1]]]
        usual[pair_h[first]] = pair_m[first]
    hints = np.where(household >= 0, usual[np.maximum(household, 0)], np.nan)
    return pd.Series(hints, index=frame.index, dtype="float64")


def _customers(need: pd.DataFrame, skill_names: tuple[str, ...], hints: np.ndarray) -> Customers:
    bit = {name: 1 << i for i, name in enumerate(skill_names)}
    skills = np.zeros(len(need), dtype=np.int64)
    for column, skill in (
        ("has_3g", "3g"),
        ("device_is_iphone", "iphone"),
        ("is_enterprise", "enterprise"),
    ):
        if skill in bit:
            skills |= np.where(need[column].fillna(0).to_numpy() > 0, bit[skill], 0)
    if "roaming" in bit:
        skills |= np.where(need["roaming_minutes_last"].fillna(0).to_numpy() > 0, bit["roaming"], 0)
    return Customers.from_arrays(
        customer_id=need["id"].to_numpy(),
        county_id=need["county_id"].to_numpy(),
        value=need["plan_fee_total"].fillna(0.0).clip(lower=0).to_numpy(),
        skills=skills,
        current_manager_id=need["db_manager"].fillna(NO_MANAGER).to_numpy(),
        hint_manager_id=np.nan_to_num(hints, nan=NO_MANAGER).astype(np.int64),
    )


def _managers(
    frame: pd.DataFrame, skill_names: tuple[str, ...], neighbours: dict[int, list[int]]
) -> Managers:
    bit = {name: 1 << i for i, name in enumerate(skill_names)}
    skills = [sum(bit.get(s, 0) for s in (row or [])) for row in frame["skills"]]
    return Managers.from_arrays(
        manager_id=frame["id"].to_numpy(),
        county_id=frame["county_id"].to_numpy(),
        skills=skills,
        capacity=frame["capacity"].to_numpy(),
        active=frame["active"].to_numpy(),
        neighbour_counties=[neighbours.get(int(c), []) for c in frame["county_id"]],
    )


def _find(directory: Path, table: str) -> Path | None:
    for suffix in (".parquet", ".csv"):
        if (directory / f"{table}{suffix}").exists():
            return directory / f"{table}{suffix}"
    return None


def _read(directory: Path, columns: list[str] | None = None) -> pd.DataFrame:
    frame = _table(directory, columns).to_pandas()
    if "customer_id" in frame:
        frame["customer_id"] = frame["customer_id"].astype(str)
    return frame


def _table(path: Path, columns: list[str] | None) -> pa.Table:
    """A step's output (a file or a directory of parts)."""
    return ds.dataset(str(path), format="parquet").to_table(columns=columns)


def _rows(directory: Path) -> int:
    return int(ds.dataset(str(directory), format="parquet").count_rows())


def _previous_run(cfg: NightlyConfig) -> Path | None:
    runs = cfg.var_dir / "runs"
    if not runs.exists():
        return None
    earlier = sorted(
        p
        for p in runs.iterdir()
        if p.is_dir() and p.name < cfg.as_of.isoformat() and (p / "_done" / "stages.json").exists()
    )
    return earlier[-1] if earlier else None
