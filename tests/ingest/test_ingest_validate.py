"""The validator: every row ends up good or quarantined with its reason, never dropped."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from weixi.errors import ImportFailed
from weixi.ingest.schema import IMPORT_TABLES, TABLES, get_table
from weixi.ingest.validate import (
    KnownIds,
    Reason,
    iter_validated,
    known_ids_for,
    validate_file,
)
from weixi.synth import SynthConfig, generate
from weixi.synth.corrupt import CORRUPT_DIR, FAULTS, INJECTED_FILE

CUSTOMER_HEADER = (
    "customer_id,name,phone,id_number,home_county_id,activated_on,deactivated_on,channel,"
    "payment,device_model,device_is_iphone,device_bought_on,contract_end_on,household_id,"
    "segment,account_manager_id"
)
GOOD_CUSTOMER = (
    "C000000001,王伟,18612345678,370102198001010015,370102,2009-05-01,,hall,postpaid,"
    "Nokia 5230,false,2009-05-01,,H000000001,personal,"
)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    generate(SynthConfig(customers=3_000, months=4, seed=21, workers=1, corrupt=True), out)
    return out


def _csv(tmp_path: Path, *lines: str, header: str = CUSTOMER_HEADER) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def _replace(line: str, column: str, value: str) -> str:
    fields = line.split(",")
    fields[CUSTOMER_HEADER.split(",").index(column)] = value
    return ",".join(fields)


def test_clean_synthetic_export_has_zero_quarantined_rows(export: Path) -> None:
    for name in IMPORT_TABLES:
        table = TABLES[name]
        report = validate_file(
            export / table.file_name(), table, known=known_ids_for(table, export)
        )
        assert report.unchecked_references == ()
        assert report.rows_quarantined == 0, (name, report.quarantined[:3])
        assert report.rows_good == report.rows_read


def test_corrupted_copy_has_every_bad_row_quarantined_with_its_reason(export: Path) -> None:
    injected = pacsv.read_csv(export / CORRUPT_DIR / INJECTED_FILE).to_pylist()
    for name in FAULTS:
        table = TABLES[name]
        report = validate_file(
            export / CORRUPT_DIR / f"{name}.csv", table, known=known_ids_for(table, export)
        )
        got = {(q.row_number, q.field, q.reason.value) for q in report.quarantined}
        expected = {
            (i["row_number"], i["field"], i["reason"]) for i in injected if i["table"] == name
        }
        assert got == expected, name
        assert report.rows_quarantined == len(expected)
        assert report.rows_good + report.rows_quarantined == report.rows_read
        assert {r for _, _, r in expected} >= {"duplicate_key"}


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("activated_on", "2010-02-30", Reason.BAD_TYPE),
        ("activated_on", "1850-01-01", Reason.OUT_OF_RANGE),
        ("device_is_iphone", "perhaps", Reason.BAD_TYPE),
        ("channel", "carrier_pigeon", Reason.NOT_ALLOWED),
        ("id_number", "370102198001010016", Reason.BAD_FORMAT),
        ("phone", "12345", Reason.BAD_FORMAT),
        ("name", "", Reason.MISSING),
        ("deactivated_on", "2001-01-01", Reason.OUT_OF_ORDER),
    ],
)
def test_each_kind_of_bad_field_is_quarantined_with_its_reason(
    tmp_path: Path, column: str, value: str, reason: Reason
) -> None:
    path = _csv(
        tmp_path, GOOD_CUSTOMER, _replace(GOOD_CUSTOMER.replace("001,", "002,", 1), column, value)
    )
    report = validate_file(path, "customers")
    assert report.rows_good == 1
    assert [(q.row_number, q.field, q.reason) for q in report.quarantined] == [(2, column, reason)]
    assert report.quarantined[0].value == (value or None)


def test_duplicate_keys_are_found_across_batches_and_the_first_row_kept(tmp_path: Path) -> None:
    other = _replace(_replace(GOOD_CUSTOMER, "customer_id", "C9"), "phone", "18612345670")
    second = _replace(GOOD_CUSTOMER, "phone", "18612345679")
    path = _csv(tmp_path, GOOD_CUSTOMER, other, second)
    batches = list(iter_validated(path, "customers", batch_rows=1))
    records = [q for b in batches for q in b.quarantined]
    assert sum(b.good.num_rows for b in batches) == 2
    assert [(q.row_number, q.field, q.reason) for q in records] == [
        (3, "customer_id", Reason.DUPLICATE_KEY)
    ]


def test_a_unique_column_rejects_a_repeated_value(tmp_path: Path) -> None:
    path = _csv(tmp_path, GOOD_CUSTOMER, _replace(GOOD_CUSTOMER, "customer_id", "C000000002"))
    report = validate_file(path, "customers")
    assert [(q.field, q.reason) for q in report.quarantined] == [("phone", Reason.DUPLICATE_KEY)]


def test_references_are_checked_against_known_ids(tmp_path: Path) -> None:
    path = _csv(tmp_path, GOOD_CUSTOMER, _replace(GOOD_CUSTOMER, "customer_id", "C2").replace(
        "18612345678", "18612345670").replace(",370102,", ",379999,"))  # fmt: skip
    known = {"org_units.unit_id[kind=county]": KnownIds.from_values(["370102", "370103"])}
    report = validate_file(path, "customers", known=known)
    assert [(q.row_number, q.field, q.reason, q.value) for q in report.quarantined] == [
        (2, "home_county_id", Reason.UNKNOWN_REFERENCE, "379999")
    ]
    assert "staff.staff_id" in report.unchecked_references


def test_timestamps_accept_zones_and_read_zoneless_values_as_utc(tmp_path: Path) -> None:
    header = "order_id,customer_id,kind,opened_at,promised_at,completed_at,county_id"
    path = tmp_path / "fixed_orders.csv"
    path.write_text(
        f"{header}\nF1,C1,repair,2010-03-01T16:00:00+08:00,2010-03-03 08:00:00Z,,370102\n"
        "F2,C1,repair,2010-03-01 08:00:00,2010-03-03 08:00:00,2010-03-02 08:00:00,370102\n"
        "F3,C1,repair,yesterday,2010-03-03 08:00:00Z,,370102\n",
        encoding="utf-8",
    )
    out = tmp_path / "good.parquet"
    report = validate_file(path, "fixed_orders", good_out=out)
    assert [(q.row_number, q.field, q.reason) for q in report.quarantined] == [
        (3, "opened_at", Reason.BAD_TYPE)
    ]
    good = pq.read_table(out)
    assert good.schema == get_table("fixed_orders").arrow_schema()
    assert good["opened_at"][0].as_py() == good["opened_at"][1].as_py()


def test_wrong_types_in_parquet_columns_are_parsed_per_value(tmp_path: Path, export: Path) -> None:
    source = pacsv.read_csv(export / CORRUPT_DIR / "products.csv")  # every column text
    path = tmp_path / "products.parquet"
    pq.write_table(source, path)
    report = validate_file(path, "products")
    assert report.rows_read == source.num_rows
    assert {q.reason for q in report.quarantined} >= {Reason.BAD_TYPE, Reason.OUT_OF_RANGE}


def test_a_missing_required_column_fails_the_whole_file(tmp_path: Path) -> None:
    path = _csv(tmp_path, "C1", header="customer_id")
    with pytest.raises(ImportFailed):
        list(iter_validated(path, "customers"))


def test_malformed_csv_lines_are_quarantined_not_dropped(tmp_path: Path) -> None:
    second = _replace(GOOD_CUSTOMER, "customer_id", "C2").replace("18612345678", "18612345670")
    path = _csv(tmp_path, GOOD_CUSTOMER, "C3,only,three", second)
    report = validate_file(path, "customers")
    assert report.rows_good == 2
    assert [(q.reason, q.value) for q in report.quarantined] == [
        (Reason.MALFORMED_ROW, "C3,only,three")
    ]
    assert report.rows_quarantined == 1


def test_quarantine_can_stream_to_parquet(tmp_path: Path, export: Path) -> None:
    out = tmp_path / "quarantine.parquet"
    report = validate_file(
        export / CORRUPT_DIR / "usage_monthly.csv", "usage_monthly", quarantine_out=out
    )
    assert report.quarantined == []
    assert pq.read_table(out).num_rows == report.quarantine_records > 0


def test_columns_outside_the_schema_are_reported_as_ignored(tmp_path: Path) -> None:
    path = _csv(tmp_path, GOOD_CUSTOMER + ",x", header=CUSTOMER_HEADER + ",loyalty_points")
    report = validate_file(path, "customers")
    assert report.ignored_columns == ("loyalty_points",)
    assert report.rows_good == 1


def test_known_ids_are_read_once_per_export_with_a_cache(export: Path) -> None:
    cache: dict[str, KnownIds] = {}
    usage = known_ids_for(TABLES["usage_monthly"], export, cache=cache)
    contacts = known_ids_for(TABLES["contacts"], export, cache=cache)
    assert usage["customers.customer_id"] is contacts["customers.customer_id"]
    assert len(usage["customers.customer_id"]) == 3_000
