"""Each role's main flow in a real browser (Debian's chromium), with screenshots for the docs.

The tests share one server (one xdist group) but do not depend on each other's order: each
creates what it needs. The breach test moves the shared clock forward, which only makes
other orders later, never blocks them.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, Server, shot
from tests.web.visible_text import PHONE, chinese_on_english_page, untranslated_on_chinese_page
from weixi.web.console.i18n import catalogue
from weixi.workorders.jobs import tick
from weixi.workorders.kinds import WorkOrderKind
from weixi.workorders.service import OrderCreate, create_order

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _status(page: Page) -> str:
    return page.locator("p.summary .pill").first.inner_text()


def test_account_manager_works_a_warning_order_through_a_callback_to_closure(
    open_as, server: Server
) -> None:
    page: Page = open_as("JN-LX-am1")
    shot(page, "home-account-manager")
    page.click("[data-nav=work]")
    row = page.locator(f"tr[data-order='{server.warning_order_id}']")
    expect(row).to_contain_text("13800000001")  # managers call their customers: number whole
    shot(page, "my-work")
    row.locator("a").first.click()
    expect(page.locator("#reasons")).to_contain_text("近三个月通话分钟数下降 60%")
    expect(page.locator("#reasons")).to_contain_text("推荐 96 元融合套餐")
    page.click("#do-accept")
    expect(page.locator(".flash")).to_have_text("已受理工单")
    shot(page, "order-warning")
    page.click("#do-callback")
    expect(page.locator("#question")).to_have_attribute("data-question", "reason")
    page.click("#answer-price")
    expect(page.locator("#question")).to_have_attribute("data-question", "offer_accepted")
    page.click("#answer-yes")
    expect(page.locator("#question")).to_have_attribute("data-question", "score")
    shot(page, "callback-runner")
    page.click("#answer-score-5")
    expect(page.locator("#runner-done")).to_contain_text("记录后工单将闭环")
    page.click("#record-callback")
    expect(page.locator(".flash")).to_have_text("回访已记录：工单已闭环")
    assert _status(page) == "已闭环"
    expect(page.locator("#callbacks")).to_contain_text("是")
    page.click("#customer-summary dd a")  # the customer's name: to the 360 view
    expect(page.locator("#usage-chart svg")).to_be_visible()
    expect(page.locator("#churn-risk")).to_contain_text("82")
    expect(page.locator("#contact-timeline tbody tr")).to_have_count(5)
    expect(page.locator("#contact-channels")).to_contain_text("10010专家坐席")
    expect(page.locator("#contact-timeline")).to_contain_text("13912345678")  # managers: whole
    expect(page.locator("#network-overall")).to_contain_text("94.6%")
    expect(page.locator("tr[data-cell='JN-LX-G0002']")).to_have_class("row-red")
    expect(page.locator("tr[data-cell='JN-LX-G0002'] td.v-poor")).to_have_count(4)
    shot(page, "customer-360")
    page.locator("#network").screenshot(path=str(SCREENSHOTS / "customer-360-network.png"))


def test_hotline_complaint_not_resolved_reopens_and_the_first_contact_owner_sees_it_all(
    open_as, server: Server
) -> None:
    agent: Page = open_as("hotline-1")
    agent.click("[data-nav=contact]")
    agent.fill("#contact-phone", "13800000001")
    agent.click("#contact-search")
    expect(agent.locator("#customer-results")).to_contain_text("138****0001")
    agent.locator("#customer-results a.button").first.click()
    agent.select_option("#contact-kind", "complaint")
    agent.select_option("#contact-category", "network")
    agent.fill("#contact-title", "家中信号差，通话经常中断")
    agent.fill("#contact-description", "客户反映近一周晚上在家打电话经常掉线。")
    shot(agent, "log-complaint")
    agent.click("#contact-submit")
    expect(agent.locator(".flash")).to_contain_text("您是首问负责人")
    order_url = agent.url
    order_id = int(order_url.rsplit("/", 1)[1])
    expect(agent.locator("#first-contact-owner")).to_contain_text("hotline-1")
    expect(agent.locator("#customer-summary")).to_contain_text("138****0001")

    network: Page = open_as("JN-LX-network-h")
    network.click("[data-nav=work]")
    network.locator(f"tr[data-order='{order_id}'] a").first.click()
    network.click("#do-accept")
    network.fill("#form-resolve textarea", "已调整基站天线，信号恢复")
    network.click("#do-resolve")
    expect(network.locator(".flash")).to_contain_text("工单已处理完毕")

    agent.goto(order_url)
    agent.click("#do-callback")
    question = agent.locator("#question")
    agent.click("#answer-no")
    expect(question).to_have_attribute("data-question", "remaining")
    agent.fill("#answer-text", "晚上还是掉线")
    agent.click("#answer-submit")
    expect(question).to_have_attribute("data-question", "handling")
    agent.click("#answer-score-2")
    expect(question).to_have_attribute("data-question", "attitude")
    agent.click("#answer-score-3")
    expect(agent.locator("#runner-done")).to_contain_text("工单将重开")
    agent.click("#record-callback")
    expect(agent.locator(".flash")).to_contain_text("工单已重开")
    expect(agent.locator("#timeline [data-event=reopened]")).to_be_visible()
    expect(agent.locator("#callbacks td.resolved")).to_have_text("未解决")
    shot(agent, "order-reopened")

    agent.click("[data-nav=work]")
    row = agent.locator(f"tr[data-order='{order_id}']")
    expect(row).to_contain_text("首问：我")
    expect(row).to_contain_text("已派发")
    agent.click("[data-nav=notifications]")
    notes = agent.locator("#notifications")
    for change in ("accepted", "resolved"):
        expect(notes).to_contain_text(f"#{order_id}")
        assert agent.locator(f"#notifications tr:has-text('#{order_id}')").count() >= 2, change
    shot(agent, "notifications")

    network.click("[data-nav=work]")
    expect(network.locator(f"tr[data-order='{order_id}']")).to_be_visible()  # back to it


def test_city_supervisor_drills_down_from_city_to_county(open_as, server: Server) -> None:
    page: Page = open_as("JN-sup")
    page.click("[data-nav=dashboard]")
    expect(page.locator("#area-name")).to_have_text("济南市")
    expect(page.locator("#chart-sla svg")).to_be_visible()
    shot(page, "dashboard-city")
    county = server.province.units["JN-LX"].id
    page.click(f"[data-drill='{county}']")
    expect(page.locator("#area-name")).to_have_text("历下区")
    expect(page.locator("#crumbs")).to_contain_text("济南市")
    with page.expect_download() as download:
        page.click("#table-sla [data-export=sla]")
    assert download.value.suggested_filename.endswith(".xlsx")
    page.click("#crumbs a")
    expect(page.locator("#area-name")).to_have_text("济南市")


def test_county_supervisor_sees_the_sla_breach_and_escalates(open_as, server: Server) -> None:
    with server.uow() as uow:
        order = create_order(
            uow,
            None,
            OrderCreate(
                kind=WorkOrderKind.FAULT,
                title="宽带故障无法上网",
                customer_id=server.province.customers["c1"].id,
                category="fixed_line",
            ),
        )
        uow.commit()
        order_id = order.id
    server.clock.advance(timedelta(hours=49))  # past the 48-hour town repair limit
    with server.uow() as uow:
        tick(uow)
        uow.commit()

    page: Page = open_as("JN-LX-sup")
    expect(page.locator("#tile-area-breached b")).not_to_have_text("0")
    page.goto(f"{server.url}/console/work?area=true")
    row = page.locator(f"tr[data-order='{order_id}']")
    expect(row.locator("[data-sla=red]")).to_be_visible()
    shot(page, "work-area-breach")
    row.locator("a").first.click()
    expect(page.locator("#escalation-level")).to_contain_text("县级主管")
    expect(page.locator("#timeline [data-event=escalated]")).to_be_visible()
    page.go_back()
    row.locator("input[type=checkbox]").check()
    page.select_option("#bulk-form select[name=action]", "transfer")
    page.select_option("#bulk-form select[name=department]", "network")
    page.fill("#bulk-form input[name=reason]", "固网部超时，转网络部协同处理")
    page.click("#bulk-form button[type=submit]")
    expect(page.locator(".flash")).to_have_text("批量操作已完成")
    page.goto(f"{server.url}/console/orders/{order_id}")
    expect(page.locator("#timeline [data-event=transferred]")).to_be_visible()
    page.fill("form[action$='/escalate'] input[name=reason]", "超时未修复，请市公司协调")
    page.click("#do-escalate")
    expect(page.locator(".flash")).to_have_text("工单已升级至上一级")
    expect(page.locator("#escalation-level")).to_contain_text("市级主管")
    page.click("[data-nav=dashboard]")
    expect(page.locator("#table-sla")).to_contain_text("故障")
    shot(page, "dashboard-county")

    server.clock.advance(timedelta(hours=30))  # long past the limit: climbs to the city
    with server.uow() as uow:
        tick(uow)
        uow.commit()
    city: Page = open_as("JN-sup")
    city.goto(f"{server.url}/console/orders/{order_id}")
    expect(city.locator("#escalation-level")).to_contain_text("市级主管")


ROLE_PAGES = {
    "admin": [
        "/console/admin/staff",
        "/console/admin/config/dispatch_rules",
        "/console/admin/config/callback_script:retention",
        "/console/dashboard",
    ],
    "hotline-1": [
        "/console/",
        "/console/work",
        "/console/contacts/new?phone=0001",
        "/console/customers?phone=13800000001",
        "/console/notifications",
    ],
    "JN-LX-am1": ["/console/work?status=all", "/console/customers"],
}


@pytest.mark.parametrize("who", sorted(ROLE_PAGES))
def test_language_switch_on_every_page_leaves_no_untranslated_text(
    open_as, server: Server, who: str
) -> None:
    page: Page = open_as(who)
    english_ids = set(catalogue("en")) - {"SLA"}
    pages = [*ROLE_PAGES[who], f"/console/customers/{server.province.customers['c1'].id}"]
    if who == "admin":
        pages.append(f"/console/admin/staff/{server.province.staff['JN-LX-am1'].id}")
    if who == "JN-LX-am1":
        pages.append(f"/console/orders/{server.warning_order_id}")
    for path in pages:
        page.goto(server.url + path)
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        html = page.content()
        assert untranslated_on_chinese_page(html, english_ids) == [], path
        if who == "hotline-1":  # agents may not see numbers whole (managers, admins may)
            assert not PHONE.findall(html), f"{who} sees a whole number on {path}"
        page.click("#lang-switch")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert chinese_on_english_page(page.content()) == [], path
        if path == "/console/admin/staff":
            shot(page, "admin-staff-en")
        page.click("#lang-switch")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")


def test_my_work_is_usable_at_tablet_width(open_as, server: Server) -> None:
    agent = server.province.actors["hotline-1"]
    with server.uow() as uow:
        complaint = OrderCreate(
            kind=WorkOrderKind.COMPLAINT,
            title="话费账单有疑问",
            customer_id=server.province.customers["c3"].id,
            category="billing",
            channel="hotline",
        )
        create_order(uow, agent, complaint)
        uow.commit()
    page: Page = open_as("hotline-1", width=820, height=1180)
    page.click("[data-nav=work]")
    expect(page.locator("#work-table tr[data-order]")).not_to_have_count(0)  # the complaint
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 820 + 1, "the page scrolls sideways at tablet width"
    shot(page, "my-work-tablet")


def test_administrator_edits_a_staff_members_role_and_sees_who_changed_what(
    open_as, server: Server
) -> None:
    page: Page = open_as("admin")
    page.click("[data-nav=admin]")
    page.locator("tr[data-staff='JN-PY-agent'] a.edit-staff").click()
    expect(page.locator("h1")).to_contain_text("JN-PY-agent")
    # A hall agent cannot sit in an account-manager team: refused, nothing saved.
    page.select_option("#staff-unit", "JN-PY-am")
    page.click("#staff-save")
    expect(page.locator("#problems")).to_contain_text("does not work in a unit of kind am_team")
    expect(page.locator("#staff-versions")).to_have_count(0)
    # Moved to the 10010 centre as an expert seat with two skills.
    page.select_option("#staff-role", "hotline_agent")
    page.select_option("#staff-seat", "expert")
    page.select_option("#staff-unit", "10010")
    page.check("#staff-skills input[value=roaming]")
    page.check("#staff-skills input[value=broadband]")
    page.fill("#staff-capacity", "40")
    page.fill("#staff-comment", "调入10010专家坐席")
    page.click("#staff-save")
    expect(page.locator(".flash")).to_have_text("修改已保存")
    latest = page.locator("#staff-versions tbody tr").first
    expect(latest).to_contain_text("员工admin (admin)")
    expect(latest).to_contain_text("调入10010专家坐席")
    expect(latest.locator("li[data-field=role]")).to_contain_text("营业员")
    expect(latest.locator("li[data-field=seat]")).to_contain_text("专家坐席")
    expect(latest.locator("li[data-field=skills]")).to_contain_text("漫游")
    expect(page.locator("#staff-role")).to_have_value("hotline_agent")
    shot(page, "admin-staff-edit")
    page.click("#admin-nav a >> nth=0")
    expect(page.locator("tr[data-staff='JN-PY-agent']")).to_contain_text("专家坐席")
