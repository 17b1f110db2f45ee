"""``weixi model``: train, evaluate and the public-data evaluation of the churn model."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import typer

from weixi.analytics.churn.evaluate import DEFAULT_SEED, cross_validate
from weixi.analytics.churn.mapping import ColumnMapping, fit_churn_model, prepare_table, read_table
from weixi.analytics.churn.model import load_model
from weixi.analytics.churn.public_datasets import PUBLIC_DATASETS

app = typer.Typer(help="Churn model: train, evaluate, public-data evaluation.")


@app.command("train")
def train(
    table: Path = typer.Argument(..., help="Labelled customer table (CSV or Parquet)."),
    mapping: Path = typer.Option(..., "--mapping", help="Column mapping TOML."),
    out: Path = typer.Option(Path("var/models/churn"), "--out", help="Artefact directory."),
) -> None:
    """Fit a churn model on a labelled table and save the versioned artefact."""
    model, prepared = fit_churn_model(read_table(table), ColumnMapping.from_toml(mapping))
    model.save(out)
    typer.echo(f"model {model.metadata_['model_version']} → {out}")
    typer.echo(f"rows={len(prepared.y)} rounds={model.n_rounds_} holdout={model.holdout_metrics_}")


@app.command("evaluate")
def evaluate(
    table: Path = typer.Argument(..., help="Labelled customer table (CSV or Parquet)."),
    mapping: Path = typer.Option(..., "--mapping", help="Column mapping TOML."),
    model_dir: Path | None = typer.Option(None, "--model", help="Score with a saved model."),
    seed: int = typer.Option(DEFAULT_SEED, help="CV seed (when no --model)."),
) -> None:
    """Evaluate a saved model on a table, or run 5-fold CV when no model is given."""
    from weixi.analytics.churn.evaluate import expected_retained_revenue, score_metrics

    prepared = prepare_table(read_table(table), ColumnMapping.from_toml(mapping))
    if model_dir is not None:
        p = load_model(model_dir).churn_probability(prepared.X)
        metrics = score_metrics(prepared.y, p)
        if prepared.revenue is not None:
            capacity = round(0.1 * len(p))
            metrics |= expected_retained_revenue(p, prepared.revenue, capacity, y=prepared.y)
    else:
        result = cross_validate(prepared.X, prepared.y, seed=seed, revenue=prepared.revenue)
        metrics = result.pooled() | {"auc_mean": result.mean("auc")}
    typer.echo(json.dumps(metrics, indent=2))


@app.command("evaluate-public")
def evaluate_public(
    out: Path = typer.Option(Path("var/model-evaluation.md"), "--out", help="Markdown table."),
    seed: int = typer.Option(DEFAULT_SEED, help="Stratified 5-fold CV seed."),
    n_jobs: int = typer.Option(1, help="LightGBM threads (1 is fastest on tables this small)."),
) -> None:
    """5-fold CV on the public data sets (same defaults for all), as a Markdown table."""
    lines = [
        f"Stratified 5-fold CV, seed {seed}, `ChurnModel` defaults (n_jobs={n_jobs}); "
        f"measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {_machine()}; "
        f"lightgbm {version('lightgbm')}.",
        "",
        "| data set | rows | churn rate | AUC (mean ± sd) | PR-AUC | top-decile lift "
        "| Brier | ECE | retained revenue @10 % (expected / realised) | floor |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for dataset in PUBLIC_DATASETS.values():
        prepared = prepare_table(dataset.load(), dataset.mapping)
        result = cross_validate(
            prepared.X, prepared.y, seed=seed, params={"n_jobs": n_jobs}, revenue=prepared.revenue
        )
        pooled = result.pooled()
        value = result.retained_revenue(0.1)
        lines.append(
            f"| {dataset.title} | {len(prepared.y)} | {prepared.y.mean():.3f} "
            f"| {result.mean('auc'):.4f} ± {result.std('auc'):.4f} "
            f"| {result.mean('pr_auc'):.4f} | {result.mean('top_decile_lift'):.2f} "
            f"| {pooled['brier']:.4f} | {pooled['ece']:.4f} "
            f"| {value['expected']:,.0f} / {value['realised']:,.0f} "
            f"| {_floor(dataset.auc_floor, result.mean('auc'))} |"
        )
        typer.echo(lines[-1])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    typer.echo(f"written: {out}")


def _machine() -> str:
    """``nproc`` and the CPU model name, for the evaluation table's header."""
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {name}"


def _floor(floor: float, auc: float) -> str:
    if not floor:
        return "—"
    return f"{floor} — {'met' if auc >= floor else '**not met**'}"
