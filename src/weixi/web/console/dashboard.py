"""Supervisor dashboard figures for one area (county, city or province), as plain tables.

Every figure is computed over orders that are both visible to the supervisor and inside
the chosen area; the area itself must lie inside the supervisor's own (else 404). Each
table is a :class:`Table` so the page and the Excel export show exactly the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select, true
from sqlalchemy.orm import Session

from weixi.callbacks.models import CallbackRecord
from weixi.customers.models import Customer, CustomerStanding
from weixi.errors import NotFound
from weixi.org.actor import Actor
from weixi.org.models import OrgUnit
from weixi.org.roles import UnitKind
from weixi.org.scope import area_filter, order_filter
from weixi.web.console.i18n import N_
from weixi.workorders.kinds import OPEN_STATUSES, WorkOrderKind
from weixi.workorders.models import Escalation, WorkOrder

OPEN = [s.value for s in OPEN_STATUSES]
Cell = str | int | float | None


@dataclass(frozen=True)
class Area:
    """The area shown: its level, its unit, and the units one level down (for drill-down)."""

    level: str
    unit: OrgUnit
    children: list[OrgUnit]
    parents: list[OrgUnit] = field(default_factory=list)

    def condition(self) -> ColumnElement[bool]:
        if self.level == "county":
            return WorkOrder.county_id == self.unit.id
        if self.level == "city":
            return WorkOrder.city_id == self.unit.id
        return true()

    def params(self) -> str:
        """Query string that selects this area again (for links and exports)."""
        return "" if not self.parents else f"?{self.level}={self.unit.id}"


@dataclass
class Table:
    """A titled table; ``label_groups`` names the i18n group of each column's values."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    label_groups: dict[int, str] = field(default_factory=dict)
    percent_columns: frozenset[int] = frozenset()


def resolve_area(session: Session, actor: Actor, *, city: int | None, county: int | None) -> Area:
    """The area asked for, if it lies inside the actor's own; otherwise 404."""
    own = _own_unit(session, actor)
    wanted = own
    if county is not None:
        wanted = _unit(session, county, UnitKind.COUNTY)
    elif city is not None:
        wanted = _unit(session, city, UnitKind.CITY)
    if not _inside(wanted, own):
        raise NotFound("no such area in your scope")
    parents = [u for u in _ancestors(session, wanted) if _inside(u, own)]
    return Area(wanted.kind, wanted, _children(session, wanted), parents)


def _own_unit(session: Session, actor: Actor) -> OrgUnit:
    unit_id = actor.county_id or actor.city_id or actor.province_id
    unit = session.get(OrgUnit, unit_id) if unit_id else None
    if unit is None:
        raise NotFound("no area")
    return unit


def _unit(session: Session, unit_id: int, kind: UnitKind) -> OrgUnit:
    unit = session.get(OrgUnit, unit_id)
    if unit is None or unit.kind != kind:
        raise NotFound("no such area in your scope")
    return unit


def _inside(unit: OrgUnit, own: OrgUnit) -> bool:
    return unit.path.startswith(own.path)


def _ancestors(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    ids = [int(p) for p in unit.path.strip("/").split("/")[:-1] if p]
    found = {u.id: u for u in session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def _children(session: Session, unit: OrgUnit) -> list[OrgUnit]:
    below = {"province": UnitKind.CITY, "city": UnitKind.COUNTY}.get(unit.kind)
    if below is None:
        return []
    stmt = select(OrgUnit).where(OrgUnit.parent_id == unit.id, OrgUnit.kind == below.value)
    return list(session.scalars(stmt.order_by(OrgUnit.code)))


def _scoped(actor: Actor, area: Area) -> Select[Any]:
    """The orders the figures count: visible to the actor and inside the area.

    Only the columns the figures read are selected, so the database never carries the
    orders' JSON columns through the aggregates.
    """
    w = WorkOrder
    columns: list[Any] = [w.id, w.kind, w.status, w.category, w.customer_id, w.county_id]
    columns += [w.city_id, w.sla_breached, w.resolution_due, w.resolved_at, w.opened_at, w.outcome]
    stmt: Select[Any] = select(*columns)
    return stmt.where(_visible(actor), area.condition())


def _visible(actor: Actor) -> ColumnElement[bool]:
    """The actor's orders as a filter. For those who see their whole area (the dashboard's
    users) it is the area part of :func:`order_filter` alone: the chosen area lies inside
    the actor's own, so the orders they handle or own elsewhere are outside it anyway, and
    one indexed equality replaces an OR the database cannot use an index for."""
    if actor.sees_whole_area:
        return area_filter(actor, WorkOrder.county_id, WorkOrder.city_id)
    return order_filter(actor, WorkOrder)


@dataclass(frozen=True, slots=True)
class Group:
    """Orders of one kind and status in one area below (city or county), with SLA counts."""

    kind: str
    status: str
    child: int | None
    orders: int
    breached: int  # closed late, open past the deadline, or flagged by the SLA clock
    open_late: int  # still open and past the deadline


def order_groups(session: Session, actor: Actor, area: Area, now: datetime) -> list[Group]:
    """One pass over the area's orders, grouped by kind, status and the area below.

    Queue sizes, SLA compliance and the drill-down rows are all sums of these groups, so
    the orders are read once per dashboard instead of once per table.
    """
    sub = _scoped(actor, area).subquery()
    is_open = sub.c.status.in_(OPEN)
    breached = case(
        (sub.c.sla_breached, 1),
        (and_(is_open, sub.c.resolution_due <= now), 1),
        (and_(sub.c.resolved_at.is_not(None), sub.c.resolved_at > sub.c.resolution_due), 1),
        else_=0,
    )
    open_late = case((and_(is_open, sub.c.resolution_due <= now), 1), else_=0)
    child = sub.c.city_id if area.level == "province" else sub.c.county_id
    rows = session.execute(
        select(
            sub.c.kind, sub.c.status, child, func.count(), func.sum(breached), func.sum(open_late)
        ).group_by(sub.c.kind, sub.c.status, child)
    ).all()
    return [Group(k, st, c, int(n), int(b or 0), int(o or 0)) for k, st, c, n, b, o in rows]


def queue_table(groups: list[Group]) -> Table:
    """Open orders by kind and status."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for g in groups:
        if g.status in OPEN:
            counts[g.kind][g.status] += g.orders
    statuses = [s for s in OPEN if any(s in c for c in counts.values())]
    body: list[list[Cell]] = [
        [kind, *(counts[kind].get(s, 0) for s in statuses), sum(counts[kind].values())]
        for kind in sorted(counts)
    ]
    columns = [N_("Kind"), *(f"status:{s}" for s in statuses), N_("Total")]
    return Table("queue", N_("Queue sizes"), columns, body, {0: "kind"})


def sla_table(groups: list[Group]) -> Table:
    """SLA compliance by kind: orders, breached (closed late or open past the deadline)."""
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for g in groups:
        totals = per_kind[g.kind]
        totals[0] += g.orders
        totals[1] += g.breached
        totals[2] += g.open_late
    body: list[list[Cell]] = [
        [kind, total, breached, open_now, 1 - breached / total]
        for kind, (total, breached, open_now) in sorted(per_kind.items())
    ]
    columns = [N_("Kind"), N_("Orders"), N_("Breached"), N_("Open and overdue"), N_("Compliance")]
    return Table(
        "sla",
        N_("SLA compliance and breaches by kind"),
        columns,
        body,
        {0: "kind"},
        frozenset({4}),
    )


def escalation_table(session: Session, actor: Actor, area: Area) -> Table:
    sub = _scoped(actor, area).subquery()
    rows = session.execute(
        select(Escalation.level, func.count())
        .join(sub, sub.c.id == Escalation.order_id)
        .group_by(Escalation.level)
    ).all()
    order = ["warned", "county", "city", "province"]
    got = dict(rows)
    body: list[list[Cell]] = [[lvl, got[lvl]] for lvl in order if lvl in got]
    return Table("escalations", N_("Escalations"), [N_("Level"), N_("Orders")], body, {0: "level"})


def retention_table(session: Session, actor: Actor, area: Area) -> Table:
    """Warnings generated → contacted → retained, against the control group.

    Treated: customers with a warning order. Control: control-group customers the model
    flagged (warning or churned stage) who by design got no order. Retained: not churned.
    """
    sub = _scoped(actor, area).where(WorkOrder.kind == WorkOrderKind.WARNING.value).subquery()
    contacted = case((sub.c.outcome.is_not(None), 1), else_=0)
    retained_call = case((sub.c.outcome == "retained", 1), else_=0)
    stayed = case((CustomerStanding.lifecycle_stage != "churned", 1), else_=0)
    treated = session.execute(
        select(func.count(), func.sum(contacted), func.sum(retained_call), func.sum(stayed))
        .select_from(sub)
        .join(Customer, Customer.id == sub.c.customer_id)
        .outerjoin(CustomerStanding, CustomerStanding.customer_id == Customer.id)
    ).one()
    control = session.execute(
        select(func.count(), func.sum(stayed))
        .select_from(CustomerStanding)
        .join(Customer, Customer.id == CustomerStanding.customer_id)
        .where(
            CustomerStanding.control_group.is_(True),
            CustomerStanding.lifecycle_stage.in_(["warning", "churned"]),
            _customer_area(area),
        )
    ).one()
    n_t, n_c = int(treated[0] or 0), int(control[0] or 0)
    body: list[list[Cell]] = [
        [
            N_("Warning orders (treated)"),
            n_t,
            int(treated[1] or 0),
            int(treated[2] or 0),
            int(treated[3] or 0),
            (int(treated[3] or 0) / n_t) if n_t else None,
        ],
        [
            N_("Control group (no order)"),
            n_c,
            None,
            None,
            int(control[1] or 0),
            (int(control[1] or 0) / n_c) if n_c else None,
        ],
    ]
    columns = [
        N_("Group"),
        N_("Generated"),
        N_("Contacted"),
        N_("Retained on the call"),
        N_("Still with us"),
        N_("Retention rate"),
    ]
    return Table(
        "retention",
        N_("Warnings: generated, contacted, retained"),
        columns,
        body,
        {0: "msg"},
        frozenset({5}),
    )


def _customer_area(area: Area) -> ColumnElement[bool]:
    if area.level == "county":
        return Customer.county_id == area.unit.id
    if area.level == "city":
        return Customer.city_id == area.unit.id
    return true()


def _month(session: Session, column: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def complaints_table(session: Session, actor: Actor, area: Area, now: datetime) -> Table:
    """Complaints by category and month (last 12 months)."""
    since = now - timedelta(days=366)
    sub = (
        _scoped(actor, area)
        .where(WorkOrder.kind == WorkOrderKind.COMPLAINT.value, WorkOrder.opened_at >= since)
        .subquery()
    )
    month = _month(session, sub.c.opened_at)
    rows = session.execute(
        select(month, sub.c.category, func.count()).group_by(month, sub.c.category)
    ).all()
    months = sorted({m for m, _, _ in rows})
    categories = sorted({c or "other" for _, c, _ in rows})
    grid: dict[tuple[str, str], int] = defaultdict(int)
    for m, c, n in rows:
        grid[(m, c or "other")] += n
    body: list[list[Cell]] = [[m, *(grid[(m, c)] for c in categories)] for m in months]
    columns = [N_("Month"), *(f"category:{c}" for c in categories)]
    return Table("complaints", N_("Complaints by category and month"), columns, body)


def satisfaction_table(session: Session, actor: Actor, area: Area, now: datetime) -> Table:
    """Callback satisfaction (0–100) by month."""
    since = now - timedelta(days=366)
    sub = _scoped(actor, area).subquery()
    month = _month(session, CallbackRecord.at)
    rows = session.execute(
        select(month, func.count(), func.avg(CallbackRecord.satisfaction))
        .join(sub, sub.c.id == CallbackRecord.order_id)
        .where(CallbackRecord.reached.is_(True), CallbackRecord.at >= since)
        .group_by(month)
        .order_by(month)
    ).all()
    body: list[list[Cell]] = [
        [m, n, round(float(avg), 1) if avg is not None else None] for m, n, avg in rows
    ]
    columns = [N_("Month"), N_("Callbacks"), N_("Satisfaction (0–100)")]
    return Table("satisfaction", N_("Customer satisfaction from callbacks"), columns, body)


def children_table(groups: list[Group], area: Area) -> Table:
    """One row per city or county below the area, for the drill-down."""
    rows: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for g in groups:
        if g.status in OPEN:
            rows[g.child][0] += g.orders
            rows[g.child][1] += g.open_late
    body: list[list[Cell]] = []
    for child in area.children:
        n, late_n = rows.get(child.id, [0, 0])
        body.append([child.id, child.name_zh, child.name_en, n, late_n])
    columns = [N_("Area"), N_("Open orders"), N_("Open and overdue")]
    return Table("areas", N_("Areas below"), columns, body)
