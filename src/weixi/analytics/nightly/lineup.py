"""Step outputs set beside the customers they describe: a left join on the customer code.

Every step after ``features`` writes Parquet keyed by customer code, in an order of its
own; the steps that use several of them (``assign``, ``warnings``, ``dispatch``) need them
lined up with the operational database's customers. DuckDB does that, one left join per
output: it reads only the columns asked for, hashes the keys on both cores, skips the
output's row groups that hold none of the customers asked for, and hands back Arrow
columns in the customers' order.

Measured at ten million customers (docs/benchmarks.md, "Step outputs joined in DuckDB"):
Arrow's ``index_in`` spent 3.8 s hashing one output's ten million string keys, and the
dispatch step did that, plus a filtered rescan, for five outputs in each of four buckets.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

#: Threads DuckDB may use for a join (the machine the floors are set on has two cores).
JOIN_THREADS = 2
#: DuckDB's memory for one join; beyond it, it spills to a temporary directory.
JOIN_MEMORY = "1GB"


@dataclass(frozen=True)
class Part:
    """Some columns of one step output (a Parquet file, or a directory of parts).

    ``columns`` maps a column of the output to its name beside the customers; ``key`` is
    the output's customer-code column.
    """

    path: Path
    columns: Mapping[str, str] = field(default_factory=dict)
    key: str = "customer_id"

    def files(self) -> list[str]:
        if self.path.is_dir():
            return sorted(str(p) for p in self.path.glob("*.parquet"))
        return [str(self.path)] if self.path.exists() else []


def part(path: Path, *columns: str, key: str = "customer_id", **renamed: str) -> Part:
    """A :class:`Part` of ``columns`` under their own names and ``renamed`` (new=old)."""
    names = {c: c for c in columns} | {old: new for new, old in renamed.items()}
    return Part(path, names, key)


def codes_of(db: pd.DataFrame) -> pa.Array:
    """The customer codes of a frame indexed by code, as one Arrow string array."""
    codes = pa.array(db.index.array)
    # An Arrow-backed index gives its chunks back as they are (instantly); wrapping those
    # in a new chunked array instead walked them value by value (1.3 s at a million).
    if isinstance(codes, pa.ChunkedArray):
        codes = codes.combine_chunks()
    return codes.cast(pa.string())


def beside(db: pd.DataFrame, *parts: Part, codes: pa.Array | None = None) -> pd.DataFrame:
    """``db`` (indexed by customer code) with each part's columns beside its rows.

    A customer missing from an output gets nulls there, and so does every customer when
    the output has no file (a step that did not run tonight, such as ``warnings`` under
    ``weixi assign``). A code an output holds twice is refused: every step writes one row
    per customer, so that would be a bug, not data to pick from.
    """
    codes = codes_of(db) if codes is None else codes
    out = db.copy(deep=False)
    present = []
    for p in parts:
        files = p.files()
        if files:
            present.append((p, files))
        else:
            for name in p.columns.values():
                out[name] = np.full(len(out), None, dtype=object)
    if not present:
        return out
    frame = _join(codes, present).to_pandas()
    for name in frame.columns:
        out[name] = frame[name].array  # an array, not a series: no index alignment
    return out


def _join(codes: pa.Array, parts: list[tuple[Part, list[str]]]) -> pa.Table:
    """The parts' columns in the order of ``codes``, one left join per part.

    One query per part, not one query joining them all: alone, each join builds its
    hash table on the smaller side (the customers here, filtering the output's row
    groups by them); chained, DuckDB built some on the ten-million-row outputs, taking
    twice the CPU and four times the memory (docs/benchmarks.md).
    """
    with tempfile.TemporaryDirectory(prefix="weixi-lineup-") as spill:
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"SET threads = {JOIN_THREADS}")
            con.execute(f"SET memory_limit = '{JOIN_MEMORY}'")
            con.execute(f"SET temp_directory = '{spill}'")
            customers = pa.table({"code": codes, "pos": pa.array(np.arange(len(codes)))})
            con.register("night_customers", customers)
            columns: dict[str, pa.ChunkedArray] = {}
            for p, files in parts:
                selected = ", ".join(f'p."{src}" AS "{dst}"' for src, dst in p.columns.items())
                query = (
                    f"SELECT {selected} FROM night_customers c "
                    f'LEFT JOIN read_parquet({_list(files)}) p ON p."{p.key}" = c.code '
                    "ORDER BY c.pos"
                )
                result = con.sql(query).to_arrow_table()
                if result.num_rows != len(codes):
                    raise RuntimeError(f"{p.path} holds a customer twice")
                columns.update(zip(result.column_names, result.columns, strict=True))
            return pa.table(columns)
        finally:
            con.close()


def _list(files: list[str]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
