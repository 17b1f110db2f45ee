"""``weixi demo``: build the demo province and serve it."""

from __future__ import annotations

import typer
import uvicorn
from rich.table import Table

from weixi.cli.common import console
from weixi.clock import SystemClock
from weixi.config import get_settings
from weixi.db.session import make_engine, make_session_factory


def demo(
    customers: int = typer.Option(20_000, help="Synthetic customers in the demo province."),
    host: str = typer.Option("127.0.0.1", help="Address to serve on."),
    port: int = typer.Option(8000, help="Port to serve on."),
    serve: bool = typer.Option(True, help="Serve the console when built."),
) -> None:
    """Build (or reuse) the demo province, run the nightly cycle, and serve the console."""
    from weixi.demo import DEMO_PASSWORD, build_demo
    from weixi.web.app import create_app

    settings = get_settings()
    factory = make_session_factory(make_engine(settings.database_url))
    logins = build_demo(
        url=settings.database_url,
        var_dir=settings.var_dir,
        session_factory=factory,
        clock=SystemClock(),
        customers=customers,
        say=lambda text: console.print(f"[cyan]{text}[/cyan]"),
    )
    table = Table("role", "login", "name", "county")
    for x in logins:
        table.add_row(x.role, x.login, x.name, x.where)
    console.print(table)
    console.print(f"password for every demo login: [bold]{DEMO_PASSWORD}[/bold]")
    if serve:
        console.print(f"console: [bold]http://{host}:{port}/[/bold]  (API docs: /docs)")
        uvicorn.run(
            create_app(settings, run_ticker=True), host=host, port=port, log_level="warning"
        )
