"""``weixi db``: schema migrations."""

from __future__ import annotations

import typer

from weixi.cli.common import console
from weixi.config import get_settings
from weixi.db import migrate

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Bring the database (WEIXI_DATABASE_URL) up to date."""
    url = get_settings().database_url
    migrate.upgrade(url, revision)
    console.print(f"[green]database at {revision}[/green]: {_safe(url)}")


def _safe(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
