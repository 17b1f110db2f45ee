"""Default SLA policy rules, each with its source, and a loader for the operator's own.

Kinds are the values of ``weixi.workorders.kinds.WorkOrderKind``, written out as strings so
this table reads on its own. Categories that matter for time limits:

- fixed-line fault repair depends on where the line is: pass ``fault_category(rural=...)``
  (``"fault.urban"`` or ``"fault.rural"``) from the county's urban/rural flag. Without it the
  stricter urban limit applies.
- mobile faults (not caused by the handset) use ``"fault.mobile"``.

Overrides: ``[*DEFAULT_RULES, *load_policy_rules(path)]``. ``match_policy`` lets a later rule
beat an equally specific earlier one, so an operator's file replaces the defaults it names.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from weixi.workorders.sla import ClockMode, SlaPolicy, SlaPolicyRule

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
#: One working day of the default calendar (08:30–17:30). Budgets in working mode are working
#: time, so an operator with shorter office hours should restate them in their own file.
WORKING_DAY = 9 * HOUR

FAULT_URBAN = "fault.urban"
FAULT_RURAL = "fault.rural"
FAULT_MOBILE = "fault.mobile"


def fault_category(*, rural: bool) -> str:
    """The SLA category of a fixed-line fault, from the county's urban/rural flag."""
    return FAULT_RURAL if rural else FAULT_URBAN


def _calendar(first_response: timedelta, resolution: timedelta) -> SlaPolicy:
    return SlaPolicy(first_response, resolution, ClockMode.CALENDAR)


def _working(first_response: timedelta, resolution: timedelta) -> SlaPolicy:
    return SlaPolicy(first_response, resolution, ClockMode.WORKING)


# First-response limits below are weixi's own assumptions (no regulation sets them): short for
# faults, where the customer is without service, a working day for proactive care work.
DEFAULT_RULES: tuple[SlaPolicyRule, ...] = (
    # Catch-all so that match_policy never fails on an order kind added later. [assumption]
    SlaPolicyRule(_working(WORKING_DAY, 5 * WORKING_DAY)),
    # 电信条例 (Telecom Regulations, 2000) Art. 33: repair within 48 h in towns, 72 h in rural
    # areas from the user's report (article numbers shift by one in the 2014/2016 revisions).
    # [spec]
    SlaPolicyRule(_calendar(4 * HOUR, 48 * HOUR), kind="fault", category=FAULT_URBAN),
    SlaPolicyRule(_calendar(4 * HOUR, 72 * HOUR), kind="fault", category=FAULT_RURAL),
    SlaPolicyRule(_calendar(4 * HOUR, 48 * HOUR), kind="repair", category=FAULT_URBAN),
    SlaPolicyRule(_calendar(4 * HOUR, 72 * HOUR), kind="repair", category=FAULT_RURAL),
    # Urban/rural flag unknown: the stricter town limit of Art. 33 applies.
    SlaPolicyRule(_calendar(4 * HOUR, 48 * HOUR), kind="fault"),
    SlaPolicyRule(_calendar(4 * HOUR, 48 * HOUR), kind="repair"),
    # MIIT 第三代移动通信服务规范(试行) (3G service specification, in force 2009-06-01): mobile
    # fault repair (not caused by the handset) 48 h at most. The 24 h average is a target
    # reported over all orders, not a per-order deadline. [secondary]
    SlaPolicyRule(_calendar(4 * HOUR, 48 * HOUR), kind="fault", category=FAULT_MOBILE),
    # 电信条例 Art. 32: install and move within the limit the operator PUBLISHES; there is no
    # national figure. 72 h is an ASSUMPTION standing in for the operator's published limit:
    # replace it in the operator's policy file.
    SlaPolicyRule(_calendar(24 * HOUR, 72 * HOUR), kind="install"),
    SlaPolicyRule(_calendar(24 * HOUR, 72 * HOUR), kind="move"),
    # 电信用户申诉处理办法 as summarised on 9m8m.com: the operator answers a complaint within
    # 15 days. [uncertain: weak secondary source, verify against the measures' text]
    SlaPolicyRule(_calendar(24 * HOUR, 15 * DAY), kind="complaint"),
    # Proactive care work, weixi's own targets. [assumption]
    SlaPolicyRule(_working(WORKING_DAY, 7 * WORKING_DAY), kind="warning"),
    SlaPolicyRule(_working(WORKING_DAY, 3 * WORKING_DAY), kind="onboarding_care"),
    SlaPolicyRule(_working(WORKING_DAY, 2 * WORKING_DAY), kind="callback"),
)


def load_policy_rules(path: str | Path) -> tuple[SlaPolicyRule, ...]:
    """Read rules from a TOML file of ``[[rule]]`` tables.

    Each table has ``first_response`` and ``resolution`` durations (``"48h"``, ``"15d"``,
    ``"1d12h30m"``), optional ``mode`` (``calendar`` by default, or ``working``), optional
    ``warn_share`` and optional ``kind``, ``tier`` and ``category`` (absent = any)::

        [[rule]]
        kind = "install"
        first_response = "24h"
        resolution = "96h"   # our published installation limit
    """
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    tables = data.get("rule", [])
    if not isinstance(tables, list):
        raise ValueError(f"{path}: expected [[rule]] tables")
    return tuple(rule_from_mapping(table) for table in tables)


_RULE_KEYS = frozenset(
    {"kind", "tier", "category", "first_response", "resolution", "mode", "warn_share"}
)


def rule_from_mapping(table: Mapping[str, object]) -> SlaPolicyRule:
    """One rule from a parsed TOML/JSON table (shape as in :func:`load_policy_rules`)."""
    unknown = set(table) - _RULE_KEYS
    if unknown:
        raise ValueError(f"unknown keys in SLA rule: {sorted(unknown)}")
    policy = SlaPolicy(
        first_response=parse_duration(str(table["first_response"])),
        resolution=parse_duration(str(table["resolution"])),
        mode=ClockMode(str(table.get("mode", ClockMode.CALENDAR))),
        warn_share=float(str(table.get("warn_share", 0.8))),
    )
    return SlaPolicyRule(
        policy,
        kind=_optional_str(table.get("kind")),
        tier=_optional_str(table.get("tier")),
        category=_optional_str(table.get("category")),
    )


_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")


def parse_duration(text: str) -> timedelta:
    """Read ``"15d"``, ``"48h"``, ``"90m"`` or combinations such as ``"1d12h"``."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not text.strip() or match is None:
        raise ValueError(f"bad duration {text!r}: use e.g. 48h, 15d, 1d12h, 90m")
    days, hours, minutes = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)
