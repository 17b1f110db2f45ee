"""The ``weixi`` command line."""

from __future__ import annotations

import typer

app = typer.Typer(help="weixi (维系): customer retention and service assurance.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """weixi (维系): customer retention and service assurance."""


@app.command()
def version() -> None:
    """Print weixi's version."""
    from weixi import __version__

    typer.echo(__version__)
