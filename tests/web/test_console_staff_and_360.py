"""Administration of staff (edit, validation, scope, history) and the 360 view's contacts
and network panels, over HTTP on both database backends."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from tests.web.conftest import HASH, NUMBER_IN_TEXT, Console, csrf_of
from weixi.clock import utc
from weixi.customers.contacts import CustomerContact, import_contacts
from weixi.customers.models import CustomerEvent, CustomerStanding, QuarantinedRow
from weixi.network.importer import import_network
from weixi.network.models import CellKpiMonthly, CustomerCell
from weixi.network.repository import customer_network
from weixi.org.models import Staff
from weixi.org.roles import Role
from weixi.org.service import add_staff
from weixi.versioned.models import VersionedDocument

pytestmark = pytest.mark.db


def _customer(console: Console, key: str = "c1") -> str:
    return f"/console/customers/{console.province.customers[key].id}"


def _row(html: str, marker: str) -> str:
    """The <tr> carrying ``marker`` (an id or data attribute)."""
    match = re.search(rf"<tr[^>]*{marker}[^>]*>.*?</tr>", html, re.S)
    assert match, marker
    return match.group(0)


# --- Customer 360: history of tier and stage ---------------------------------------------


def test_the_360_history_lists_changes_newest_first_and_ends_with_the_first_placement(
    console: Console,
) -> None:
    c1 = console.province.customers["c1"]
    with console.factory() as s:
        standing = s.get(CustomerStanding, c1.id)
        assert standing is not None
        standing.placed_on = date(2026, 1, 5)
        standing.placed_tier, standing.placed_tier_rule = "gold", "3G ≥ 66 元"
        standing.placed_stage, standing.placed_stage_rule = "onboarding", "onboarding.first_90_days"
        s.add(
            CustomerEvent(
                customer_id=c1.id,
                kind="stage",
                old_value="onboarding",
                new_value="stable",
                rule="stable.default",
                as_of=date(2026, 4, 5),
                at=datetime(2026, 4, 5, 1, tzinfo=UTC),
            )
        )
        s.commit()
    html = console.login("JN-LX-am1").get(_customer(console)).text
    timeline = re.search(r'<ul class="timeline small">(.*?)</ul>', html, re.S)
    assert timeline, html
    items = re.findall(r"<li[^>]*>(.*?)</li>", timeline.group(1), re.S)
    assert len(items) == 2
    assert "2026年4月5日" in items[0] and "导入期 → 稳定期" in re.sub(r"\s+", " ", items[0])
    first = re.sub(r"\s+", " ", items[1])
    assert "2026年1月5日" in first and "首次定级" in first
    assert "gold" in first and "3G ≥ 66 元" in first and "onboarding.first_90_days" in first
    # A customer never placed by a night has no history yet.
    other = console.login("admin").get(_customer(console, "c2")).text
    assert "暂无变化记录。" in other


# --- Customer 360: contacts ---------------------------------------------------------------


def test_the_360_view_lists_contacts_on_every_channel_newest_first(console: Console) -> None:
    html = console.login("JN-LX-am1").get(_customer(console)).text
    codes = re.findall(r'data-contact="[^"]*-(K\d)"', html)
    assert codes == ["K1", "K2", "K3", "K4", "K5"]  # K1 is the newest
    channels = re.findall(r'data-channel="([a-z_]+)"', html)
    assert set(channels) == {"hall", "ivr", "hotline_expert", "app", "sms"}
    complaint = _row(html, 'data-contact="[^"]*-K3"')
    assert "10010专家坐席" in complaint and "网络" in complaint and "row-red" in complaint
    assert "员工expert-1 (expert-1)" in complaint  # who handled it


def test_numbers_in_contact_text_are_masked_for_roles_that_may_not_see_them(
    console: Console,
) -> None:
    agent = console.login("hotline-1").get(_customer(console)).text
    assert NUMBER_IN_TEXT not in agent and "139****5678" in agent
    manager = console.login("JN-LX-am1").get(_customer(console)).text
    assert NUMBER_IN_TEXT in manager


def test_the_contact_panel_speaks_english_too(console: Console) -> None:
    client = console.login("hotline-1")
    client.get("/console/lang/en")
    html = client.get(_customer(console)).text
    assert "Contacts across all channels" in html
    assert "10010 voice menu (IVR)" in html and "Mobile app" in html


# --- Customer 360: network perception -------------------------------------------------------


def test_the_network_panel_weights_cells_by_traffic_share_and_marks_what_misses_targets(
    console: Console,
) -> None:
    html = console.login("JN-LX-am1").get(_customer(console)).text
    overall = _row(html, 'id="network-overall"')
    # (0.7·990 + 0.3·900)/1000 × (0.7·985 + 0.3·855)/(0.7·990 + 0.3·900) = 94.6 % ≥ 90 %
    assert re.search(r'v-good"[^>]*>94.6%<', overall)
    # drops (0.7·5 + 0.3·70)/946 = 2.59 % ≤ 5 %; handover (0.7·495 + 0.3·470)/500 = 97.5 % < 98 %
    assert re.search(r'v-good"[^>]*>2.59%<', overall)
    assert re.search(r'v-poor"[^>]*>97.5%<', overall) and "row-red" in overall
    poor = _row(html, 'data-cell="JN-LX-G0002"')
    assert "row-red" in poor
    # access 0.9 × 0.95 = 85.5 % < 90 %; drops 70/855 = 8.19 % > 5 %; handover 94 % < 98 %
    for value in ("85.5%", "8.19%", "94.0%", "80.0%"):
        assert re.search(rf'v-poor"[^>]*>{re.escape(value)}<', poor), value
    good = _row(html, 'data-cell="JN-LX-W0001"')
    assert "row-red" not in good and "v-poor" not in good
    assert "70.0%" in good  # its traffic share
    targets = html[html.index('id="network-targets"') :]
    assert "90%" in targets and "5%" in targets and "98%" in targets


def test_a_customer_without_cells_says_so(console: Console) -> None:
    html = console.login("hotline-1").get(_customer(console, "c2")).text
    assert 'id="no-network"' in html and 'id="no-contacts"' in html


# --- Administration: staff -------------------------------------------------------------------


def _edit(client: object, staff_id: int, **fields: object) -> object:
    url = f"/console/admin/staff/{staff_id}"
    data = {"csrf_token": csrf_of(client, url), "comment": "", **fields}  # type: ignore[arg-type]
    return client.post(url, data=data)  # type: ignore[attr-defined]


def test_an_administrator_changes_role_seat_skills_capacity_and_unit_and_it_is_kept(
    console: Console,
) -> None:
    client = console.login("admin")
    agent = console.province.staff["JN-LX-agent"]
    r = _edit(
        client,
        agent.id,
        role="hotline_agent",
        seat="expert",
        skills=["roaming", "3g"],
        capacity="30",
        unit="10010",
        comment="调入10010专家坐席",
    )
    assert r.status_code == 200 and "修改已保存" in r.text
    with console.factory() as s:
        staff = s.get(Staff, agent.id)
        assert staff is not None
        assert (staff.role, staff.seat, staff.skills, staff.capacity) == (
            "hotline_agent",
            "expert",
            ["3g", "roaming"],
            30,
        )
        assert staff.unit_id == console.province.units["10010"].id
        assert staff.county_id is None and staff.city_id is None  # the centre is provincial
    history = _row(r.text, 'id="v1"')
    assert "员工admin (admin)" in history and "调入10010专家坐席" in history
    assert "营业员" in history or "营业厅" in history  # the old role, translated
    assert re.search(r'data-field="seat">[^<]*— → ', history)
    # The hall agent now works as an expert seat and serves the whole province.
    assert console.login("JN-LX-agent").get(_customer(console, "c2")).status_code == 200


def test_activation_is_kept_in_the_same_history(console: Console) -> None:
    client = console.login("admin")
    am2 = console.province.staff["JN-LX-am2"]
    token = csrf_of(client, "/console/admin/staff")
    client.post(
        f"/console/admin/staff/{am2.id}/active", data={"csrf_token": token, "active": "false"}
    )
    page = client.get(f"/console/admin/staff/{am2.id}").text
    assert 'data-field="active">' in _row(page, 'id="v1"')


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"seat": "expert"}, "only hotline agents have a seat"),
        ({"unit": "JN-LX-hall"}, "does not work in a unit of kind hall"),
        ({"capacity": "lots"}, "capacity must be a whole number"),
        ({"capacity": "-1"}, "capacity must be between 0 and"),
        ({"skills": ["flying"]}, "unknown skill: flying"),
        ({"role": "wizard"}, "unknown role"),
        ({"unit": "NOPE"}, "no unit NOPE in your area"),
    ],
)
def test_invalid_staff_settings_are_refused_and_nothing_changes(
    console: Console, fields: dict[str, object], problem: str
) -> None:
    client = console.login("admin")
    am2 = console.province.staff["JN-LX-am2"]
    base = {"role": "account_manager", "seat": "", "capacity": "200", "unit": "JN-LX-am"}
    r = _edit(client, am2.id, **{**base, "skills": ["3g"], **fields})
    assert r.status_code == 422
    assert problem in r.text and 'id="problems"' in r.text
    with console.factory() as s:
        staff = s.get(Staff, am2.id)
        assert staff is not None and (staff.role, staff.seat, staff.capacity) == (
            "account_manager",
            None,
            200,
        )
        assert not s.scalar(select(func.count()).select_from(VersionedDocument))


def test_a_hotline_agent_needs_a_seat(console: Console) -> None:
    client = console.login("admin")
    hotline = console.province.staff["hotline-1"]
    r = _edit(client, hotline.id, role="hotline_agent", seat="", capacity="50", unit="10010")
    assert r.status_code == 422 and "needs an ordinary or an expert seat" in r.text


def test_someone_handling_open_orders_keeps_their_role_until_they_are_transferred(
    console: Console,
) -> None:
    client = console.login("admin")
    am1 = console.province.staff["JN-LX-am1"]  # handles the seeded warning order
    r = _edit(client, am1.id, role="supervisor", seat="", capacity="50", unit="JN-LX")
    assert r.status_code == 409


def test_administrators_cannot_change_their_own_role(console: Console) -> None:
    client = console.login("admin")
    me = console.province.staff["admin"]
    r = _edit(client, me.id, role="supervisor", seat="", capacity="50", unit="SD")
    assert r.status_code == 422 and "your own role" in r.text


def test_a_city_administrator_sees_and_edits_only_the_staff_of_the_city(
    console: Console,
) -> None:
    with console.factory() as s:
        add_staff(
            s,
            code="JN-admin",
            name="济南管理员",
            unit=console.province.units["JN"],
            role=Role.ADMIN,
            password_hash=HASH,
        )
        s.commit()
    client = console.login("JN-admin")
    listing = client.get("/console/admin/staff").text
    assert 'data-staff="JN-LX-am1"' in listing and 'data-staff="QD-SN-am1"' not in listing
    qd = console.province.staff["QD-SN-am1"]
    assert client.get(f"/console/admin/staff/{qd.id}").status_code == 404
    am2 = console.province.staff["JN-LX-am2"]
    page = client.get(f"/console/admin/staff/{am2.id}").text
    assert 'value="JN-PY-am"' in page and 'value="QD-SN-am"' not in page
    r = _edit(client, am2.id, role="account_manager", seat="", capacity="200", unit="QD-SN-am")
    assert r.status_code == 422 and "no unit QD-SN-am in your area" in r.text


def test_only_administrators_edit_staff(console: Console) -> None:
    am2 = console.province.staff["JN-LX-am2"]
    assert console.login("JN-sup").get(f"/console/admin/staff/{am2.id}").status_code == 403


# --- The read models behind the panels ------------------------------------------------------


def _write(path: Path, columns: dict[str, list[object]]) -> None:
    pq.write_table(pa.table(columns), path)


def test_contacts_and_cells_import_from_the_export_with_bad_rows_quarantined(
    console: Console, tmp_path: Path
) -> None:
    p = console.province
    c2 = p.customers["c2"]
    at = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    _write(
        tmp_path / "contacts.parquet",
        {
            "contact_id": ["X1", "X2", "X3"],
            "customer_id": [c2.code] * 3,
            "at": pa.array([at, at, at], pa.timestamp("ms", tz="UTC")),
            "channel": ["hall", "pigeon", "app"],
            "kind": ["enquiry", "enquiry", "complaint"],
            "category": [None, None, "billing"],
            "description_zh": ["咨询", "飞鸽传书", "账单有误"],
            "resolved": [True, True, False],
            "staff_id": ["QD-SN-agent", None, None],
            "satisfaction": [4, None, None],
        },
    )
    _write(
        tmp_path / "cells.parquet",
        {
            "cell_id": ["QDW1", "QDG2"],
            "county_id": ["QD-SN", "QD-SN"],
            "lat": [36.07, 36.08],
            "lon": [120.38, 120.39],
            "technology": ["wcdma", "gsm"],
            "band": ["WCDMA2100", "GSM900"],
        },
    )
    days = [date(2026, m, d) for m in (1, 2, 3) for d in (1, 15)]
    n = len(days)
    _write(
        tmp_path / "cell_kpi_daily.parquet",
        {
            "cell_id": ["QDW1"] * n + ["QDG2"] * n,
            "day": days * 2,
            **{
                k: [v] * (2 * n)
                for k, v in {
                    "rrc_att": 100,
                    "rrc_succ": 99,
                    "rab_att": 99,
                    "rab_succ": 98,
                    "rab_abnormal_rel": 1,
                    "ho_att": 50,
                    "ho_succ": 49,
                    "samples": 1000,
                    "weak_samples": 20,
                }.items()
            },
            "throughput_kbps": [800.0] * (2 * n),
            "voice_erl": [10.0] * (2 * n),
            "data_mb": [500.0] * (2 * n),
        },
    )
    months = [date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    _write(
        tmp_path / "customer_cells.parquet",
        {
            "customer_id": [c2.code] * 5,
            "month": [months[0], months[1], months[2], months[3], months[3]],
            "cell_id": ["QDG2", "QDW1", "QDW1", "QDW1", "QDG2"],
            "traffic_share": [1.0, 1.0, 1.0, 0.5, 0.5],
        },
    )
    now = utc(2026, 4, 1, 1)
    with console.factory() as s:
        first = import_contacts(s, tmp_path / "contacts.parquet", now=now)
        net = import_network(s, tmp_path, now=now)
        s.commit()
        again = import_contacts(s, tmp_path / "contacts.parquet", now=now)
        import_network(s, tmp_path, now=now)
        s.commit()
        assert (first.inserted, first.quarantined) == (2, 1)
        assert (again.inserted, again.unchanged) == (0, 2)
        assert s.scalar(select(func.count()).select_from(QuarantinedRow)) == 2
        assert s.scalar(select(func.count()).select_from(CustomerContact)) == 7  # 5 seeded
        assert (net.cells.inserted, net.kpis.inserted) == (2, 6)  # 2 cells × 3 months
        # The file's months replace the stored ones: of the seeded cells only December stays.
        assert s.scalar(select(func.count()).select_from(CellKpiMonthly)) == 2 + 6
        # The window is the last three months of the file: December is left out.
        shares = dict(
            s.execute(
                select(CustomerCell.cell_id, CustomerCell.traffic_share).where(
                    CustomerCell.customer_id == c2.id
                )
            ).all()
        )
        assert sorted(round(v, 4) for v in shares.values()) == [0.1667, 0.8333]
        view = customer_network(s, c2.id)
        assert view is not None and view.window_start == date(2026, 1, 1)
        assert view.cells[0].code == "QDW1"
        assert view.overall.accessibility == pytest.approx(0.99 * 98 / 99)
    html = console.login("QD-SN-am1").get(_customer(console, "c2")).text
    assert 'data-cell="QDW1"' in html and "账单有误" in html


# --- Dashboard figures (one pass over the orders) -----------------------------------------


def test_dashboard_figures_count_only_the_chosen_area(console: Console) -> None:
    from openpyxl import load_workbook

    from weixi.db.uow import UnitOfWork
    from weixi.workorders.kinds import WorkOrderKind
    from weixi.workorders.service import OrderCreate, create_order

    with UnitOfWork(console.factory, clock=console.clock) as uow:
        create_order(
            uow,
            None,
            OrderCreate(
                kind=WorkOrderKind.WARNING,
                title="流失预警",
                customer_id=console.province.customers["c2"].id,  # Qingdao
            ),
        )
        uow.commit()

    def warnings(who: str, query: str = "") -> tuple[object, ...]:
        import io

        r = console.login(who).get(f"/console/dashboard/export/sla.xlsx{query}")
        assert r.status_code == 200
        rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
        return next(row for row in rows if row[0] == "预警工单（挽留）")

    assert warnings("SD-sup")[1] == 2
    assert warnings("JN-sup")[1] == 1
    assert warnings("SD-sup", f"?city={console.province.units['QD'].id}")[1] == 1
    assert warnings("JN-LX-sup")[1] == 1
    r = console.login("JN-sup").get(f"/console/dashboard?city={console.province.units['QD'].id}")
    assert r.status_code == 404
