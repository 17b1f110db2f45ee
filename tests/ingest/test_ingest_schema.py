"""The import schema is consistent with itself and with docs/data-model.md."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from weixi.ingest.schema import IMPORT_TABLES, TABLES

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "gen_data_model_doc.py"


def test_every_reference_names_an_existing_column_of_an_earlier_or_same_table() -> None:
    order = list(TABLES)
    for name, table in TABLES.items():
        for col, ref in table.references():
            target = TABLES[ref.table]
            assert ref.column in target.column_names, (name, col.name)
            assert order.index(ref.table) <= order.index(name), (name, ref.table)


def test_keys_and_cross_column_rules_name_real_columns() -> None:
    for table in TABLES.values():
        assert set(table.primary_key) <= set(table.column_names)
        for col in table.columns:
            for other in (col.ge, col.le):
                assert other is None or other in table.column_names


def test_ground_truth_is_not_an_import_table() -> None:
    assert "churn_truth" not in IMPORT_TABLES
    assert TABLES["churn_truth"].file_name() == "_truth/churn_truth.parquet"


def test_data_model_document_is_generated_from_the_schema() -> None:
    spec = importlib.util.spec_from_file_location("gen_data_model_doc", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    doc = Path(module.DOC).read_text(encoding="utf-8")
    assert doc == module.render(), "run: python scripts/gen_data_model_doc.py"
