"""The nightly cycle end to end on a small synthetic province, on both databases.

Killed at any step and rerun, it must end in exactly the state of an uninterrupted run:
no duplicate order, no missing order, the same tiers, stages and managers.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import dispose_and_drop, migrated_url

from weixi.analytics.engines import make_engine as make_analytics_engine
from weixi.analytics.nightly.pipeline import NightlyConfig, build_steps
from weixi.analytics.nightly.runner import CrashRequested, RunContext, run_steps
from weixi.clock import FixedClock, utc
from weixi.customers.importer import import_customers, import_products
from weixi.customers.models import Customer, CustomerEvent, CustomerStanding
from weixi.db.session import make_engine, make_session_factory
from weixi.org.importer import import_org_units, import_staff
from weixi.org.models import Staff
from weixi.synth.generate import generate
from weixi.synth.world import SynthConfig
from weixi.workorders.models import WorkOrder

AS_OF = dt.date(2011, 1, 1)
STEPS = [
    "ingest",
    "features",
    "tiers",
    "model",
    "scores",
    "stages",
    "assign",
    "warnings",
    "dispatch",
    "dispatch:chunk",
]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    generate(SynthConfig(customers=800, months=5, seed=11, workers=1), out)
    return out


@pytest.fixture(scope="module")
def models(export: Path, tmp_path_factory: pytest.TempPathFactory, backend: str) -> Path:
    """One trained model shared by the runs (training is tested once, in the first run)."""
    var = tmp_path_factory.mktemp("models")
    factory, engine = _database(backend, var, "models", export)
    _run(factory, export, var)
    dispose_and_drop(engine)
    return var / "models"


def _database(
    backend: str, tmp: Path, name: str, export: Path
) -> tuple[sessionmaker[Session], Engine]:
    engine = make_engine(migrated_url(backend, tmp, name))
    factory = make_session_factory(engine)
    now = utc(2011, 1, 1, 1)
    with factory() as s:
        import_org_units(s, export / "org_units.parquet", now=now)
        import_staff(s, export / "staff.parquet", now=now)
        import_customers(s, export / "customers.parquet", now=now)
        import_products(
            s, export / "products.parquet", now=now, customers_file=export / "customers.parquet"
        )
        s.commit()
    return factory, engine


def _run(
    factory: sessionmaker[Session],
    export: Path,
    var: Path,
    *,
    crash_at: str = "",
    models: Path | None = None,
    as_of: dt.date = AS_OF,
) -> None:
    if models is not None and not (var / "models").exists():
        (var / "models").symlink_to(models)
    engine = make_analytics_engine("duckdb")

    def crash() -> None:
        raise CrashRequested

    cfg = NightlyConfig(
        as_of=as_of,
        data_dir=export,
        var_dir=var,
        engine=engine,
        session_factory=factory,
        clock=FixedClock(utc(as_of.year, as_of.month, as_of.day, 1)),
        buckets=2,
        chunk=400,
        crash_at=crash_at,
        crash=crash,
    )
    try:
        run_steps(build_steps(cfg), RunContext(cfg.run_dir), crash_at=crash_at, crash=crash)
    finally:
        engine.close()


def _state(factory: sessionmaker[Session]) -> tuple[object, ...]:
    with factory() as s:
        orders = sorted(
            s.execute(select(WorkOrder.source_key, WorkOrder.kind, WorkOrder.handler_id)).all()
        )
        customers = sorted(
            s.execute(
                select(
                    Customer.code,
                    CustomerStanding.tier,
                    CustomerStanding.lifecycle_stage,
                    Customer.account_manager_id,
                    CustomerStanding.control_group,
                ).outerjoin(CustomerStanding, CustomerStanding.customer_id == Customer.id)
            ).all()
        )
        events = s.scalar(select(func.count()).select_from(CustomerEvent))
    return tuple(orders), tuple(customers), events


@pytest.fixture(scope="module")
def reference(
    export: Path, models: Path, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[object, ...]:
    var = tmp_path_factory.mktemp("reference")
    factory, engine = _database(backend, var, "reference", export)
    _run(factory, export, var, models=models)
    state = _state(factory)
    dispose_and_drop(engine)
    return state


def test_a_night_tiers_stages_and_dispatches_warnings_with_reasons(
    reference: tuple[object, ...],
) -> None:
    orders, customers, events = reference
    kinds = {kind for _, kind, _ in orders}  # type: ignore[attr-defined]
    assert "warning" in kinds and "onboarding_care" in kinds
    assert all(
        handler is not None
        for _, kind, handler in orders  # type: ignore[attr-defined]
        if kind == "warning"
    )
    stages = {stage for _, _, stage, _, _ in customers}  # type: ignore[attr-defined]
    assert {"stable", "warning", "onboarding", "churned"} <= stages
    assert events > 0


@pytest.mark.parametrize("crash_at", STEPS)
def test_killed_at_any_step_and_rerun_gives_the_same_state(
    crash_at: str,
    export: Path,
    models: Path,
    backend: str,
    reference: tuple[object, ...],
    tmp_path: Path,
) -> None:
    factory, engine = _database(backend, tmp_path, f"crash{STEPS.index(crash_at)}", export)
    with pytest.raises(CrashRequested):
        _run(factory, export, tmp_path, crash_at=crash_at, models=models)
    _run(factory, export, tmp_path, models=models)
    assert _state(factory) == reference
    _run(factory, export, tmp_path, models=models)  # a third run finds nothing to do
    assert _state(factory) == reference
    dispose_and_drop(engine)


def test_rerunning_a_finished_night_creates_no_second_order(
    export: Path,
    models: Path,
    backend: str,
    reference: tuple[object, ...],
    tmp_path: Path,
) -> None:
    factory, engine = _database(backend, tmp_path, "twice", export)
    _run(factory, export, tmp_path, models=models)
    for marker in (tmp_path / "runs" / AS_OF.isoformat() / "_done").glob("*.json"):
        marker.unlink()  # forget everything: every step runs again
    _run(factory, export, tmp_path, models=models)
    assert _state(factory) == reference
    # Nothing changed since the first run, so the rerun writes no customer at all (customers
    # gone before tonight have no score either time: that is not a change).
    done = tmp_path / "runs" / AS_OF.isoformat() / "_done" / "dispatch.json"
    assert json.loads(done.read_text())["customers_updated"] == 0
    dispose_and_drop(engine)


def _standings(factory: sessionmaker[Session]) -> dict[str, tuple[object, ...]]:
    """Customer code → (stage, in it since, reasons, scored on), one entry per standing row."""
    with factory() as s:
        rows = s.execute(
            select(
                Customer.code,
                CustomerStanding.lifecycle_stage,
                CustomerStanding.stage_since,
                CustomerStanding.churn_reasons,
                CustomerStanding.scored_on,
            ).join(CustomerStanding, CustomerStanding.customer_id == Customer.id)
        ).all()
    return {code: tuple(rest) for code, *rest in rows}


def _history(
    factory: sessionmaker[Session],
) -> tuple[dict[str, tuple[object, ...]], list[tuple[object, ...]]]:
    """Code → first placement (night, tier, stage, stage rule), and every customer event
    as (code, kind, old value, new value, night)."""
    with factory() as s:
        placed = s.execute(
            select(
                Customer.code,
                CustomerStanding.placed_on,
                CustomerStanding.placed_tier,
                CustomerStanding.placed_stage,
                CustomerStanding.placed_stage_rule,
            ).join(CustomerStanding, CustomerStanding.customer_id == Customer.id)
        ).all()
        events = s.execute(
            select(
                Customer.code,
                CustomerEvent.kind,
                CustomerEvent.old_value,
                CustomerEvent.new_value,
                CustomerEvent.as_of,
            ).join(Customer, Customer.id == CustomerEvent.customer_id)
        ).all()
    return {code: tuple(rest) for code, *rest in placed}, [tuple(e) for e in events]


def test_the_next_night_updates_standings_and_keeps_what_it_does_not_rewrite(
    export: Path,
    models: Path,
    backend: str,
    tmp_path: Path,
) -> None:
    factory, engine = _database(backend, tmp_path, "next", export)
    _run(factory, export, tmp_path, models=models)
    first = _standings(factory)
    placed, changes = _history(factory)
    # A first placement is on the standing, not an event from no value.
    assert placed.keys() == first.keys()
    assert {p[0] for p in placed.values()} == {AS_OF}
    assert all(p[2] == first[c][0] for c, p in placed.items())
    assert all(p[3] for p in placed.values())  # the rule that chose the stage
    assert all((p[1] is None) == (p[2] == "churned") for p in placed.values())  # and the tier
    assert not [e for e in changes if e[1] in {"tier", "stage"}]
    next_night = AS_OF + dt.timedelta(days=20)
    _run(factory, export, tmp_path, models=models, as_of=next_night)
    second = _standings(factory)
    placed_again, changes = _history(factory)
    assert placed_again == placed  # written once, with the row
    stage_changes = {e[0]: e[2:] for e in changes if e[1] == "stage"}
    assert stage_changes == {
        c: (first[c][0], second[c][0], next_night) for c in first if first[c][0] != second[c][0]
    }
    assert second.keys() == first.keys()  # updated in place: nobody placed twice
    stayed = [c for c in first if first[c][0] == second[c][0]]
    moved = [c for c in first if first[c][0] != second[c][0]]
    assert stayed and moved
    # The stage date is the night the customer entered the stage, not the last night.
    assert all(second[c][1] == first[c][1] for c in stayed)
    assert AS_OF in {first[c][1] for c in stayed}
    assert {second[c][1] for c in moved} == {next_night}
    # Warned on the first night and still under an open warning: no second warning, and
    # the first night's reasons stay on the standing.
    warned = [c for c in first if first[c][2]]
    assert warned and all(second[c][2] == first[c][2] for c in warned)
    assert any(second[c][3] == next_night for c in first)
    dispose_and_drop(engine)


def test_a_manager_who_leaves_has_the_portfolio_reassigned_with_handover_orders(
    export: Path,
    models: Path,
    backend: str,
    tmp_path: Path,
) -> None:
    factory, engine = _database(backend, tmp_path, "leaver", export)
    _run(factory, export, tmp_path, models=models)
    with factory() as s:
        leaver, portfolio = s.execute(
            select(Customer.account_manager_id, func.count())
            .where(Customer.account_manager_id.is_not(None))
            .group_by(Customer.account_manager_id)
            .order_by(func.count().desc())
            .limit(1)
        ).one()
        s.execute(update(Staff).where(Staff.id == leaver).values(active=False))
        s.commit()
    engine_ = make_analytics_engine("duckdb")
    cfg = NightlyConfig(
        as_of=AS_OF,
        data_dir=export,
        var_dir=tmp_path,
        engine=engine_,
        session_factory=factory,
        clock=FixedClock(utc(2011, 1, 1, 2)),
        buckets=2,
        managers_only=True,
        runs_name="assign-runs",
    )
    run_steps(build_steps(cfg), RunContext(cfg.run_dir))
    engine_.close()
    with factory() as s:
        left_with_leaver = s.scalar(
            select(func.count()).select_from(Customer).where(Customer.account_manager_id == leaver)
        )
        handovers = s.scalar(
            select(func.count())
            .select_from(WorkOrder)
            .where(WorkOrder.kind == "handover", WorkOrder.source_key.like("%handover%"))
        )
        moves = s.scalar(
            select(func.count())
            .select_from(CustomerEvent)
            .where(CustomerEvent.kind == "manager", CustomerEvent.old_value == str(leaver))
        )
    assert portfolio > 0
    assert left_with_leaver == 0
    assert moves == portfolio and handovers >= portfolio
    dispose_and_drop(engine)


def test_household_hint_is_the_manager_most_of_the_household_has() -> None:
    import pandas as pd

    from weixi.analytics.nightly.pipeline import _household_hints

    frame = pd.DataFrame(
        {
            "household_id": ["h1", "h1", "h1", "h2", None],
            "db_manager": pd.array([7, 7, None, None, 9], dtype="Int64"),
        },
        index=["a", "b", "c", "d", "e"],
    )
    hints = _household_hints(frame)
    assert hints["c"] == 7 and pd.isna(hints["d"]) and pd.isna(hints["e"])


def test_household_hints_match_the_plain_definition_on_random_households() -> None:
    """Most common manager per household, ties to the lowest id, as a plain groupby says."""
    import numpy as np
    import pandas as pd

    from weixi.analytics.nightly.pipeline import _household_hints

    rng = np.random.default_rng(4)
    n = 5_000
    household = rng.integers(0, 900, n).astype(str).astype(object)
    household[rng.random(n) < 0.1] = None
    manager = pd.array(rng.integers(1, 6, n), dtype="Int64")
    manager[rng.random(n) < 0.3] = pd.NA
    frame = pd.DataFrame(
        {"household_id": household, "db_manager": manager}, index=[f"C{i}" for i in range(n)]
    )
    known = frame.dropna()
    counts = known.groupby(["household_id", "db_manager"]).size().reset_index(name="n")
    counts = counts.sort_values(["household_id", "n", "db_manager"], ascending=[True, False, True])
    usual = counts.drop_duplicates("household_id").set_index("household_id")["db_manager"]
    expected = frame["household_id"].map(usual).astype("float64")
    pd.testing.assert_series_equal(_household_hints(frame), expected, check_names=False)


def test_training_for_a_large_province_compiles_the_trees_before_any_night(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from weixi.analytics.churn.compiled import library_path
    from weixi.analytics.churn.model import MODEL_FILE
    from weixi.analytics.nightly import scoring

    monkeypatch.setattr(scoring, "COMPILE_FROM_ROWS", 100)  # the 800 customers are "large"
    engine = make_analytics_engine("duckdb")
    model_dir = scoring.train_from_export(
        engine, export, AS_OF, tmp_path / "training", tmp_path / "models", buckets=2
    )
    engine.close()
    assert library_path(model_dir / MODEL_FILE).exists()
    assert scoring.latest_model(tmp_path / "models") is not None


def test_codes_of_a_frame_come_out_whatever_backs_its_index() -> None:
    import pandas as pd
    import pyarrow as pa

    from weixi.analytics.nightly.lineup import codes_of

    arrow_backed = pa.chunked_array([["C1", "C2"], ["C3"]]).to_pandas()  # two chunks
    for index in (pd.Index(arrow_backed), pd.Index(["C1", "C2", "C3"], dtype=object)):
        codes = codes_of(pd.DataFrame({"x": [1, 2, 3]}, index=index))
        assert codes.type == pa.string() and codes.to_pylist() == ["C1", "C2", "C3"]
