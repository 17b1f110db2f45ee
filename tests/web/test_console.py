"""Console pages over HTTP: log-in, masking, scope, CSRF, both languages, the main flows."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.web.conftest import Console, csrf_of
from tests.web.visible_text import PHONE, chinese_on_english_page, untranslated_on_chinese_page
from weixi.customers.models import Customer
from weixi.versioned.models import VersionedDocument
from weixi.web.console.i18n import LOCALES, MISSES, catalogue
from weixi.workorders.models import WorkOrder

pytestmark = pytest.mark.db


def pages_for(console: Console, who: str) -> list[str]:
    """Every page a role works with, on the seeded data."""
    p = console.province
    c1 = p.customers["c1"].id
    common = ["/console/", "/console/work", "/console/notifications"]
    by_role = {
        "JN-LX-am1": [
            f"/console/orders/{console.warning_order_id}",
            f"/console/customers/{c1}",
            "/console/customers?phone=0001",
            "/console/contacts/new?phone=0001",
            f"/console/contacts/new?customer_id={c1}",
        ],
        "hotline-1": [
            f"/console/customers/{c1}",
            "/console/customers?phone=13800000001",
            "/console/contacts/new?phone=0002",
        ],
        "JN-sup": [
            "/console/work?area=true",
            f"/console/orders/{console.warning_order_id}",
            f"/console/customers/{c1}",
            "/console/dashboard",
            f"/console/dashboard?county={p.units['JN-LX'].id}",
        ],
        "admin": [
            "/console/dashboard",
            "/console/admin/staff",
            f"/console/admin/staff/{p.staff['JN-LX-am1'].id}",
            "/console/admin/config/dispatch_rules",
            "/console/admin/config/sla_policies",
            "/console/admin/config/tier_rules",
            "/console/admin/config/callback_script:resolution",
            f"/console/customers/{c1}",
        ],
    }
    return common + by_role[who]


def test_anonymous_visitors_are_sent_to_the_log_in_page(console: Console) -> None:
    client = console.login("admin")
    client.cookies.clear()
    r = client.get("/console/work?status=open", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/console/login?next=/console/work")


def test_wrong_password_shows_the_log_in_page_again(console: Console) -> None:
    client = console.login("admin")
    client.cookies.clear()
    token = csrf_of(client, "/console/login")
    r = client.post(
        "/console/login", data={"login": "admin", "password": "nope-nope", "csrf_token": token}
    )
    assert r.status_code == 401
    assert "登录名或密码错误" in r.text


@pytest.mark.parametrize("who", ["hotline-1", "JN-sup"])
def test_no_page_shows_a_whole_phone_number_to_roles_that_may_not_see_it(
    console: Console, who: str
) -> None:
    client = console.login(who)
    for url in pages_for(console, who):
        r = client.get(url)
        assert r.status_code == 200, url
        assert not PHONE.findall(r.text), f"{who} sees a whole number on {url}"


def test_account_managers_see_their_customers_numbers_whole(console: Console) -> None:
    client = console.login("JN-LX-am1")
    r = client.get(f"/console/customers/{console.province.customers['c1'].id}")
    assert "13800000001" in r.text


def test_an_agent_searching_by_phone_sees_masked_results(console: Console) -> None:
    client = console.login("hotline-1")
    r = client.get("/console/customers?phone=13800000001")
    assert "138****0001" in r.text
    assert "13800000001" not in r.text.replace('value="13800000001"', "")


def test_orders_and_customers_outside_my_area_answer_404(console: Console) -> None:
    p = console.province
    qd = console.login("QD-SN-am1")
    assert qd.get(f"/console/orders/{console.warning_order_id}").status_code == 404
    assert qd.get(f"/console/customers/{p.customers['c1'].id}").status_code == 404
    county_sup = console.login("JN-LX-sup")
    assert county_sup.get(f"/console/dashboard?county={p.units['QD-SN'].id}").status_code == 404
    assert county_sup.get(f"/console/dashboard?city={p.units['JN'].id}").status_code == 404
    page = county_sup.get(f"/console/dashboard?county={p.units['JN-PY'].id}")
    assert page.status_code == 404
    assert "未找到" in page.text


def test_posts_without_the_csrf_token_are_refused(console: Console) -> None:
    client = console.login("JN-LX-am1")
    url = f"/console/orders/{console.warning_order_id}/accept"
    assert client.post(url).status_code == 403
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 403
    with console.factory() as s:
        assert s.get(WorkOrder, console.warning_order_id).status == "dispatched"


def test_an_account_manager_works_a_warning_order_through_a_callback_to_closure(
    console: Console,
) -> None:
    client = console.login("JN-LX-am1")
    oid = console.warning_order_id
    page = client.get(f"/console/orders/{oid}")
    assert "近三月通话量下降60%" in page.text  # the warning's reasons
    token = csrf_of(client, f"/console/orders/{oid}")
    client.post(f"/console/orders/{oid}/accept", data={"csrf_token": token})
    noted = client.post(
        f"/console/orders/{oid}/note", data={"csrf_token": token, "reason": "客户晚上方便接电话"}
    )
    assert "备注已添加" in noted.text
    assert "客户晚上方便接电话" in noted.text
    answers = "{}"
    for qid, value in (("reason", "price"), ("offer_accepted", "yes"), ("score", "5")):
        r = client.post(
            f"/console/orders/{oid}/callback/step",
            data={"csrf_token": token, "answers_json": answers, "question_id": qid, "value": value},
        )
        assert r.status_code == 200
        answers = re.search(r'name="answers_json" value="([^"]*)"', r.text).group(1)
        answers = answers.replace("&#34;", '"').replace("&quot;", '"')
    assert "记录后工单将闭环" in r.text
    r = client.post(
        f"/console/orders/{oid}/callback/record",
        data={"csrf_token": token, "answers_json": answers, "reached": "yes"},
    )
    assert "回访已记录：工单已闭环" in r.text
    with console.factory() as s:
        order = s.get(WorkOrder, oid)
        assert (order.status, order.outcome) == ("closed", "retained")


def test_a_hall_agent_logs_a_complaint_and_owns_it(console: Console) -> None:
    client = console.login("JN-LX-agent")
    cid = console.province.customers["c1"].id
    token = csrf_of(client, f"/console/contacts/new?customer_id={cid}")
    r = client.post(
        "/console/contacts",
        data={
            "csrf_token": token,
            "customer_id": cid,
            "kind": "complaint",
            "category": "network",
            "title": "信号差",
        },
    )
    assert r.status_code == 200
    assert "您是首问负责人" in r.text
    with console.factory() as s:
        order = s.scalars(select(WorkOrder).where(WorkOrder.title == "信号差")).one()
        assert order.first_contact_owner_id == console.province.staff["JN-LX-agent"].id
    assert "信号差" in client.get("/console/work").text


def test_an_invalid_dispatch_rule_set_is_refused_and_a_valid_one_versioned(
    console: Console,
) -> None:
    client = console.login("admin")
    url = "/console/admin/config/dispatch_rules"
    token = csrf_of(client, url)
    bad = client.post(url, data={"csrf_token": token, "text": '{"rules": [{"pool": "moon"}]}'})
    assert bad.status_code == 422
    assert "未保存" in bad.text
    good = '{"rules": [{"name": "all", "pool": "county_team"}]}'
    r = client.post(url, data={"csrf_token": token, "text": good, "comment": "one pool"})
    assert r.status_code == 200
    assert "one pool" in r.text
    with console.factory() as s:
        doc = s.scalars(select(VersionedDocument).where(VersionedDocument.name == "dispatch_rules"))
        assert [d.author_id for d in doc] == [console.province.staff["admin"].id]


def test_dashboard_tables_export_to_excel(console: Console) -> None:
    client = console.login("JN-sup")
    r = client.get("/console/dashboard/export/queue.xlsx")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "类型"
    assert rows[2][0] == "预警工单（挽留）"


def test_every_message_id_is_translated_in_both_catalogues() -> None:
    from tests.web.messages import message_ids

    ids = message_ids()
    for locale in LOCALES:
        missing = sorted(ids - set(catalogue(locale)))
        assert not missing, f"{locale} lacks {missing}"
    zh = catalogue("zh_CN")
    untranslated = [i for i in ids if zh[i] == i and i not in {"SLA"}]
    assert not untranslated


@pytest.mark.parametrize("who", ["JN-LX-am1", "hotline-1", "JN-sup", "admin"])
def test_every_page_is_fully_translated_in_both_languages(console: Console, who: str) -> None:
    client = console.login(who)
    english_ids = set(catalogue("en")) - {"SLA"}
    MISSES.clear()
    for url in pages_for(console, who):
        zh = client.get(url)
        assert untranslated_on_chinese_page(zh.text, english_ids) == [], url
    client.get("/console/lang/en")
    for url in pages_for(console, who):
        en = client.get(url)
        assert 'lang="en"' in en.text
        assert chinese_on_english_page(en.text) == [], url
    assert not MISSES


def test_language_choice_survives_log_out_and_log_in(console: Console) -> None:
    client = console.login("admin")
    client.get("/console/lang/en")
    assert "Log out" in client.get("/console/").text
    client.post("/console/logout", data={"csrf_token": csrf_of(client, "/console/")})
    assert "Log in to weixi" in client.get("/console/login").text


def test_customer_numbers_stay_whole_in_storage(console: Console) -> None:
    with console.factory() as s:
        phones = s.scalars(select(Customer.phone)).all()
    assert all(PHONE.fullmatch(p) for p in phones)


def test_an_administrator_deactivates_a_staff_member_who_then_cannot_log_in(
    console: Console,
) -> None:
    client = console.login("admin")
    staff_id = console.province.staff["JN-LX-am2"].id
    token = csrf_of(client, "/console/admin/staff")
    r = client.post(
        f"/console/admin/staff/{staff_id}/active", data={"csrf_token": token, "active": "false"}
    )
    assert "员工已停用" in r.text
    other = console.login("admin")
    other.cookies.clear()
    token = csrf_of(other, "/console/login")
    refused = other.post(
        "/console/login",
        data={"login": "JN-LX-am2", "password": "correct-horse-9", "csrf_token": token},
    )
    assert refused.status_code == 401


def test_only_administrators_reach_administration(console: Console) -> None:
    assert console.login("JN-sup").get("/console/admin/staff").status_code == 403
