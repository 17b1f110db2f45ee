"""The 360 view's usage and bill chart, from the months imported into the database
(`weixi.customers.usage`)."""

from __future__ import annotations

from collections.abc import Sequence

from weixi.customers.usage import CustomerUsageMonth
from weixi.web.console import charts
from weixi.web.console.charts import Option
from weixi.web.console.i18n import Translator


def usage_chart(t: Translator, usage: Sequence[CustomerUsageMonth]) -> Option | None:
    """Voice minutes and data as lines, the bill as bars, one point a month; None without data."""
    if not usage:
        return None
    return charts.usage_and_bill(
        t,
        [t.month(u.month) for u in usage],
        {
            t.gettext("Voice minutes"): [round(u.voice_minutes, 1) for u in usage],
            t.gettext("Data (MB)"): [round(u.data_mb, 1) for u in usage],
        },
        [round(u.bill_amount, 2) for u in usage],
    )
