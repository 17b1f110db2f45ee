"""``weixi orders`` and ``weixi tick``."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlalchemy import select

from weixi.cli.common import console, open_uow
from weixi.db.uow import UnitOfWork
from weixi.org.actor import Actor
from weixi.org.models import Staff
from weixi.org.service import actor_for
from weixi.workorders import repository
from weixi.workorders.jobs import tick as run_tick
from weixi.workorders.repository import OrderQuery

app = typer.Typer(help="Work orders.", no_args_is_help=True)

AS_OPTION = typer.Option("admin", "--as", help="Staff login whose view to use.")


def _actor(uow: UnitOfWork, login: str) -> Actor:
    staff = uow.session.scalars(select(Staff).where(Staff.code == login)).one_or_none()
    if staff is None:
        raise typer.BadParameter(f"no staff member with login {login!r}")
    return actor_for(uow.session, staff)


@app.command("list")
def list_orders(
    login: str = AS_OPTION,
    status: list[str] = typer.Option(None, help="Only these statuses."),
    kind: list[str] = typer.Option(None, help="Only these kinds."),
    open_only: bool = typer.Option(False, "--open", help="Only open orders."),
    limit: int = typer.Option(50, min=1, max=1000),
) -> None:
    """Orders visible to a staff member."""
    with open_uow() as uow:
        actor = _actor(uow, login)
        q = OrderQuery(status=status, kind=kind, open_only=open_only, limit=limit)
        rows, total = repository.list_visible(uow.session, actor, q)
        table = Table("id", "kind", "status", "title", "handler", "due", "escalation")
        for o in rows:
            due = o.resolution_due.isoformat(timespec="minutes") if o.resolution_due else ""
            table.add_row(
                str(o.id),
                o.kind,
                o.status,
                o.title,
                str(o.handler_id or ""),
                due,
                o.escalation_level,
            )
        console.print(table)
        console.print(f"{len(rows)} of {total}")


@app.command("show")
def show_order(order_id: int, login: str = AS_OPTION) -> None:
    """One order with its history."""
    with open_uow() as uow:
        actor = _actor(uow, login)
        o = repository.get_visible(uow.session, actor, order_id)
        console.print(f"[bold]#{o.id}[/bold] {o.kind} {o.status} — {o.title}")
        console.print(f"dispatch: {o.dispatch_reason}")
        console.print(f"due: {o.resolution_due}  escalation: {o.escalation_level}")
        for h in repository.history(uow.session, o.id):
            move = f"{h.from_status or ''} → {h.to_status}" if h.to_status else ""
            console.print(f"  {h.at:%Y-%m-%d %H:%M} {h.event:<12} {move} {h.reason}")


def tick() -> None:
    """Evaluate SLA clocks and escalate (idempotent; the server runs the same periodically)."""
    with open_uow() as uow:
        summary = run_tick(uow)
        uow.commit()
    steps = ", ".join(f"{k}: {v}" for k, v in sorted(summary.steps.items())) or "nothing due"
    console.print(f"examined {summary.examined} orders; {steps}")
