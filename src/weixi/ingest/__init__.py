"""Reading operator exports: the import schema (`schema`) and row validation (`validate`)."""

from weixi.ingest.schema import IMPORT_TABLES, TABLES, Column, ColumnType, Table, get_table

__all__ = ["IMPORT_TABLES", "TABLES", "Column", "ColumnType", "Table", "get_table"]
