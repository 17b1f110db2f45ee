"""``weixi serve``: the API and the console, with the periodic SLA tick."""

from __future__ import annotations

import typer
import uvicorn


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8000, help="Port to bind."),
) -> None:
    """Serve the console and API."""
    from weixi.web.app import create_app

    uvicorn.run(create_app(run_ticker=True), host=host, port=port, log_level="info")
