"""``weixi synth``: write a synthetic operator's export files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from weixi.errors import ValidationFailed
from weixi.synth import FileFormat, SynthConfig, generate


def synth(
    customers: Annotated[int, typer.Option("--customers", "-n", help="Number of customers.")],
    months: Annotated[int, typer.Option("--months", "-m", help="Months of activity.")] = 12,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed.")] = 0,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("var/synth"),
    fmt: Annotated[FileFormat, typer.Option("--format", help="File format.")] = FileFormat.PARQUET,
    province: Annotated[str, typer.Option(help="Province to model.")] = "shandong",
    corrupt: Annotated[
        bool, typer.Option(help="Also write a corrupted copy under OUT/_corrupt.")
    ] = False,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 2,
) -> None:
    """Generate a synthetic operator (organisation, staff, customers, usage, contacts,
    network, fixed-line orders, churn) in weixi's import schema (docs/data-model.md)."""
    config = SynthConfig(
        customers=customers,
        months=months,
        seed=seed,
        fmt=fmt,
        province=province,
        corrupt=corrupt,
        workers=workers,
    )
    console = Console()
    started = time.perf_counter()
    columns = (
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console) as bars:
            tasks: dict[str, TaskID] = {}

            def report(step: str, done: int, total: int) -> None:
                if step not in tasks:
                    tasks[step] = bars.add_task(step, total=total)
                bars.advance(tasks[step], done)

            summary = generate(config, out, report)
    except ValidationFailed as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from exc
    table = Table(title=f"weixi synth → {out} ({time.perf_counter() - started:.1f} s)")
    for name in ("table", "rows", "MB"):
        table.add_column(name, justify="left" if name == "table" else "right")
    for t in summary:
        table.add_row(t.table, f"{t.rows:,}", f"{t.bytes / 1e6:,.1f}")
    console.print(table)
