"""weixi's import schema as code: the files an operator exports and weixi reads.

One `Table` per export file. The importers, the validator (`weixi.ingest.validate`), the
synthetic operator (`weixi.synth`) and `docs/data-model.md` all read these definitions,
so there is exactly one place where a column's name, type and rules are written down.

File layout of an export directory::

    DIR/<table>.parquet      (or DIR/<table>.csv: UTF-8, header row, ISO dates)
    DIR/_truth/<table>.*     ground truth of the synthetic operator, never imported

Conventions:
- ``date`` is ISO ``YYYY-MM-DD``; ``timestamp`` is an instant, stored as UTC
  (Parquet ``timestamp[ms, UTC]``; in CSV ISO 8601 with a zone, e.g. ``2010-03-01 08:15:00Z``
  or ``2010-03-01T16:15:00+08:00``).
- ``bool`` is ``true``/``false`` (CSV also accepts ``1``/``0``).
- Money is in yuan (CNY) with two decimals.
- A month is the date of its first day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pyarrow as pa

from weixi.org.roles import Role as StaffRole
from weixi.org.roles import Seat
from weixi.org.roles import UnitKind as OrgUnitKind
from weixi.workorders.kinds import Department

TRUTH_DIR = "_truth"
"""Sub-directory of an export directory for ground truth, which importers never read."""

DATE_MIN = dt.date(1990, 1, 1)
"""Earliest sane date in any file (China Unicom was founded in 1994; older lines were migrated)."""
DATE_MAX = dt.date(2040, 12, 31)
"""Latest sane date in any file (long contracts end years ahead)."""


class ColumnType(StrEnum):
    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    TIMESTAMP = "timestamp"


ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.STRING: pa.string(),
    ColumnType.INT: pa.int64(),
    ColumnType.FLOAT: pa.float64(),
    ColumnType.BOOL: pa.bool_(),
    ColumnType.DATE: pa.date32(),
    ColumnType.TIMESTAMP: pa.timestamp("ms", tz="UTC"),
}
"""The canonical Arrow type of each column type (what validated batches carry)."""


class Check(StrEnum):
    """Named value checks beyond type, range and pattern."""

    PRC_ID = "prc_id"
    """18-character PRC resident ID: 17 digits and an ISO 7064 MOD 11-2 check character."""
    MONTH_START = "month_start"
    """A date that is the first day of its month."""


# --- Value sets -------------------------------------------------------------------------


class HallKind(StrEnum):
    STANDARD = "standard"
    PARTNER = "partner"


class Skill(StrEnum):
    THREE_G = "3g"
    IPHONE = "iphone"
    ROAMING = "roaming"
    ENTERPRISE = "enterprise"
    BROADBAND = "broadband"
    FIXED_LINE = "fixed_line"


class AcquisitionChannel(StrEnum):
    HALL = "hall"
    PARTNER_HALL = "partner_hall"
    ONLINE = "online"
    AGENT = "agent"
    HOTLINE = "hotline"
    ACCOUNT_MANAGER = "account_manager"


class Segment(StrEnum):
    PERSONAL = "personal"
    ENTERPRISE = "enterprise"


class Payment(StrEnum):
    PREPAID = "prepaid"
    POSTPAID = "postpaid"


class ProductKind(StrEnum):
    MOBILE_2G = "mobile_2g"
    MOBILE_3G = "mobile_3g"
    FIXED_LINE = "fixed_line"
    BROADBAND = "broadband"


class ContactChannel(StrEnum):
    HALL = "hall"
    IVR = "ivr"
    HOTLINE_ORDINARY = "hotline_ordinary"
    HOTLINE_EXPERT = "hotline_expert"
    ONLINE = "online"
    APP = "app"
    SMS = "sms"
    SELF_SERVICE = "self_service"
    AGENT = "agent"


class ContactKind(StrEnum):
    ENQUIRY = "enquiry"
    COMPLAINT = "complaint"
    FAULT_REPORT = "fault_report"
    TRANSACTION = "transaction"
    SUGGESTION = "suggestion"


class ComplaintCategory(StrEnum):
    NETWORK = "network"
    BILLING = "billing"
    SERVICE = "service"
    PRODUCT = "product"
    FIXED_LINE_TIMELINESS = "fixed_line_timeliness"


class MiitClass(StrEnum):
    """MIIT's three published appeal classes (telecom-domain.md §3.3)."""

    NETWORK_QUALITY = "network_quality"
    BILLING_DISPUTE = "billing_dispute"
    USER_SERVICE = "user_service"


COMPLAINT_TO_MIIT: dict[ComplaintCategory, MiitClass] = {
    ComplaintCategory.NETWORK: MiitClass.NETWORK_QUALITY,
    ComplaintCategory.BILLING: MiitClass.BILLING_DISPUTE,
    ComplaintCategory.SERVICE: MiitClass.USER_SERVICE,
    ComplaintCategory.PRODUCT: MiitClass.USER_SERVICE,
    ComplaintCategory.FIXED_LINE_TIMELINESS: MiitClass.USER_SERVICE,
}


class FixedOrderKind(StrEnum):
    INSTALL = "install"
    MOVE = "move"
    REPAIR = "repair"


class CellTechnology(StrEnum):
    GSM = "gsm"
    WCDMA = "wcdma"


class Band(StrEnum):
    GSM900 = "GSM900"
    DCS1800 = "DCS1800"
    WCDMA2100 = "WCDMA2100"


class ChurnDriver(StrEnum):
    POOR_NETWORK = "poor_network"
    BILL_SHOCK = "bill_shock"
    UNRESOLVED_COMPLAINT = "unresolved_complaint"
    CONTRACT_END = "contract_end"
    COMPETITOR_OFFER = "competitor_offer"
    SHORT_TENURE = "short_tenure"
    DEVICE_AGE = "device_age"
    LOW_ENGAGEMENT = "low_engagement"


def values(enum: type[StrEnum]) -> tuple[str, ...]:
    """The allowed string values of an enum, in declaration order."""
    return tuple(member.value for member in enum)


# --- Schema building blocks -------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """A foreign key: this column's value must be a ``column`` of ``table`` (of ``kind``)."""

    table: str
    column: str
    kind: str | None = None

    @property
    def key(self) -> str:
        """The name under which a validator looks up the known ids, e.g.
        ``org_units.unit_id[kind=county]``."""
        base = f"{self.table}.{self.column}"
        return f"{base}[kind={self.kind}]" if self.kind else base


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | dt.date | None = None
    max: float | dt.date | None = None
    pattern: str | None = None
    """A full-match regular expression for strings (RE2 syntax)."""
    check: Check | None = None
    unique: bool = False
    """Unique across the file (the primary key is checked separately)."""
    ge: str | None = None
    """Another column of the same row this value may not be below (dates: not before)."""
    le: str | None = None
    """Another column of the same row this value may not exceed."""
    references: Reference | None = None
    unit: str | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        return ARROW_TYPES[self.type]

    def bounds(self) -> tuple[float | dt.date | None, float | dt.date | None]:
        """The sane range: explicit bounds, or `DATE_MIN`..`DATE_MAX` for dates."""
        if self.type in (ColumnType.DATE, ColumnType.TIMESTAMP):
            return (self.min or DATE_MIN, self.max or DATE_MAX)
        return (self.min, self.max)


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    truth: bool = False
    """Ground truth written only by the synthetic operator, under `TRUTH_DIR`."""
    notes: tuple[str, ...] = field(default=())
    """Rules that span rows (checked by the pipeline, not per row)."""

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns)

    def arrow_schema(self) -> pa.Schema:
        """The canonical Arrow schema of validated rows of this table."""
        return pa.schema(
            [pa.field(col.name, col.arrow_type, nullable=col.nullable) for col in self.columns]
        )

    def references(self) -> Iterable[tuple[Column, Reference]]:
        for col in self.columns:
            if col.references is not None:
                yield col, col.references

    def file_name(self, fmt: str = "parquet") -> str:
        """Path of this table's file relative to an export directory."""
        stem = f"{TRUTH_DIR}/{self.name}" if self.truth else self.name
        return f"{stem}.{fmt}"


# --- Helpers to keep the table definitions short ----------------------------------------

S, I, F, B, D, T = (  # noqa: E741 (short names keep the tables readable)
    ColumnType.STRING,
    ColumnType.INT,
    ColumnType.FLOAT,
    ColumnType.BOOL,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
)
ID_PATTERN = r"[0-9A-Za-z][0-9A-Za-z_.:-]{0,63}"
MOBILE_PATTERN = r"1[3-9][0-9]{9}"
SKILLS_PATTERN = r"(3g|iphone|roaming|enterprise|broadband|fixed_line)(;(3g|iphone|roaming|enterprise|broadband|fixed_line))*"  # noqa: E501
COUNTY = Reference("org_units", "unit_id", kind=OrgUnitKind.COUNTY.value)
UNIT = Reference("org_units", "unit_id")
CUSTOMER = Reference("customers", "customer_id")
STAFF = Reference("staff", "staff_id")
CELL = Reference("cells", "cell_id")


def _id(name: str, description: str, **kw: Any) -> Column:
    return Column(name, S, description, pattern=ID_PATTERN, **kw)


def _money(name: str, description: str, **kw: Any) -> Column:
    return Column(name, F, description, min=0.0, max=1_000_000.0, unit="yuan", **kw)


def _count(name: str, description: str, **kw: Any) -> Column:
    return Column(name, I, description, min=0, **kw)


# --- The tables ---------------------------------------------------------------------------

ORG_UNITS = Table(
    "org_units",
    "The operator's organisation: province → city → county, and the halls, 10010 hotline "
    "centre, account-manager teams and departments that hang under them.",
    (
        _id(
            "unit_id",
            "Unit code. Province, cities and counties use their GB/T 2260 "
            "administrative code (370000, 370100, 370102); others extend it (370102-H001).",
        ),
        _id(
            "parent_id", "Parent unit; null only for the province.", nullable=True, references=UNIT
        ),
        Column("kind", S, "Unit kind.", allowed=values(OrgUnitKind)),
        Column("name_zh", S, "Chinese name, e.g. 历下区."),
        Column("name_en", S, "English name (pinyin), e.g. Lixia District."),
        Column(
            "department",
            S,
            "Department function; only for kind=department.",
            nullable=True,
            allowed=values(Department),
        ),
        Column(
            "hall_kind",
            S,
            "Standard (own) or partner hall; only for kind=hall.",
            nullable=True,
            allowed=values(HallKind),
        ),
        Column(
            "rural",
            B,
            "Counties only: rural area (fixed-line repair within 72 h instead "
            "of 48 h, Telecommunications Regulations art. 33).",
            nullable=True,
        ),
        Column(
            "lat",
            F,
            "Latitude of the unit's centre (WGS 84), approximate.",
            nullable=True,
            min=-90.0,
            max=90.0,
        ),
        Column(
            "lon",
            F,
            "Longitude of the unit's centre (WGS 84), approximate.",
            nullable=True,
            min=-180.0,
            max=180.0,
        ),
    ),
    primary_key=("unit_id",),
    notes=(
        "Exactly one unit has no parent (the province).",
        "Halls, account-manager teams and county departments hang under a county; the "
        "hotline centre and province/city departments under the province or a city.",
    ),
)

STAFF_TABLE = Table(
    "staff",
    "People who serve customers or handle orders.",
    (
        _id("staff_id", "Staff number."),
        Column("name", S, "Full name (Chinese)."),
        _id("unit_id", "The unit the person works in.", references=UNIT),
        Column("role", S, "Job role.", allowed=values(StaffRole)),
        Column(
            "seat",
            S,
            "Hotline agents only: ordinary or expert seat (普通/专家坐席).",
            nullable=True,
            allowed=values(Seat),
        ),
        Column("skills", S, "Semicolon-separated skills.", nullable=True, pattern=SKILLS_PATTERN),
        _count(
            "capacity",
            "Account managers: customers in the portfolio; others: open orders handled at once.",
        ),
        Column("calendar", S, "Name of the working calendar (working hours, holidays)."),
        Column("active", B, "Currently employed in this role."),
        Column("phone", S, "11-digit mobile number.", pattern=MOBILE_PATTERN),
    ),
    primary_key=("staff_id",),
)

PLANS = Table(
    "plans",
    "The tariff catalogue: every plan a product can be on.",
    (
        _id("plan_code", "Plan code, e.g. 3G-A-186."),
        Column("plan_name", S, "Plan name as sold, e.g. 沃3G A计划186元."),
        Column("kind", S, "Product kind the plan is for.", allowed=values(ProductKind)),
        _money("monthly_fee", "Monthly fee."),
        _count("voice_minutes", "Domestic voice minutes included per month."),
        _count("data_mb", "Domestic data included per month, MB."),
        Column("launched_on", D, "First day the plan could be sold."),
        Column("uncertain", B, "Price point not confirmed by a source (telecom-domain.md §3.2)."),
    ),
    primary_key=("plan_code",),
)

CUSTOMERS = Table(
    "customers",
    "One row per customer (subscriber account holder).",
    (
        _id("customer_id", "Customer number."),
        Column("name", S, "Full name (Chinese); enterprises: the contact person."),
        Column("phone", S, "Main 11-digit mobile number.", pattern=MOBILE_PATTERN, unique=True),
        Column(
            "id_number",
            S,
            "18-character PRC resident ID number (check digit valid).",
            check=Check.PRC_ID,
        ),
        _id("home_county_id", "County-level unit the customer belongs to.", references=COUNTY),
        Column("activated_on", D, "First day of service."),
        Column(
            "deactivated_on",
            D,
            "Last day of service (churn); null while active.",
            nullable=True,
            ge="activated_on",
        ),
        Column("channel", S, "Channel of acquisition.", allowed=values(AcquisitionChannel)),
        Column("payment", S, "Prepaid or postpaid.", allowed=values(Payment)),
        Column("device_model", S, "Current handset model."),
        Column("device_is_iphone", B, "The handset is an iPhone (iPhone club eligibility)."),
        Column("device_bought_on", D, "When the current handset was bought.", nullable=True),
        Column(
            "contract_end_on",
            D,
            "End of the contract commitment; null if none.",
            nullable=True,
            ge="activated_on",
        ),
        _id("household_id", "Household (bundles and family plans share one)."),
        Column("segment", S, "Personal or enterprise.", allowed=values(Segment)),
        _id(
            "account_manager_id",
            "Dedicated account manager, if any.",
            nullable=True,
            references=STAFF,
        ),
    ),
    primary_key=("customer_id",),
)

PRODUCTS = Table(
    "products",
    "Subscribed products: mobile lines, fixed lines, broadband; one customer may hold several.",
    (
        _id("product_id", "Product instance number."),
        _id("customer_id", "Owner.", references=CUSTOMER),
        Column("kind", S, "Product kind.", allowed=values(ProductKind)),
        _id("plan_code", "Tariff plan.", references=Reference("plans", "plan_code")),
        Column("plan_name", S, "Plan name as billed."),
        _money("monthly_fee", "Monthly fee of the plan."),
        Column("started_on", D, "First day on this product/plan."),
        Column("ended_on", D, "Last day; null while active.", nullable=True, ge="started_on"),
        _id("bundle_id", "Bundle (融合套餐) this product is sold in, if any.", nullable=True),
    ),
    primary_key=("product_id",),
)

USAGE_MONTHLY = Table(
    "usage_monthly",
    "Usage and billing per customer and calendar month (all the customer's products).",
    (
        _id("customer_id", "Customer.", references=CUSTOMER),
        Column("month", D, "The month (its first day).", check=Check.MONTH_START),
        Column("voice_minutes", F, "Outgoing voice minutes.", min=0.0, unit="min"),
        _count("sms", "SMS sent."),
        Column("data_mb", F, "Mobile data used.", min=0.0, unit="MB"),
        Column("roaming_minutes", F, "Voice minutes while roaming abroad.", min=0.0, unit="min"),
        _count("dropped_calls", "Calls of this customer dropped by the network (from CDRs)."),
        _money("bill_amount", "Amount billed for the month."),
        _money("arrears", "Amount overdue at month end."),
        _money("topup_amount", "Prepaid top-ups in the month."),
        Column("plan_changed", B, "The customer changed plan in this month."),
    ),
    primary_key=("customer_id", "month"),
)

CONTACTS = Table(
    "contacts",
    "Every contact a customer had with the operator, on any channel, including complaints.",
    (
        _id("contact_id", "Contact number."),
        _id("customer_id", "Customer.", references=CUSTOMER),
        Column("at", T, "When the contact started (UTC)."),
        Column("channel", S, "Touchpoint.", allowed=values(ContactChannel)),
        Column("kind", S, "What the contact was.", allowed=values(ContactKind)),
        Column(
            "category",
            S,
            "Complaints and fault reports: subject. MIIT class: network → "
            "network quality; billing → billing dispute; service, product, "
            "fixed_line_timeliness → user service.",
            nullable=True,
            allowed=values(ComplaintCategory),
        ),
        Column("description_zh", S, "Short free-text description (Chinese)."),
        Column(
            "resolved",
            B,
            "Resolved to the customer's satisfaction by the end of the export period.",
        ),
        _id(
            "staff_id",
            "Staff member who handled it (null for self-service channels).",
            nullable=True,
            references=STAFF,
        ),
        Column(
            "satisfaction",
            I,
            "Customer's score of the contact, 1 (bad) to 5 (excellent).",
            nullable=True,
            min=1,
            max=5,
        ),
    ),
    primary_key=("contact_id",),
)

CELLS = Table(
    "cells",
    "Radio cells of the mobile network.",
    (
        _id("cell_id", "Cell identifier."),
        _id("county_id", "County the cell is in.", references=COUNTY),
        Column("lat", F, "Latitude (WGS 84).", min=-90.0, max=90.0),
        Column("lon", F, "Longitude (WGS 84).", min=-180.0, max=180.0),
        Column(
            "technology",
            S,
            "Radio technology (2010 Shandong Unicom: GSM and WCDMA).",
            allowed=values(CellTechnology),
        ),
        Column("band", S, "Frequency band.", allowed=values(Band)),
    ),
    primary_key=("cell_id",),
)

CELL_KPI_DAILY = Table(
    "cell_kpi_daily",
    "Daily network-management counters per cell. WCDMA counters follow TS 32.405 names; GSM "
    "cells map to the TS 52.402 equivalents given per column. KPIs are ratios of sums "
    "(telecom-domain.md §1.3): accessibility (CS connection rate) = rrc_succ/rrc_att × "
    "rab_succ/rab_att; retainability (drop rate) = rab_abnormal_rel/rab_succ; handover "
    "success = ho_succ/ho_att; coverage = 1 − weak_samples/samples.",
    (
        _id("cell_id", "Cell.", references=CELL),
        Column("day", D, "Calendar day."),
        _count(
            "rrc_att", "RRC connection attempts (RRC.AttConnEstab; GSM: attImmediateAssingProcs)."
        ),
        _count(
            "rrc_succ",
            "Successful RRC connections (RRC.SuccConnEstab; GSM: succImmediateAssingProcs).",
            le="rrc_att",
        ),
        _count(
            "rab_att",
            "RAB establishment attempts, CS+PS (RAB.AttEstab*PerCell; GSM: attTCHSeizures).",
        ),
        _count(
            "rab_succ",
            "Successful RAB establishments (RAB.SuccEstab*PerCell; GSM: succTCHSeizures).",
            le="rab_att",
        ),
        _count(
            "rab_abnormal_rel",
            "Abnormal RAB releases, i.e. drops (RAB.RelReq*PerCell; GSM: nbrOfLostRadioLinksTCH).",
            le="rab_succ",
        ),
        _count("ho_att", "Outgoing handover attempts."),
        _count("ho_succ", "Successful outgoing handovers.", le="ho_att"),
        _count("samples", "Measurement-report samples of downlink signal strength."),
        _count(
            "weak_samples",
            "Samples below the weak-coverage threshold (WCDMA RSCP < −105 "
            "dBm; GSM RXLEV < −94 dBm).",
            le="samples",
        ),
        Column(
            "throughput_kbps",
            F,
            "Mean downlink user throughput, PS (kbit/s).",
            nullable=True,
            min=0.0,
            unit="kbit/s",
        ),
        Column("voice_erl", F, "Voice traffic (Erlang-hours over the day).", min=0.0, unit="Erl·h"),
        Column("data_mb", F, "PS data volume.", min=0.0, unit="MB"),
    ),
    primary_key=("cell_id", "day"),
)

CUSTOMER_CELLS = Table(
    "customer_cells",
    "Which cells carry each customer's traffic in a month (from CDR/MR location data).",
    (
        _id("customer_id", "Customer.", references=CUSTOMER),
        Column("month", D, "The month (its first day).", check=Check.MONTH_START),
        _id("cell_id", "Cell.", references=CELL),
        Column(
            "traffic_share",
            F,
            "Share of the customer's traffic in the month on this cell.",
            min=0.0,
            max=1.0,
        ),
    ),
    primary_key=("customer_id", "month", "cell_id"),
    notes=("traffic_share sums to 1 per (customer_id, month), within 1e-6.",),
)

FIXED_ORDERS = Table(
    "fixed_orders",
    "Fixed-line and broadband installation, move and repair orders (装移修).",
    (
        _id("order_id", "Order number."),
        _id("customer_id", "Customer.", references=CUSTOMER),
        Column("kind", S, "Install, move or repair.", allowed=values(FixedOrderKind)),
        Column("opened_at", T, "When the order was accepted (repair: the fault report)."),
        Column(
            "promised_at",
            T,
            "Deadline promised (published install limit; repair 48 h urban / 72 h rural).",
            ge="opened_at",
        ),
        Column(
            "completed_at",
            T,
            "When the work was done; null if still open.",
            nullable=True,
            ge="opened_at",
        ),
        _id("county_id", "County where the work is done.", references=COUNTY),
    ),
    primary_key=("order_id",),
)

CHURN_TRUTH = Table(
    "churn_truth",
    "Synthetic ground truth: who churned, when, and the true driver. Written only by "
    "`weixi synth`, under _truth/, for evaluating models; never an import file.",
    (
        _id("customer_id", "Customer.", references=CUSTOMER),
        Column("churn_month", D, "Month of deactivation (first day).", check=Check.MONTH_START),
        Column("driver", S, "The cause that drew the churn.", allowed=values(ChurnDriver)),
    ),
    primary_key=("customer_id",),
    truth=True,
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        ORG_UNITS,
        STAFF_TABLE,
        PLANS,
        CUSTOMERS,
        PRODUCTS,
        USAGE_MONTHLY,
        CONTACTS,
        CELLS,
        CELL_KPI_DAILY,
        CUSTOMER_CELLS,
        FIXED_ORDERS,
        CHURN_TRUTH,
    )
}
"""Every table, in dependency order (a table only references tables before it)."""

IMPORT_TABLES: tuple[str, ...] = tuple(name for name, t in TABLES.items() if not t.truth)
"""The tables an operator exports and weixi imports."""


_PRC_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_PRC_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def prc_check_chars(first17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters (ASCII bytes) of PRC ID numbers, given their first
    17 characters as rows of ASCII digit bytes, shape (n, 17)."""
    total = (first17.astype(np.int64) - 48) @ _PRC_WEIGHTS
    return _PRC_CHECK[total % 11]


def get_table(name: str) -> Table:
    """The schema of one table, by name (raises KeyError with the known names)."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}") from None
