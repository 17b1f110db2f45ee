"""Deterministic table writers: the same rows give byte-identical files.

Parquet is written with fixed options (codec, page and row-group sizes, format version) and
no user metadata, so two runs with the same seed produce the same bytes; CSV is written by
Arrow's CSV writer with a header row.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from weixi.ingest.schema import Table

ROW_GROUP_ROWS = 1 << 20


class FileFormat(StrEnum):
    PARQUET = "parquet"
    CSV = "csv"


class TableWriter:
    """Appends batches of one table to ``out/<table file>``; use as a context manager."""

    def __init__(self, out: Path, table: Table, fmt: FileFormat) -> None:
        self.table = table
        self.schema = table.arrow_schema()
        self.path = out / table.file_name(fmt.value)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.rows = 0
        self._writer: pq.ParquetWriter | pacsv.CSVWriter
        if fmt is FileFormat.PARQUET:
            self._writer = pq.ParquetWriter(
                self.path,
                self.schema,
                compression="zstd",
                compression_level=1,
                use_dictionary=True,
                write_statistics=True,
                version="2.6",
                data_page_size=1 << 20,
                store_schema=False,
            )
        else:
            self._writer = pacsv.CSVWriter(self.path, self.schema)

    def write(self, columns: dict[str, pa.Array]) -> None:
        """Append rows given as one array per column (all of the table's columns)."""
        arrays = [columns[name] for name in self.schema.names]
        batch = pa.Table.from_arrays(arrays, schema=self.schema)
        if isinstance(self._writer, pq.ParquetWriter):
            self._writer.write_table(batch, row_group_size=ROW_GROUP_ROWS)
        else:
            self._writer.write_table(batch)
        self.rows += batch.num_rows

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
