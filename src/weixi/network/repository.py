"""The network perception of one customer: the cells carrying their traffic, with KPIs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from weixi.network.models import KPI_COUNTERS, Cell, CellKpiMonthly, CustomerCell
from weixi.network.perception import Counters, Perception, weighted


@dataclass(frozen=True, slots=True)
class CellView:
    code: str
    technology: str
    band: str
    share: float
    perception: Perception


@dataclass(frozen=True, slots=True)
class CustomerNetwork:
    window_start: date
    window_end: date
    cells: list[CellView]
    overall: Perception


def customer_network(session: Session, customer_id: int) -> CustomerNetwork | None:
    """None when no cell is recorded for the customer (the caller checked visibility)."""
    used = session.execute(
        select(CustomerCell, Cell)
        .join(Cell, Cell.id == CustomerCell.cell_id)
        .where(CustomerCell.customer_id == customer_id)
        .order_by(CustomerCell.traffic_share.desc(), Cell.code)
    ).all()
    if not used:
        return None
    first = used[0][0]
    k = CellKpiMonthly
    sums = [func.sum(getattr(k, c)) for c in (*KPI_COUNTERS, "thr_sum", "thr_days")]
    counters = {
        row[0]: Counters(*(float(v or 0) for v in row[1:]))
        for row in session.execute(
            select(k.cell_id, *sums)
            .where(
                k.cell_id.in_([cell.id for _, cell in used]),
                k.month >= first.window_start,
                k.month <= first.window_end,
            )
            .group_by(k.cell_id)
        ).all()
    }
    views = [
        CellView(
            cell.code,
            cell.technology,
            cell.band,
            link.traffic_share,
            Perception.of(counters.get(cell.id, Counters())),
        )
        for link, cell in used
    ]
    overall = weighted(
        (link.traffic_share, counters.get(cell.id, Counters())) for link, cell in used
    )
    return CustomerNetwork(first.window_start, first.window_end, views, overall)
