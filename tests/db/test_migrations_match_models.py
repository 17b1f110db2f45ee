"""The migrations build exactly the schema the models declare (tables, columns, indexes)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from weixi.db.base import Base, import_all_models


def test_the_migrated_schema_has_nothing_the_models_do_not_declare(db_engine: Engine) -> None:
    import_all_models()
    with db_engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []


def test_work_orders_have_no_index_a_composite_index_already_leads_with(
    db_engine: Engine,
) -> None:
    indexes = inspect(db_engine).get_indexes("work_orders")
    leading = {tuple(i["column_names"][:1]) for i in indexes if len(i["column_names"]) > 1}
    single = {tuple(i["column_names"]) for i in indexes if len(i["column_names"]) == 1}
    assert single & leading == set()
