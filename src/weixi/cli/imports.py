"""``weixi org import``, ``weixi staff import``, ``weixi customers import``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from weixi.cli.common import console, open_uow
from weixi.customers.contacts import import_contacts
from weixi.customers.importer import import_customers, import_products
from weixi.customers.usage import KEEP_MONTHS, UsageImportReport, import_usage
from weixi.importing import ImportReport
from weixi.network.importer import import_network
from weixi.org.importer import import_org_units, import_staff

org_app = typer.Typer(help="Organisation units.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff.", no_args_is_help=True)
customers_app = typer.Typer(help="Customers and products.", no_args_is_help=True)

PATH = typer.Argument(..., exists=True, help="CSV or Parquet file in weixi's import schema.")


def print_reports(*reports: ImportReport) -> None:
    table = Table("file", "read", "inserted", "updated", "unchanged", "quarantined", "reasons")
    for r in reports:
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(r.reasons.items()))
        table.add_row(
            Path(r.file).name,
            f"{r.rows_read:,}",
            f"{r.inserted:,}",
            f"{r.updated:,}",
            f"{r.unchanged:,}",
            f"{r.quarantined:,}",
            reasons,
        )
    console.print(table)
    if any(r.quarantined for r in reports):
        console.print(
            "[yellow]quarantined rows are kept with file, row, field and reason "
            "(table quarantined_rows)[/yellow]"
        )


@org_app.command("import")
def org_import(path: Path = PATH) -> None:
    """Import org units (province → city → county, halls, teams, departments)."""
    with open_uow() as uow:
        report = import_org_units(uow.session, path, now=uow.clock.now())
        uow.commit()
    print_reports(report)


@staff_app.command("import")
def staff_import(path: Path = PATH) -> None:
    """Import staff (roles, skills, capacity, calendar)."""
    with open_uow() as uow:
        report = import_staff(uow.session, path, now=uow.clock.now())
        uow.commit()
    print_reports(report)


@customers_app.command("import")
def customers_import(
    path: Path = typer.Argument(..., exists=True, help="Export directory or customers file."),
) -> None:
    """Import customers (and products, contacts, usage, cells beside them); bad rows quarantined."""
    customers = _find(path, "customers") if path.is_dir() else path
    with open_uow() as uow, _progress() as progress:
        task = progress.add_task("customers", total=None)
        reports = [
            import_customers(
                uow.session,
                customers,
                now=uow.clock.now(),
                progress=lambda n: progress.advance(task, n),
            )
        ]
        # Files that reference the customers, each imported when it lies beside them.
        referencing: tuple[tuple[str, Callable[..., ImportReport]], ...] = (
            ("products", import_products),
            ("contacts", import_contacts),
            ("usage_monthly", import_usage),
        )
        for table, importer in referencing:
            found = _find(customers.parent, table, required=False)
            if found is None:
                continue
            task = progress.add_task(table, total=None)
            reports.append(
                importer(
                    uow.session,
                    found,
                    now=uow.clock.now(),
                    customers_file=customers,
                    progress=functools.partial(progress.advance, task),
                )
            )
        if all((customers.parent / f"{t}.parquet").exists() for t in NETWORK_FILES):
            net = import_network(uow.session, customers.parent, now=uow.clock.now())
            reports += [net.cells, net.kpis, net.customer_cells]
        uow.commit()
    print_reports(*reports)
    for r in reports:
        if isinstance(r, UsageImportReport) and (r.older or r.removed):
            console.print(
                f"usage: {r.older:,} older months in the file not kept, {r.removed:,} stored "
                f"months removed (the newest {KEEP_MONTHS} months of each customer are kept)"
            )


#: The network read model of the 360 view (Parquet only).
NETWORK_FILES = ("cells", "cell_kpi_daily", "customer_cells")


def _find(directory: Path, table: str, *, required: bool = True) -> Path:
    for suffix in (".parquet", ".csv"):
        candidate = directory / f"{table}{suffix}"
        if candidate.exists():
            return candidate
    if required:
        raise typer.BadParameter(f"no {table}.parquet or {table}.csv in {directory}")
    return None  # type: ignore[return-value]


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )
