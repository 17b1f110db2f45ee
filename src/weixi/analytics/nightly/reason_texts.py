"""How the nightly features read as churn reasons, with the action and script for each.

Each template names how its value is shown: ``pct`` (a share, shown as a percentage),
``change`` (a relative change, shown as a signed percentage), ``num`` (one decimal),
``int``, ``yuan`` or ``times``. Features without a template fall back to the feature
catalogue's own meaning, so every reason is readable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from weixi.analytics.features import FEATURES


@dataclass(frozen=True)
class Template:
    zh: str
    en: str
    fmt: str
    action: str
    script: str = "retention"


T = Template
NET, BILL, CARE = "open_network_ticket", "offer_plan_review", "escalate_complaint"

TEMPLATES: dict[str, Template] = {
    "worst_cell_drops_per_day": T(
        "常用小区每天掉话{v}次", "{v} dropped calls a day on the cell used most", "num", NET
    ),
    "dropped_calls_per_day_last": T("每天掉话{v}次", "{v} dropped calls a day", "num", NET),
    "dropped_calls_last": T("上月掉话{v}次", "{v} dropped calls last month", "int", NET),
    "worst_cell_drop_rate": T(
        "常用小区掉话率{v}", "drop rate {v} on the cell used most", "pct", NET
    ),
    "net_drop_rate": T("掉话率{v}", "call drop rate {v}", "pct", NET),
    "net_weak_coverage_share": T(
        "{v}的信号采样处于弱覆盖", "{v} of signal samples in weak coverage", "pct", NET
    ),
    "net_access_rate": T("接入成功率仅{v}", "access success only {v}", "pct", NET),
    "net_rrc_success_rate": T("RRC建立成功率仅{v}", "RRC set-up success only {v}", "pct", NET),
    "net_rab_success_rate": T("RAB建立成功率仅{v}", "RAB set-up success only {v}", "pct", NET),
    "net_ho_success_rate": T("切换成功率仅{v}", "handover success only {v}", "pct", NET),
    "net_throughput_kbps": T("下载速率仅{v} kbit/s", "throughput only {v} kbit/s", "int", NET),
    "bill_vs_avg_6m": T(
        "账单较6个月均值变化{v}", "bill {v} on the 6-month average", "change", BILL
    ),
    "bill_abnormal_flag": T(
        "账单异常：超过前5个月均值3倍",
        "abnormal bill: over 3× the previous 5-month average",
        "int",
        BILL,
    ),
    "bill_trend": T("账单较前几月变化{v}", "bill {v} on previous months", "change", BILL),
    "bill_cv_6m": T("账单波动大（变异系数{v}）", "volatile bills (variation {v})", "num", BILL),
    "contract_days_left": T("合约{v}天后到期", "contract ends in {v} days", "int", "offer_renewal"),
    "complaints_unresolved_180d": T(
        "近180天有{v}件投诉未解决", "{v} unresolved complaints in 180 days", "int", CARE
    ),
    "complaints_90d": T("近90天投诉{v}次", "{v} complaints in 90 days", "int", CARE),
    "network_complaints_90d": T(
        "近90天网络投诉{v}次", "{v} network complaints in 90 days", "int", NET
    ),
    "billing_complaints_90d": T(
        "近90天计费投诉{v}次", "{v} billing complaints in 90 days", "int", BILL
    ),
    "days_since_last_complaint": T("{v}天前刚投诉过", "complained {v} days ago", "int", CARE),
    "arrears_last": T("欠费{v}元", "arrears of {v} yuan", "yuan", "arrange_payment"),
    "arrears_months_6m": T(
        "近6个月有{v}个月欠费", "in arrears {v} of 6 months", "int", "arrange_payment"
    ),
    "tenure_days": T("在网仅{v}天", "only {v} days with us", "int", "welcome_care", "onboarding"),
    "device_age_days": T("手机已用{v}天", "handset {v} days old", "int", "offer_device_upgrade"),
    "voice_trend": T("通话量变化{v}", "voice use {v}", "change", "usage_care"),
    "data_trend": T("流量变化{v}", "data use {v}", "change", "usage_care"),
    "topup_trend": T("充值变化{v}", "top-ups {v}", "change", "usage_care"),
    "fixed_orders_late_180d": T(
        "近180天装移修超时{v}次",
        "{v} late install/repair orders in 180 days",
        "int",
        "escalate_fixed_line",
    ),
    "satisfaction_avg_90d": T(
        "近90天满意度仅{v}分", "satisfaction only {v} in 90 days", "num", "service_recovery"
    ),
    "data_mb_last": T("上月流量仅{v} MB", "only {v} MB of data last month", "int", "usage_care"),
    "voice_minutes_last": T(
        "上月通话仅{v}分钟", "only {v} voice minutes last month", "int", "usage_care"
    ),
    "net_cells_used": T("常用小区{v}个", "uses {v} cells", "int", NET),
    "arpu_3m": T("近3个月ARPU {v}元", "3-month ARPU {v} yuan", "yuan", BILL),
    "bill_last": T("上月账单{v}元", "last bill {v} yuan", "yuan", BILL),
    "bill_avg_6m": T("近6个月平均账单{v}元", "6-month average bill {v} yuan", "yuan", BILL),
    "bill_prev5_avg": T(
        "前5个月平均账单{v}元", "previous 5-month average bill {v} yuan", "yuan", BILL
    ),
    "bill_std_6m": T("账单波动{v}元", "bills vary by {v} yuan", "yuan", BILL),
    "topup_last": T("上月充值{v}元", "last top-up {v} yuan", "yuan", "usage_care"),
    "topup_total_6m": T("近6个月充值{v}元", "{v} yuan topped up in 6 months", "yuan", "usage_care"),
    "roaming_minutes_last": T(
        "上月漫游{v}分钟", "{v} roaming minutes last month", "int", "offer_roaming_pack"
    ),
    "fault_reports_90d": T(
        "近90天报障{v}次", "{v} fault reports in 90 days", "int", "escalate_fixed_line"
    ),
    "contacts_90d": T("近90天联系客服{v}次", "{v} service contacts in 90 days", "int", CARE),
    "fixed_orders_open": T(
        "有{v}张装移修单未完成",
        "{v} install/repair orders still open",
        "int",
        "escalate_fixed_line",
    ),
    "plan_fee_total": T("月套餐费{v}元", "plans worth {v} yuan a month", "yuan", BILL),
    "mobile_plan_fee": T("手机套餐{v}元", "mobile plan {v} yuan", "yuan", BILL),
    "plan_fee_3g": T("3G套餐{v}元", "3G plan {v} yuan", "yuan", BILL),
    "product_count": T("仅有{v}项业务", "only {v} products", "int", "offer_bundle"),
    "is_prepaid": T("预付费用户", "prepaid customer", "int", "offer_contract"),
    "months_observed": T(
        "仅有{v}个月记录", "only {v} months of history", "int", "welcome_care", "onboarding"
    ),
    "plan_changes_6m": T("近6个月改套餐{v}次", "{v} plan changes in 6 months", "int", BILL),
}

MEANING = {f.name: f.meaning for f in FEATURES}


def show(value: object, fmt: str) -> str:
    """The value as a person reads it."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    x = float(value)  # type: ignore[arg-type]
    if fmt == "pct":
        return f"{x:.1%}"
    if fmt == "change":
        return f"{x:+.0%}"
    if fmt in ("int", "yuan"):
        return f"{x:,.0f}"
    return f"{x:.1f}"


def render(feature: str, value: object, cell: str | None) -> dict[str, str]:
    """Chinese and English text, the recommended action and the callback script."""
    t = TEMPLATES.get(feature)
    if t is None:
        meaning = MEANING.get(feature, feature)
        shown = show(value, "num")
        return {
            "text_zh": f"指标 {feature} = {shown}（推高离网风险）",
            "text_en": f"{meaning}: {shown} (raises the churn risk)",
            "action": "review_account",
            "script": "retention",
        }
    zh, en = t.zh.format(v=show(value, t.fmt)), t.en.format(v=show(value, t.fmt))
    if feature.startswith("worst_cell") and cell:
        zh, en = f"{zh}（小区 {cell}）", f"{en} (cell {cell})"
    return {"text_zh": zh, "text_en": en, "action": t.action, "script": t.script}
