"""The ``weixi`` command line."""

from __future__ import annotations

import typer

from weixi.cli import db as _db
from weixi.cli import imports as _imports
from weixi.cli import orders as _orders
from weixi.cli.demo import demo as _demo
from weixi.cli.model import app as _model_app
from weixi.cli.nightly import assign as _assign
from weixi.cli.nightly import nightly as _nightly
from weixi.cli.serve import serve as _serve
from weixi.cli.synth import synth as _synth

app = typer.Typer(
    help="weixi (维系): customer retention and service assurance.", no_args_is_help=True
)


@app.callback()
def main() -> None:
    """weixi (维系): customer retention and service assurance."""


@app.command()
def version() -> None:
    """Print weixi's version."""
    from weixi import __version__

    typer.echo(__version__)


app.add_typer(_db.app, name="db")
app.add_typer(_orders.app, name="orders")
app.command(name="tick")(_orders.tick)
app.command(name="serve")(_serve)
app.command(name="synth")(_synth)
app.add_typer(_imports.org_app, name="org")
app.add_typer(_imports.staff_app, name="staff")
app.add_typer(_imports.customers_app, name="customers")
app.command(name="nightly")(_nightly)
app.command(name="demo")(_demo)
app.add_typer(_model_app, name="model")
app.command(name="assign")(_assign)
