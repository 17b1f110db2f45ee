"""``weixi nightly``: the nightly cycle, with progress and a run summary."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from weixi.analytics.engines import make_engine as make_analytics_engine
from weixi.analytics.nightly.pipeline import NightlyConfig, build_steps
from weixi.analytics.nightly.runner import RunContext, Step, run_steps
from weixi.cli.common import console
from weixi.clock import SystemClock
from weixi.config import get_settings
from weixi.db.session import make_engine, make_session_factory


def assign(
    as_of: dt.datetime = typer.Option(..., "--as-of", formats=["%Y-%m-%d"], help="Run date."),
    data: Path = typer.Option(..., "--data", exists=True, file_okay=False, help="Export dir."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark."),
) -> None:
    """Assign account managers (the nightly cycle's assignment, and hand-over orders)."""
    _run(as_of.date(), data, engine, buckets=4, rerun=False, managers_only=True)


def nightly(
    as_of: dt.datetime = typer.Option(..., "--as-of", formats=["%Y-%m-%d"], help="Run date."),
    data: Path = typer.Option(..., "--data", exists=True, file_okay=False, help="Export dir."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default) or spark."),
    buckets: int = typer.Option(4, help="Customer buckets (bounds DuckDB's memory)."),
    rerun: bool = typer.Option(False, "--rerun", help="Forget finished steps and start over."),
) -> None:
    """Tier, stage, score and warn every customer; dispatch the night's orders."""
    _run(as_of.date(), data, engine, buckets=buckets, rerun=rerun, managers_only=False)


def _run(
    as_of: dt.date, data: Path, engine: str, *, buckets: int, rerun: bool, managers_only: bool
) -> None:
    settings = get_settings()
    cfg = NightlyConfig(
        as_of=as_of,
        data_dir=data,
        var_dir=settings.var_dir,
        engine=make_analytics_engine(engine),
        clock=SystemClock(),
        buckets=buckets,
        session_factory=make_session_factory(make_engine(settings.database_url)),
        crash_at=settings.nightly_crash_at,
        managers_only=managers_only,
        assignment_config=settings.assignment_config,
    )
    if managers_only:
        cfg.runs_name = "assign-runs"  # its own run directory; the model is shared
    if rerun:
        for marker in (cfg.run_dir / "_done").glob("*.json"):
            marker.unlink()
    steps = build_steps(cfg)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("nightly", total=len(steps))

        def on_step(step: Step, i: int, n: int) -> None:
            progress.update(task, completed=i, description=f"{step.name}: {step.description}")

        results = run_steps(
            steps, RunContext(cfg.run_dir), crash_at=settings.nightly_crash_at, on_step=on_step
        )
        progress.update(task, completed=len(steps), description="done")
    cfg.engine.close()
    table = Table("step", "seconds", "counts")
    for r in results:
        seconds = "skipped" if r.skipped else f"{r.seconds:.1f}"
        table.add_row(r.name, seconds, json.dumps(r.counts, ensure_ascii=False, default=str)[:160])
    console.print(table)
    console.print(f"run directory: {cfg.run_dir}")
