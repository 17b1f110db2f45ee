"""Supervisor dashboards for my area, with drill-down and an Excel export of every table."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from weixi.callbacks.models import CallbackRecord
from weixi.errors import Forbidden, NotFound
from weixi.org.actor import Actor
from weixi.web.console import charts, dashboard
from weixi.web.console.dashboard import Area, Cell, Table
from weixi.web.console.i18n import Translator
from weixi.web.console.rendering import Viewer, render, translator
from weixi.web.console.xlsx import XLSX_TYPE, workbook_bytes
from weixi.web.deps import Uow
from weixi.workorders.models import WorkOrderHistory

router = APIRouter()


def _tables(session: Session, actor: Actor, area: Area, request: Request) -> list[Table]:
    """The area's tables, computed once per change of the data (see :func:`_data_mark`)."""
    now = request.app.state.clock.now()
    key = (actor.staff_id, area.level, area.unit.id, *_data_mark(session, now))
    cache: dict[tuple[object, ...], list[Table]] = _cache(request)
    if key not in cache:
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[key] = _compute(session, actor, area, now)
    return cache[key]


#: Dashboards kept per app; the key changes whenever an order, callback or minute changes.
CACHE_SIZE = 256


def _cache(request: Request) -> dict[tuple[object, ...], list[Table]]:
    state = request.app.state
    if getattr(state, "dashboard_cache", None) is None:
        state.dashboard_cache = {}
    return state.dashboard_cache


def _data_mark(session: Session, now: datetime) -> tuple[object, ...]:
    """Changes whenever the figures may: every order change appends a history row (the
    history is append-only), callbacks add records, and the nightly customer updates are
    picked up within the minute."""
    history = session.scalar(select(func.max(WorkOrderHistory.id)))
    callbacks = session.scalar(select(func.max(CallbackRecord.id)))
    return (history, callbacks, now.replace(second=0, microsecond=0))


def _compute(session: Session, actor: Actor, area: Area, now: datetime) -> list[Table]:
    groups = dashboard.order_groups(session, actor, area, now)
    tables = [
        dashboard.queue_table(groups),
        dashboard.sla_table(groups),
        dashboard.escalation_table(session, actor, area),
        dashboard.retention_table(session, actor, area),
        dashboard.complaints_table(session, actor, area, now),
        dashboard.satisfaction_table(session, actor, area, now),
    ]
    if area.children:
        tables.insert(0, dashboard.children_table(groups, area))
    return tables


def _area(
    request: Request, actor: Actor, session: Session, city: int | None, county: int | None
) -> Area:
    if not actor.is_supervisor:
        raise Forbidden("dashboards are for supervisors")
    return dashboard.resolve_area(session, actor, city=city, county=county)


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request, actor: Viewer, uow: Uow, city: int | None = None, county: int | None = None
) -> HTMLResponse:
    area = _area(request, actor, uow.session, city, county)
    t = translator(request)
    tables = _tables(uow.session, actor, area, request)
    shown = [(table, header(t, table), cells(t, table)) for table in tables]
    return render(
        request,
        "dashboard.html",
        actor=actor,
        active="dashboard",
        area=area,
        area_name=unit_name(t, area.unit),
        parents=[(u, unit_name(t, u)) for u in area.parents],
        tables=shown,
        charts=build_charts(t, {table.name: table for table in tables}),
        params=area.params(),
    )


@router.get("/dashboard/export/{name}.xlsx")
def export(
    request: Request,
    name: str,
    actor: Viewer,
    uow: Uow,
    city: int | None = None,
    county: int | None = None,
) -> Response:
    area = _area(request, actor, uow.session, city, county)
    t = translator(request)
    table = next((x for x in _tables(uow.session, actor, area, request) if x.name == name), None)
    if table is None:
        raise NotFound(f"no table {name}")
    note = f"{unit_name(t, area.unit)} · {t.datetime(request.app.state.clock.now())}"
    body = workbook_bytes(t.gettext(table.title), header(t, table), cells(t, table), note=note)
    filename = f"weixi-{name}-{area.level}-{area.unit.code}.xlsx"
    return Response(
        body,
        media_type=XLSX_TYPE,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


def unit_name(t: Translator, unit: object) -> str:
    zh, en = getattr(unit, "name_zh", ""), getattr(unit, "name_en", "")
    return str(zh if t.locale == "zh_CN" else en)


def header(t: Translator, table: Table) -> list[str]:
    """Column titles: message ids, or ``group:value`` for a translated enum value."""
    out = []
    for column in table.columns:
        group, _, value = column.partition(":")
        out.append(t.label(group, value) if value else t.gettext(column))
    return out


def cells(t: Translator, table: Table) -> list[list[Cell]]:
    """Rows as shown: labels translated, shares as percentages; numbers stay numbers."""
    if table.name == "areas":
        return [[unit_name(t, _Named(r[1], r[2])), r[3], r[4]] for r in table.rows]
    out: list[list[Cell]] = []
    for row in table.rows:
        shown: list[Cell] = []
        for index, value in enumerate(row):
            group = table.label_groups.get(index)
            if group == "msg":
                shown.append(t.gettext(str(value)))
            elif group:
                shown.append(t.label(group, str(value)))
            elif index in table.percent_columns:
                shown.append(t.percent(value if isinstance(value, float) else None))
            else:
                shown.append(value)
        out.append(shown)
    return out


class _Named:
    def __init__(self, zh: Cell, en: Cell) -> None:
        self.name_zh, self.name_en = zh, en


def build_charts(t: Translator, tables: dict[str, Table]) -> dict[str, charts.Option]:
    """The dashboard's ECharts options from the same tables the page shows."""
    out: dict[str, charts.Option] = {}
    queue = tables["queue"]
    if queue.rows:
        kinds = [t.label("kind", str(r[0])) for r in queue.rows]
        out["queue"] = charts.bars(
            t, kinds, {t.gettext("Open orders"): [r[-1] for r in queue.rows]}, stack=False
        )
    sla = tables["sla"]
    if sla.rows:
        kinds = [t.label("kind", str(r[0])) for r in sla.rows]
        out["sla"] = charts.bars(
            t,
            kinds,
            {
                t.gettext("Orders"): [r[1] for r in sla.rows],
                t.gettext("Breached"): [r[2] for r in sla.rows],
            },
            stack=False,
        )
    complaints = tables["complaints"]
    if complaints.rows:
        months = [str(r[0]) for r in complaints.rows]
        series = {
            t.label("category", column.partition(":")[2]): [r[i] for r in complaints.rows]
            for i, column in enumerate(complaints.columns)
            if i
        }
        out["complaints"] = charts.lines(t, months, series)
    satisfaction = tables["satisfaction"]
    if satisfaction.rows:
        months = [str(r[0]) for r in satisfaction.rows]
        out["satisfaction"] = charts.lines(
            t,
            months,
            {t.gettext("Satisfaction (0–100)"): [r[2] for r in satisfaction.rows]},
        )
    return out
