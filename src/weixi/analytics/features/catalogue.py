"""The feature catalogue: every feature's name, meaning, window, formula and SQL, once.

The SQL expression of a feature reads the per-customer aggregates of ``features.sql``
(``u`` usage, ``c`` contacts, ``o`` fixed-line orders, ``p`` products, ``n`` network,
``wc`` worst cell, ``pop`` the customer row). `select_list` turns this list into the
final SELECT, and `catalogue_markdown` into ``docs/features.md``, so the documentation,
the column order and the computation cannot drift apart.

Windows, for an as-of date ``D`` whose month starts on ``M``:
- *last month*: the month before ``M``; *6 months*: the six months before ``M``;
  *previous 5 months*: the six-month window without the last month;
- *3 months* (network, ARPU): the three months before ``M``;
- *90 / 180 days*: timestamps in ``[D − 90 d, D)`` / ``[D − 180 d, D)``, UTC;
- *as of*: the state the day before ``D`` (dates before ``D``).

Ratios are ratios of sums and NULL when the denominator is zero or missing
(telecom-domain.md §1). Averages over months average the months present.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Dtype(StrEnum):
    DOUBLE = "DOUBLE"
    BIGINT = "BIGINT"
    STRING = "STRING"


@dataclass(frozen=True)
class Feature:
    name: str
    group: str
    window: str
    meaning: str
    formula: str
    sql: str
    dtype: Dtype = Dtype.DOUBLE


def _ratio(num: str, den: str) -> str:
    """``num / den`` as a double, NULL when ``den`` is zero or NULL."""
    return f"CAST({num} AS DOUBLE) / NULLIF({den}, 0)"


def _change(last: str, base: str) -> str:
    """Relative change of ``last`` on ``base``: (last − base) / base, NULL if base is 0."""
    return f"({last} - {base}) / NULLIF({base}, 0)"


def _count(expr: str) -> str:
    return f"COALESCE({expr}, 0)"


_LAST, _6M, _P5, _3M, _AS_OF = "last month", "6 months", "previous 5 months", "3 months", "as of"
_D90, _D180, _EVER = "90 days", "180 days", "all before as-of"

F, I, S = Dtype.DOUBLE, Dtype.BIGINT, Dtype.STRING  # noqa: E741 (short names keep rows short)

FEATURES: tuple[Feature, ...] = (
    # --- Usage levels -------------------------------------------------------------------
    Feature("voice_minutes_last", "usage", _LAST, "Outgoing voice minutes.",
            "voice_minutes[last]", "u.voice_last"),
    Feature("data_mb_last", "usage", _LAST, "Mobile data used, MB.",
            "data_mb[last]", "u.data_last"),
    Feature("roaming_minutes_last", "usage", _LAST, "Voice minutes roaming abroad.",
            "roaming_minutes[last]", "u.roaming_last"),
    Feature("dropped_calls_last", "usage", _LAST, "The customer's calls dropped by the network.",
            "dropped_calls[last]", "u.dropped_last", I),
    Feature("dropped_calls_per_day_last", "usage", _LAST, "Dropped calls per calendar day.",
            "dropped_calls[last] / days in last month",
            "CAST(u.dropped_last AS DOUBLE) / {days_last_month}"),
    Feature("months_observed", "usage", _6M, "Months with a usage row (0 if none).",
            "count(usage rows)", _count("u.months_observed"), I),
    # --- Trends -------------------------------------------------------------------------
    Feature("voice_trend", "trend", f"{_LAST} vs {_P5}",
            "Relative change of voice minutes on the earlier average.",
            "(voice[last] − avg(voice[prev 5])) / avg(voice[prev 5])",
            _change("u.voice_last", "u.voice_prev_avg")),
    Feature("data_trend", "trend", f"{_LAST} vs {_P5}",
            "Relative change of data use on the earlier average.",
            "(data[last] − avg(data[prev 5])) / avg(data[prev 5])",
            _change("u.data_last", "u.data_prev_avg")),
    Feature("bill_trend", "trend", f"{_LAST} vs {_P5}",
            "Relative change of the bill on the earlier average.",
            "(bill[last] − avg(bill[prev 5])) / avg(bill[prev 5])",
            _change("u.bill_last", "u.bill_prev_avg")),
    Feature("topup_trend", "trend", f"{_LAST} vs {_P5}",
            "Relative change of prepaid top-ups on the earlier average.",
            "(topup[last] − avg(topup[prev 5])) / avg(topup[prev 5])",
            _change("u.topup_last", "u.topup_prev_avg")),
    # --- Billing ------------------------------------------------------------------------
    Feature("bill_last", "billing", _LAST, "Amount billed, yuan.", "bill_amount[last]",
            "u.bill_last"),
    Feature("bill_avg_6m", "billing", _6M, "Average monthly bill, yuan.", "avg(bill_amount)",
            "u.bill_avg"),
    Feature("bill_prev5_avg", "billing", _P5, "Average bill before the last month, yuan.",
            "avg(bill_amount[prev 5])", "u.bill_prev_avg"),
    Feature("bill_std_6m", "billing", _6M, "Volatility: sample standard deviation of the bill.",
            "stddev_samp(bill_amount); NULL with fewer than 2 months", "u.bill_std"),
    Feature("bill_cv_6m", "billing", _6M, "Volatility relative to the level.",
            "stddev_samp(bill) / avg(bill)", _ratio("u.bill_std", "u.bill_avg")),
    Feature("bill_vs_avg_6m", "billing", f"{_LAST} vs {_6M}",
            "Bill shock: last bill against the 6-month average (0.8 = up 80%).",
            "(bill[last] − avg(bill[6 months])) / avg(bill[6 months])",
            _change("u.bill_last", "u.bill_avg")),
    Feature("bill_abnormal_flag", "billing", f"{_LAST} vs {_P5}",
            "Regulatory abnormally large bill: more than 3× the previous 5-month average "
            "(telecom-domain.md §3.3); 0 without earlier months.",
            "1 if bill[last] > 3 × avg(bill[prev 5]) else 0",
            "CASE WHEN u.bill_prev_months > 0 AND u.bill_last > 3 * u.bill_prev_avg "
            "THEN 1 ELSE 0 END", I),
    Feature("arpu_3m", "billing", _3M, "Average revenue per month (ARPU), yuan.",
            "avg(bill_amount[3 months])", "u.arpu_3m"),
    Feature("arrears_last", "billing", _LAST, "Amount overdue at month end, yuan.",
            "arrears[last]", "u.arrears_last"),
    Feature("arrears_months_6m", "billing", _6M, "Months ending with arrears.",
            "count(arrears > 0)", _count("u.arrears_months"), I),
    Feature("topup_last", "billing", _LAST, "Prepaid top-ups, yuan.", "topup_amount[last]",
            "u.topup_last"),
    Feature("topup_total_6m", "billing", _6M, "Prepaid top-ups, yuan.", "sum(topup_amount)",
            "u.topup_total"),
    Feature("plan_changes_6m", "billing", _6M, "Months with a plan change.",
            "count(plan_changed)", _count("u.plan_changes"), I),
    # --- Complaints and contacts --------------------------------------------------------
    Feature("days_since_last_complaint", "complaints", _EVER,
            "Recency of the last complaint; NULL if none.", "as_of − date(max(complaint.at))",
            "@days(@to_date(c.last_complaint_at), {as_of})", I),
    Feature("complaints_90d", "complaints", _D90, "Complaints.", "count(kind = complaint)",
            _count("c.complaints_90d"), I),
    Feature("complaints_unresolved_180d", "complaints", _D180,
            "Complaints not resolved (as flagged in the export).",
            "count(kind = complaint and not resolved)", _count("c.unresolved_180d"), I),
    Feature("network_complaints_90d", "complaints", _D90, "Complaints about the network.",
            "count(complaint, category = network)", _count("c.network_complaints_90d"), I),
    Feature("billing_complaints_90d", "complaints", _D90, "Complaints about billing.",
            "count(complaint, category = billing)", _count("c.billing_complaints_90d"), I),
    Feature("fault_reports_90d", "complaints", _D90, "Fault reports.",
            "count(kind = fault_report)", _count("c.fault_reports_90d"), I),
    Feature("contacts_90d", "complaints", _D90, "Contacts of any kind on any channel.",
            "count(contacts)", _count("c.contacts_90d"), I),
    Feature("satisfaction_avg_90d", "complaints", _D90,
            "Mean satisfaction score (1–5) of scored contacts; NULL if none.",
            "avg(satisfaction)", "c.satisfaction_90d"),
    # --- Fixed-line orders --------------------------------------------------------------
    Feature("fixed_orders_late_180d", "orders", _D180,
            "Install/move/repair orders opened in the window that were late: completed after "
            "the promise, or still open past it at as-of.",
            "count(completed > promised or (open and promised < as_of))",
            _count("o.late_orders"), I),
    Feature("fixed_orders_open", "orders", _D180, "Orders still open at as-of.",
            "count(completed is null or completed ≥ as_of)", _count("o.open_orders"), I),
    # --- Customer -----------------------------------------------------------------------
    Feature("tenure_days", "customer", _AS_OF, "Days since activation.", "as_of − activated_on",
            "@days(pop.activated_on, {as_of})", I),
    Feature("contract_days_left", "customer", _AS_OF,
            "Days until the contract ends; negative once ended; NULL without contract.",
            "contract_end_on − as_of", "@days({as_of}, pop.contract_end_on)", I),
    Feature("device_age_days", "customer", _AS_OF,
            "Age of the current handset; NULL if unknown or bought after as-of.",
            "as_of − device_bought_on",
            "CASE WHEN pop.device_bought_on < {as_of} "
            "THEN @days(pop.device_bought_on, {as_of}) END", I),
    Feature("is_prepaid", "customer", _AS_OF, "Prepaid customer.", "payment = prepaid",
            "CASE WHEN pop.payment = 'prepaid' THEN 1 ELSE 0 END", I),
    Feature("is_enterprise", "customer", _AS_OF, "Enterprise segment.", "segment = enterprise",
            "CASE WHEN pop.segment = 'enterprise' THEN 1 ELSE 0 END", I),
    Feature("device_is_iphone", "customer", _AS_OF, "The handset is an iPhone.",
            "device_is_iphone", "CASE WHEN pop.device_is_iphone THEN 1 ELSE 0 END", I),
    # --- Products -----------------------------------------------------------------------
    Feature("product_count", "products", _AS_OF, "Active products (mobile, fixed, broadband).",
            "count(active products)", _count("p.product_count"), I),
    Feature("plan_fee_total", "products", _AS_OF, "Sum of monthly fees of active products.",
            "sum(monthly_fee)", "COALESCE(p.fee_total, 0)"),
    Feature("mobile_plan_fee", "products", _AS_OF,
            "Highest monthly fee among active mobile plans; NULL without mobile.",
            "max(monthly_fee, kind mobile_*)", "p.mobile_fee"),
    Feature("plan_fee_3g", "products", _AS_OF,
            "Highest monthly fee among active 3G plans; NULL without 3G.",
            "max(monthly_fee, kind = mobile_3g)", "p.fee_3g"),
    Feature("has_3g", "products", _AS_OF, "Holds an active 3G line.", "any(kind = mobile_3g)",
            _count("p.has_3g"), I),
    Feature("has_fixed_line", "products", _AS_OF, "Holds an active fixed line.",
            "any(kind = fixed_line)", _count("p.has_fixed"), I),
    Feature("has_broadband", "products", _AS_OF, "Holds active broadband.",
            "any(kind = broadband)", _count("p.has_broadband"), I),
    # --- Network perception (traffic-weighted over the cells the customer uses) ---------
    Feature("net_cells_used", "network", _3M, "Distinct cells carrying the customer's traffic.",
            "count(distinct cell)", _count("n.cells_used"), I),
    Feature("net_rrc_success_rate", "network", _3M, "Weighted RRC setup success.",
            "Σ w·rrc_succ / Σ w·rrc_att", _ratio("n.w_rrc_succ", "n.w_rrc_att")),
    Feature("net_rab_success_rate", "network", _3M, "Weighted RAB (E-RAB) setup success.",
            "Σ w·rab_succ / Σ w·rab_att", _ratio("n.w_rab_succ", "n.w_rab_att")),
    Feature("net_access_rate", "network", _3M,
            "Weighted accessibility (CS connection rate): RRC × RAB success.",
            "(Σ w·rrc_succ / Σ w·rrc_att) × (Σ w·rab_succ / Σ w·rab_att)",
            f"{_ratio('n.w_rrc_succ', 'n.w_rrc_att')} * {_ratio('n.w_rab_succ', 'n.w_rab_att')}"),
    Feature("net_drop_rate", "network", _3M, "Weighted drop rate: abnormal releases / setups.",
            "Σ w·rab_abnormal_rel / Σ w·rab_succ", _ratio("n.w_drops", "n.w_rab_succ")),
    Feature("net_ho_success_rate", "network", _3M, "Weighted outgoing handover success.",
            "Σ w·ho_succ / Σ w·ho_att", _ratio("n.w_ho_succ", "n.w_ho_att")),
    Feature("net_weak_coverage_share", "network", _3M,
            "Weighted share of weak-signal samples (poor RSCP/RXLEV).",
            "Σ w·weak_samples / Σ w·samples", _ratio("n.w_weak", "n.w_samples")),
    Feature("net_throughput_kbps", "network", _3M,
            "Weighted mean downlink throughput of the days reported, kbit/s.",
            "Σ w·Σday throughput / Σ w·days with throughput",
            _ratio("n.w_thr_sum", "n.w_thr_days")),
    Feature("worst_cell_id", "network", _3M,
            "Cell with the highest drop rate among cells carrying ≥ 5% of the traffic "
            "(ties: larger share, then lower id); NULL if none.",
            "argmax over cells of Σ rab_abnormal_rel / Σ rab_succ", "wc.cell_id", S),
    Feature("worst_cell_drop_rate", "network", _3M, "Drop rate of the worst cell.",
            "Σ rab_abnormal_rel / Σ rab_succ (worst cell)", "wc.drop_rate"),
    Feature("worst_cell_drops_per_day", "network", _3M,
            "Dropped calls per day on the worst cell (all its users).",
            "Σ rab_abnormal_rel / days reported (worst cell)", "wc.drops_per_day"),
)  # fmt: skip

FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)

WORST_CELL_MIN_SHARE = 0.05
"""A cell counts for the worst cell only if it carries at least this mean traffic share."""


def select_list(features: tuple[Feature, ...] = FEATURES) -> str:
    """The final SELECT items: each feature's SQL cast to its declared type."""
    return ",\n       ".join(f"CAST({f.sql} AS {f.dtype.value}) AS {f.name}" for f in features)


def catalogue_markdown(features: tuple[Feature, ...] = FEATURES) -> str:
    """``docs/features.md``: the catalogue as a Markdown document."""
    lines = [
        "# Feature catalogue",
        "",
        "Generated from `src/weixi/analytics/features/catalogue.py` "
        "(`python -m weixi.analytics.features.docs`); a test checks it is current.",
        "",
        "One row per customer active at the as-of date D (activated before D, not "
        "deactivated before D). Only facts dated before D are used; monthly tables only "
        "months before D's month. Ratios are ratios of sums and NULL when the denominator "
        "is zero (telecom-domain.md §1). Network features weight each cell-month's "
        "counters by the customer's traffic share on the cell that month (`w`).",
        "",
        f"{len(features)} features.",
        "",
        "| # | Name | Group | Window | Type | Meaning | Formula |",
        "|---|---|---|---|---|---|---|",
    ]
    for number, f in enumerate(features, start=1):
        formula = f.formula.replace("|", "\\|")
        lines.append(
            f"| {number} | `{f.name}` | {f.group} | {f.window} | {f.dtype.value.lower()} "
            f"| {f.meaning} | {formula} |"
        )
    return "\n".join(lines) + "\n"
