"""ECharts options built on the server (labels already translated); the page only draws them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from weixi.web.console.i18n import Translator

Option = dict[str, object]


def bars(
    t: Translator, categories: Sequence[str], series: Mapping[str, Sequence[object]], *, stack: bool
) -> Option:
    """A bar chart with one bar (or stack segment) per series."""
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 40},
        "xAxis": {"type": "category", "data": list(categories), "axisLabel": {"rotate": 0}},
        "yAxis": {"type": "value"},
        "series": [
            {"name": name, "type": "bar", "data": list(values), **({"stack": "s"} if stack else {})}
            for name, values in series.items()
        ],
    }


def lines(
    t: Translator, categories: Sequence[str], series: Mapping[str, Sequence[object]]
) -> Option:
    """A line chart over months."""
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 48, "right": 16, "top": 36, "bottom": 32},
        "xAxis": {"type": "category", "data": list(categories)},
        "yAxis": {"type": "value"},
        "series": [
            {"name": name, "type": "line", "data": list(values), "smooth": True}
            for name, values in series.items()
        ],
    }


def usage_and_bill(
    t: Translator,
    months: Sequence[str],
    usage: Mapping[str, Sequence[object]],
    bill: Sequence[object],
) -> Option:
    """Usage lines on the left axis, the bill as bars on the right axis."""
    bill_name = t.gettext("Bill (yuan)")
    return {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 56, "right": 56, "top": 36, "bottom": 32},
        "xAxis": {"type": "category", "data": list(months)},
        "yAxis": [{"type": "value"}, {"type": "value", "name": bill_name}],
        "series": [
            *({"name": n, "type": "line", "data": list(v)} for n, v in usage.items()),
            {"name": bill_name, "type": "bar", "yAxisIndex": 1, "data": list(bill)},
        ],
    }
