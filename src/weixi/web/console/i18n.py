"""Console translations and locale-aware formatting.

Message ids are the English source text; ``translations/<locale>/LC_MESSAGES/messages.po``
holds the catalogues, read once with Babel at start-up. Dates, times, numbers and durations
are formatted by Babel in the operator's locale and time zone. A message missing from the
Chinese catalogue is recorded in ``MISSES`` so the tests can fail on untranslated text.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_timedelta
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

CATALOGUES = Path(__file__).resolve().parent.parent / "translations"
LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
#: Message ids looked up in a locale whose catalogue lacks them (checked by the tests).
MISSES: set[tuple[str, str]] = set()


@lru_cache(maxsize=len(LOCALES))
def catalogue(locale: str) -> dict[str, str]:
    """msgid → msgstr of one locale; an empty msgstr means "same as the English id"."""
    path = CATALOGUES / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        parsed = read_po(fh, locale=locale)
    return {str(m.id): str(m.string or m.id) for m in parsed if m.id}


def normalise(locale: str | None) -> str:
    """One of :data:`LOCALES` (``zh``, ``zh-CN`` → ``zh_CN``; unknown → the default)."""
    if not locale:
        return DEFAULT_LOCALE
    code = locale.replace("-", "_")
    if code in LOCALES:
        return code
    return "zh_CN" if code.lower().startswith("zh") else "en" if code.startswith("en") else ""


def N_(msgid: str) -> str:
    """Mark a message id for the catalogues where it is defined; translated when shown."""
    return msgid


class Translator:
    """Text and formatting for one request: its locale and the operator's time zone."""

    def __init__(self, locale: str, timezone: str = "Asia/Shanghai") -> None:
        self.locale = normalise(locale) or DEFAULT_LOCALE
        self.tz = ZoneInfo(timezone)
        self._babel = Locale.parse(self.locale)
        self._messages = catalogue(self.locale)

    @property
    def html_lang(self) -> str:
        return "zh-CN" if self.locale == "zh_CN" else "en"

    def gettext(self, msgid: str, **values: object) -> str:
        """The translation of ``msgid`` with ``{name}`` placeholders filled in."""
        text = self._messages.get(msgid)
        if text is None:
            MISSES.add((self.locale, msgid))
            text = msgid
        return text.format(**values) if values else text

    def stored(self, text: str) -> str:
        """Stored text (a history reason): translated when it is one of the services' fixed
        phrases in :data:`STORED_PHRASES`, otherwise shown as written."""
        return self.gettext(text) if text in STORED_PHRASES else text

    def label(self, group: str, value: str | None) -> str:
        """A translated label for an enum value (status, kind, role …); unknown values as-is."""
        if value is None:
            return "—"
        english = LABELS.get(group, {}).get(value)
        if english is None:
            MISSES.add((self.locale, f"{group}:{value}"))
            return value
        return self.gettext(english)

    def datetime(self, value: dt.datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return "—"
        return format_datetime(value, _DATETIME[fmt], tzinfo=self.tz, locale=self._babel)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return "—"
        if isinstance(value, dt.datetime):
            value = value.astimezone(self.tz).date()
        return format_date(value, "medium", locale=self._babel)

    def month(self, value: dt.date) -> str:
        return format_date(value, "yyyy-MM", locale=self._babel)

    def number(self, value: float | int | Decimal | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, pattern, locale=self._babel)

    def percent(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, pattern, locale=self._babel)

    def duration(self, value: dt.timedelta) -> str:
        """A rounded, human duration ("3 小时", "2 days")."""
        return format_timedelta(abs(value), threshold=1.5, locale=self._babel)


#: Fixed phrases the work-order services write into history reasons (English in storage).
STORED_PHRASES = frozenset(
    {
        "accepted",
        "customer answered; clock resumed",
        "reopened to its last handler",
        "resolution deadline passed",
        "waiting for customer",
    }
)

_DATETIME = {"medium": "yyyy-MM-dd HH:mm", "short": "MM-dd HH:mm", "long": "yyyy-MM-dd HH:mm:ss"}

#: Role-specific introductions on the home page.
ROLE_INTROS = {
    "account_manager": "Your customers' warning and care orders, with their callback scripts.",
    "hall_agent": "Log contacts and complaints; you own what you log until it is closed.",
    "hotline_agent": "Log contacts and complaints; you own what you log until it is closed.",
    "department_handler": "Orders dispatched to your department's queue.",
    "supervisor": "Queues, SLA breaches and escalations in your area.",
    "admin": "Staff, dispatch rules, SLA policies, tier rules and callback scripts.",
}

#: English labels of stored enum values, by group; the catalogues translate them.
LABELS: dict[str, dict[str, str]] = {
    "status": {
        "new": "New",
        "dispatched": "Dispatched",
        "accepted": "Accepted",
        "waiting_customer": "Waiting for customer",
        "resolved": "Resolved",
        "reopened": "Reopened",
        "closed": "Closed",
        "cancelled": "Cancelled",
    },
    "kind": {
        "warning": "Warning (retention)",
        "onboarding_care": "Onboarding care",
        "complaint": "Complaint",
        "fault": "Fault",
        "install": "Installation",
        "move": "Move",
        "repair": "Repair",
        "callback": "Exit callback",
        "hot_issue_fix": "Hot-issue fix",
        "network_care": "Network care",
        "handover": "Account manager handover",
    },
    "category": {
        "network": "Network",
        "billing": "Billing",
        "service": "Service",
        "product": "Product",
        "fixed_line_timeliness": "Fixed-line timeliness",
        "fixed_line": "Fixed line",
        "mobile": "Mobile",
        "broadband": "Broadband",
        "other": "Other",
    },
    "department": {
        "network": "Network department",
        "billing": "Billing department",
        "marketing": "Marketing department",
        "it": "IT department",
        "fixed_line": "Fixed-line install and repair",
    },
    "role": {
        "account_manager": "Account manager",
        "hall_agent": "Hall agent",
        "hotline_agent": "Hotline agent",
        "supervisor": "Supervisor",
        "department_handler": "Department handler",
        "admin": "Administrator",
    },
    "event": {
        "created": "Created",
        "dispatched": "Dispatched",
        "accepted": "Accepted",
        "transferred": "Transferred",
        "paused": "Waiting for customer",
        "resumed": "Resumed",
        "resolved": "Resolved",
        "reopened": "Reopened",
        "closed": "Closed",
        "cancelled": "Cancelled",
        "note": "Note",
        "escalated": "Escalated",
        "sla_warning": "SLA warning",
    },
    "level": {
        "none": "None",
        "warned": "Warned",
        "county": "County supervisor",
        "city": "City supervisor",
        "province": "Province",
    },
    "stage": {
        "prospect": "Prospect",
        "onboarding": "Onboarding",
        "stable": "Stable",
        "warning": "Warning",
        "churned": "Churned",
    },
    "channel": {
        "hall": "Hall",
        "hotline": "10010 hotline",
        "online": "Online hall",
        "mobile": "Mobile hall",
        "sms": "SMS hall",
        "account_manager": "Account manager",
        "self_service": "Self-service terminal",
        "agent": "Agent",
        "system": "System",
        "ivr": "10010 voice menu (IVR)",
        "hotline_ordinary": "10010 ordinary seat",
        "hotline_expert": "10010 expert seat",
        "app": "Mobile app",
    },
    "contact_kind": {
        "enquiry": "Enquiry",
        "complaint": "Complaint",
        "fault_report": "Fault report",
        "transaction": "Transaction",
        "suggestion": "Suggestion",
    },
    "skill": {
        "3g": "3G",
        "iphone": "iPhone",
        "roaming": "Roaming",
        "enterprise": "Enterprise customers",
        "broadband": "Broadband",
        "fixed_line": "Fixed line",
    },
    "technology": {"gsm": "GSM", "wcdma": "WCDMA (3G)"},
    "verdict": {"good": "Meets target", "poor": "Below target", "unknown": "No data"},
    "staff_field": {
        "role": "Role",
        "seat": "Seat",
        "skills": "Skills",
        "capacity": "Capacity",
        "unit": "Unit",
        "active": "Active",
    },
    "outcome": {
        "retained": "Retained",
        "not_retained": "Not retained",
        "contacted": "Contacted",
    },
    "seat": {"ordinary": "Ordinary seat", "expert": "Expert seat"},
    "event_kind": {"tier": "Tier", "stage": "Lifecycle stage", "manager": "Account manager"},
}
