"""A deliberately corrupted copy of part of an export, with the list of what was broken.

``DIR/_corrupt/<table>.csv`` holds the first rows of some tables, as text, with one fault
injected into every tenth row; ``DIR/_corrupt/_injected.csv`` lists each fault (table,
1-based data row, field, expected quarantine reason). Validating the copy against the
clean export's ids must quarantine exactly those rows with those reasons.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from weixi.ingest.schema import TABLES
from weixi.synth.writer import FileFormat

CORRUPT_DIR = "_corrupt"
INJECTED_FILE = "_injected.csv"
ROWS_PER_TABLE = 2_000
SPACING = 10

Rows = dict[str, list[str | None]]


@dataclass(frozen=True)
class Fault:
    field: str
    reason: str
    apply: Callable[[Rows, int], None]


def _set(column: str, value: str | None) -> Callable[[Rows, int], None]:
    def apply(rows: Rows, r: int) -> None:
        rows[column][r] = value

    return apply


def _copy_from_earlier(*columns: str) -> Callable[[Rows, int], None]:
    def apply(rows: Rows, r: int) -> None:
        for column in columns:
            rows[column][r] = rows[column][r - SPACING // 2]

    return apply


def _flip_check_digit(rows: Rows, r: int) -> None:
    value = rows["id_number"][r] or "000000000000000000"
    rows["id_number"][r] = value[:17] + ("0" if value[17] != "0" else "1")


def _deactivate_before_activation(rows: Rows, r: int) -> None:
    rows["deactivated_on"][r] = "1995-01-01"
    rows["activated_on"][r] = "2005-06-01"


FAULTS: dict[str, tuple[Fault, ...]] = {
    "customers": (
        Fault("activated_on", "bad_type", _set("activated_on", "2010-02-30")),
        Fault("activated_on", "out_of_range", _set("activated_on", "1899-01-01")),
        Fault("home_county_id", "unknown_reference", _set("home_county_id", "379999")),
        Fault("customer_id", "duplicate_key", _copy_from_earlier("customer_id")),
        Fault("device_is_iphone", "bad_type", _set("device_is_iphone", "maybe")),
        Fault("id_number", "bad_format", _flip_check_digit),
        Fault("name", "missing", _set("name", None)),
        Fault("deactivated_on", "out_of_order", _deactivate_before_activation),
        Fault("segment", "not_allowed", _set("segment", "vip")),
        Fault("phone", "bad_format", _set("phone", "0531-8888")),
    ),
    "products": (
        Fault("monthly_fee", "out_of_range", _set("monthly_fee", "-66")),
        Fault("monthly_fee", "bad_type", _set("monthly_fee", "abc")),
        Fault("started_on", "bad_type", _set("started_on", "2010/13/01")),
        Fault("product_id", "duplicate_key", _copy_from_earlier("product_id")),
        Fault("customer_id", "unknown_reference", _set("customer_id", "C999999999")),
        Fault("kind", "not_allowed", _set("kind", "cdma")),
    ),
    "usage_monthly": (
        Fault("month", "bad_format", _set("month", "2010-03-15")),
        Fault("voice_minutes", "out_of_range", _set("voice_minutes", "-5")),
        Fault("sms", "bad_type", _set("sms", "12.5")),
        Fault("customer_id+month", "duplicate_key", _copy_from_earlier("customer_id", "month")),
        Fault("bill_amount", "missing", _set("bill_amount", None)),
    ),
    "contacts": (
        Fault("channel", "not_allowed", _set("channel", "fax")),
        Fault("at", "bad_type", _set("at", "yesterday")),
        Fault("satisfaction", "out_of_range", _set("satisfaction", "7")),
        Fault("contact_id", "duplicate_key", _copy_from_earlier("contact_id")),
    ),
}


def _as_text(table: pa.Table) -> Rows:
    return {name: pc.cast(table[name], pa.string()).to_pylist() for name in table.column_names}


def write_corrupt_copy(out: Path, fmt: FileFormat, seed: int) -> Path:
    """Write the corrupted copy under ``out/_corrupt`` and return that directory."""
    target = out / CORRUPT_DIR
    target.mkdir(parents=True, exist_ok=True)
    injected: dict[str, list[object]] = {"table": [], "row_number": [], "field": [], "reason": []}
    for name, faults in FAULTS.items():
        schema = TABLES[name]
        source = out / schema.file_name(fmt.value)
        if fmt is FileFormat.PARQUET:
            table = pq.ParquetFile(source).read_row_groups([0]).slice(0, ROWS_PER_TABLE)
        else:
            table = pacsv.read_csv(source).slice(0, ROWS_PER_TABLE)
        rows = _as_text(table)
        n = table.num_rows
        for k, row in enumerate(range(SPACING, n, SPACING)):
            fault = faults[(k + seed) % len(faults)]
            fault.apply(rows, row)
            for key, value in zip(injected, (name, row + 1, fault.field, fault.reason),
                                  strict=True):  # fmt: skip
                injected[key].append(value)
        text = pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()})
        pacsv.write_csv(text, target / f"{name}.csv")
    pacsv.write_csv(pa.table(injected), target / INJECTED_FILE)
    return target
