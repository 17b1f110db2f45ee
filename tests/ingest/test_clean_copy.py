"""The clean copy of a Parquet export is the same rows whether or not it is copied whole."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from weixi.ingest.schema import TABLES
from weixi.ingest.validate import _in_canonical_form, known_ids_for, validate_file
from weixi.synth import SynthConfig, generate

TABLE = TABLES["products"]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export")
    generate(SynthConfig(customers=800, months=2, seed=3, workers=1), out)
    return out


def _validated(source: Path, export: Path, out: Path, batch_rows: int) -> pa.Table:
    report = validate_file(
        source,
        TABLE,
        known=known_ids_for(TABLE, export),
        good_out=out / "good.parquet",
        quarantine_out=out / "bad.parquet",
        batch_rows=batch_rows,
    )
    good = pq.read_table(out / "good.parquet")
    assert good.num_rows == report.rows_good == report.rows_read - report.rows_quarantined
    return good


def test_a_clean_export_in_canonical_form_is_copied_row_for_row(
    export: Path, tmp_path: Path
) -> None:
    source = export / TABLE.file_name()
    assert _in_canonical_form(source, TABLE)
    good = _validated(source, export, tmp_path, batch_rows=97)
    assert good.equals(pq.read_table(source))


@pytest.mark.parametrize("bad_row", [0, 150, -1])
def test_a_bad_row_in_any_batch_leaves_every_good_row_and_only_those(
    export: Path, tmp_path: Path, bad_row: int
) -> None:
    rows = pq.read_table(export / TABLE.file_name())
    ids = rows.column("customer_id").to_pylist()
    at = bad_row % len(ids)
    ids[at] = "NOT-A-CUSTOMER"  # an unknown reference: quarantined, the rest good
    broken = rows.set_column(
        rows.schema.get_field_index("customer_id"), "customer_id", pa.array(ids, pa.string())
    )
    source = tmp_path / "products.parquet"
    pq.write_table(broken.cast(TABLE.arrow_schema()), source)
    assert _in_canonical_form(source, TABLE)
    out = tmp_path / "out"
    out.mkdir()
    good = _validated(source, export, out, batch_rows=97)
    expected = broken.take([i for i in range(len(ids)) if i != at]).cast(TABLE.arrow_schema())
    assert good.cast(TABLE.arrow_schema()).equals(expected)
