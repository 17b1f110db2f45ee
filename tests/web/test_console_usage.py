"""The usage read model behind the 360 view's chart: the import (validated, quarantined,
idempotent, twelve months per customer) and the chart drawn from it, on both backends."""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from tests.web.conftest import Console
from weixi.clock import utc
from weixi.customers.models import ImportRun, QuarantinedRow
from weixi.customers.usage import CustomerUsageMonth, import_usage, monthly_usage

pytestmark = pytest.mark.db

NOW = utc(2026, 3, 5, 1)


def _months(first: date, n: int) -> list[date]:
    return [date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
            for i in range(n)]  # fmt: skip


def _row(customer: str, month: date, i: int, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "customer_id": customer,
        "month": month,
        "voice_minutes": 400.0 - 10 * i,
        "sms": 30 - i,
        "data_mb": 1000.0 + 50.5 * i,
        "roaming_minutes": 0.0,
        "dropped_calls": i % 4,
        "bill_amount": 96.0 + (i % 3) * 8.25,
        "arrears": 0.0,
        "topup_amount": 0.0,
        "plan_changed": False,
    }
    return row | changes


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    schema = pa.schema(
        [
            ("customer_id", pa.string()),
            ("month", pa.date32()),
            ("voice_minutes", pa.float64()),
            ("sms", pa.int64()),
            ("data_mb", pa.float64()),
            ("roaming_minutes", pa.float64()),
            ("dropped_calls", pa.int64()),
            ("bill_amount", pa.float64()),
            ("arrears", pa.float64()),
            ("topup_amount", pa.float64()),
            ("plan_changed", pa.bool_()),
        ]
    )
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


#: Thirteen months of c1: February 2025 to February 2026 (the oldest is one too many).
C1_MONTHS = _months(date(2025, 2, 1), 13)


def _export(console: Console, path: Path) -> Path:
    c1, c2 = console.province.customers["c1"].code, console.province.customers["c2"].code
    rows = [_row(c1, m, i) for i, m in enumerate(C1_MONTHS)]
    rows += [_row(c2, date(2026, 1, 1), 0), _row(c2, date(2026, 2, 1), 1)]
    rows.append(_row(c2, date(2025, 12, 1), 2, voice_minutes=-5.0))  # row 16: negative
    rows.append(_row("NOPE-1", date(2026, 2, 1), 0))  # row 17: no such customer
    rows.append(_row(c2, date(2026, 2, 1), 3))  # row 18: c2's February again
    return _write(path, rows)


def _stored(console: Console) -> list[tuple[object, ...]]:
    u = CustomerUsageMonth
    with console.factory() as s:
        rows = s.execute(
            select(
                u.customer_id, u.month, u.voice_minutes, u.data_mb, u.sms, u.bill_amount,
                u.dropped_calls,
            ).order_by(u.customer_id, u.month)
        )  # fmt: skip
        return [tuple(r) for r in rows]


def test_usage_imports_with_bad_rows_quarantined_and_twelve_months_kept(
    console: Console, tmp_path: Path
) -> None:
    path = _export(console, tmp_path / "usage_monthly.parquet")
    c1, c2 = console.province.customers["c1"], console.province.customers["c2"]
    with console.factory() as s:
        report = import_usage(s, path, now=NOW)
        s.commit()
        assert report.rows_read == 18
        assert (report.inserted, report.updated, report.unchanged) == (14, 0, 0)
        assert report.quarantined == 3 and report.older == 1 and report.removed == 0
        assert report.reasons == {
            "out_of_range": 1,
            "unknown_reference": 1,
            "duplicate_key": 1,
        }
        refused = s.execute(
            select(QuarantinedRow.file, QuarantinedRow.row_number, QuarantinedRow.field,
                   QuarantinedRow.reason).order_by(QuarantinedRow.row_number)
        ).all()  # fmt: skip
        assert [(f, n, fld) for f, n, fld, _ in refused] == [
            (str(path), 16, "voice_minutes"),
            (str(path), 17, "customer_id"),
            (str(path), 18, "customer_id+month"),
        ]
        reasons = [r for *_, r in refused]
        assert reasons[0].startswith("out_of_range")
        assert reasons[1] == "unknown_reference: customer NOPE-1 was not imported"
        assert reasons[2].startswith("duplicate_key")
        run = s.scalars(select(ImportRun).where(ImportRun.table == "usage_monthly")).one()
        assert (run.rows_read, run.inserted, run.quarantined) == (18, 14, 3)
    stored = _stored(console)
    c1_months = [m for cid, m, *_ in stored if cid == c1.id]
    assert c1_months == C1_MONTHS[1:]  # the newest twelve; February 2025 is not kept
    assert [m for cid, m, *_ in stored if cid == c2.id] == [date(2026, 1, 1), date(2026, 2, 1)]
    # The values are the file's, to the last bit (floats and counts alike).
    last = next(r for r in stored if r[0] == c1.id and r[1] == date(2026, 2, 1))
    assert last[2:] == (280.0, 1606.0, 18, 96.0, 0)


def test_re_importing_the_same_file_changes_nothing(console: Console, tmp_path: Path) -> None:
    path = _export(console, tmp_path / "usage_monthly.parquet")
    with console.factory() as s:
        import_usage(s, path, now=NOW)
        s.commit()
    before = _stored(console)
    with console.factory() as s:
        again = import_usage(s, path, now=NOW)
        s.commit()
    assert (again.inserted, again.updated, again.unchanged, again.removed) == (0, 0, 14, 0)
    assert again.older == 1 and again.quarantined == 3
    assert _stored(console) == before


def test_a_newer_export_updates_changed_months_and_pushes_the_oldest_out(
    console: Console, tmp_path: Path
) -> None:
    c1 = console.province.customers["c1"]
    with console.factory() as s:
        import_usage(s, _export(console, tmp_path / "usage_monthly.parquet"), now=NOW)
        s.commit()
    newer = [
        _row(c1.code, date(2026, 2, 1), 12, bill_amount=120.5),  # corrected bill
        _row(c1.code, date(2026, 3, 1), 13),
    ]
    with console.factory() as s:
        report = import_usage(s, _write(tmp_path / "usage_2.parquet", newer), now=NOW)
        s.commit()
    assert (report.inserted, report.updated, report.unchanged) == (1, 1, 0)
    assert report.removed == 1  # March 2025 left the window
    months = [m for cid, m, *_ in _stored(console) if cid == c1.id]
    assert months == _months(date(2025, 4, 1), 12)
    with console.factory() as s:
        usage = monthly_usage(s, console.province.actors["JN-LX-am1"], c1.id)
    assert usage[-1].month == date(2026, 3, 1) and usage[-2].bill_amount == 120.5


def _chart(page: str) -> dict[str, object]:
    match = re.search(r"data-chart='([^']*)'", page[page.index('id="usage"') :])
    assert match, "no usage chart"
    chart: dict[str, object] = json.loads(html_lib.unescape(match.group(1)))
    return chart


def test_the_360_chart_shows_the_twelve_months_from_the_database(
    console: Console, tmp_path: Path
) -> None:
    with console.factory() as s:
        import_usage(s, _export(console, tmp_path / "usage_monthly.parquet"), now=NOW)
        s.commit()
    url = f"/console/customers/{console.province.customers['c1'].id}"
    chart = _chart(console.login("JN-LX-am1").get(url).text)
    expected = [(i, m) for i, m in enumerate(C1_MONTHS)][1:]
    assert chart["xAxis"] == {"type": "category", "data": [f"{m:%Y-%m}" for _, m in expected]}
    series = {s["name"]: s["data"] for s in chart["series"]}  # type: ignore[attr-defined]
    assert series["通话分钟"] == [400.0 - 10 * i for i, _ in expected]
    assert series["流量（MB）"] == [round(1000.0 + 50.5 * i, 1) for i, _ in expected]
    assert series["账单（元）"] == [96.0 + (i % 3) * 8.25 for i, _ in expected]
    # A hotline agent serves the whole province and sees the same months, in English too.
    agent = console.login("hotline-1")
    agent.get("/console/lang/en")
    english = _chart(agent.get(url).text)
    assert english["xAxis"] == chart["xAxis"]
    assert "Bill (yuan)" in {s["name"] for s in english["series"]}  # type: ignore[attr-defined]


def test_usage_is_read_only_for_customers_the_actor_may_see(
    console: Console, tmp_path: Path
) -> None:
    p = console.province
    with console.factory() as s:
        import_usage(s, _export(console, tmp_path / "usage_monthly.parquet"), now=NOW)
        s.commit()
        assert len(monthly_usage(s, p.actors["JN-LX-am1"], p.customers["c1"].id)) == 12
        assert monthly_usage(s, p.actors["QD-SN-am1"], p.customers["c1"].id) == []
        assert monthly_usage(s, p.actors["QD-sup"], p.customers["c1"].id) == []
        assert len(monthly_usage(s, p.actors["JN-sup"], p.customers["c1"].id)) == 12
    page = console.login("JN-PY-am1").get(f"/console/customers/{p.customers['c3'].id}").text
    assert 'id="no-usage"' in page
    other_area = console.login("QD-SN-am1").get(f"/console/customers/{p.customers['c1'].id}")
    assert other_area.status_code == 404
