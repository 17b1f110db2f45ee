"""Validate an export file against its table schema, in bounded memory, never dropping a row.

Every row of the file ends up either in the good output (typed to the table's canonical Arrow
schema) or in quarantine with one `Quarantined` record per failing field. The file is read in
Arrow batches; the only state that grows with the file is one 64-bit hash per distinct primary
key (and per distinct value of a ``unique`` column) for duplicate detection, with a bit filter
in front of them (`weixi.ingest.keysets`): about 10 bytes a row, so 40 M customers need about
400 MB. Reference checks take the known ids as `KnownIds` (hashed the same way). Hash
collisions (probability about n²/2⁶⁵, 4·10⁻⁵ at 40 M keys) could make a unique key look
duplicated or an unknown id look known; we accept that risk.

Typical use by an importer::

    table = get_table("customers")
    known = {"org_units.unit_id[kind=county]": KnownIds.from_values(county_ids)}
    report = validate_file(path, table, known=known, good_out=tmp / "customers.parquet")
    # or, to insert batch by batch:
    for batch in iter_validated(path, table, known=known):
        insert(batch.good); store(batch.quarantined)
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from weixi.errors import ImportFailed
from weixi.ingest.keysets import KnownIds, SeenKeys, hash_rows
from weixi.ingest.schema import TABLES, Check, Column, ColumnType, Table, prc_check_chars

DEFAULT_BATCH_ROWS = 1 << 20
"""Rows per batch: large enough that per-batch overheads vanish, small enough to bound memory."""
_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


class Reason(StrEnum):
    MISSING = "missing"
    """A required value is empty."""
    BAD_TYPE = "bad_type"
    """Not parseable as the column's type (including impossible dates like 2010-02-30)."""
    NOT_ALLOWED = "not_allowed"
    OUT_OF_RANGE = "out_of_range"
    """Below the minimum or above the maximum (for dates: outside the sane window)."""
    BAD_FORMAT = "bad_format"
    """Fails the column's pattern or named check (e.g. an ID number's check digit)."""
    OUT_OF_ORDER = "out_of_order"
    """Before/after another field of the same row it may not precede/exceed."""
    DUPLICATE_KEY = "duplicate_key"
    """The primary key (or a unique value) already appeared earlier in the file."""
    UNKNOWN_REFERENCE = "unknown_reference"
    MALFORMED_ROW = "malformed_row"
    """A CSV line with the wrong number of fields (its row number is not known: 0)."""


@dataclass(frozen=True)
class Quarantined:
    file: str
    row_number: int
    """1-based data row (the header is not counted)."""
    field: str
    value: str | None
    reason: Reason
    detail: str = ""


QUARANTINE_SCHEMA = pa.schema(
    [
        ("file", pa.string()),
        ("row_number", pa.int64()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
    ]
)


@dataclass
class ValidatedBatch:
    good: pa.RecordBatch
    quarantined: list[Quarantined]
    rows_read: int


@dataclass
class ValidationReport:
    table: str
    file: str
    rows_read: int = 0
    rows_good: int = 0
    rows_quarantined: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    """All records when collected in memory; empty when written to ``quarantine_out``."""
    quarantine_records: int = 0
    unchecked_references: tuple[str, ...] = ()
    """Reference keys for which no known ids were given (not checked)."""
    ignored_columns: tuple[str, ...] = ()

    def reasons(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for q in self.quarantined:
            counts[q.reason.value] = counts.get(q.reason.value, 0) + 1
        return counts


# --- Reading ------------------------------------------------------------------------------


def _is_csv(path: Path) -> bool:
    return path.suffix.lower() in (".csv", ".txt") or path.name.lower().endswith(".csv.gz")


def _read_batches(
    path: Path, batch_rows: int, on_malformed: Callable[[str], None]
) -> tuple[list[str], Iterator[pa.RecordBatch], int | None]:
    """The file's column names, its batches (CSV read as strings, to parse per field) and its
    row count if known without reading it (Parquet)."""
    try:
        if not _is_csv(path):
            pf = pq.ParquetFile(path)
            rows = pf.metadata.num_rows
            return pf.schema_arrow.names, pf.iter_batches(batch_size=batch_rows), rows
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), [])
        if not header:
            raise ImportFailed(f"{path.name}: empty CSV file (no header)", file=str(path))

        def handler(row: pacsv.InvalidRow) -> str:
            on_malformed(row.text)
            return "skip"

        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=False, block_size=64 << 20),
            parse_options=pacsv.ParseOptions(invalid_row_handler=handler),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
        return header, iter(reader), None
    except (OSError, pa.ArrowInvalid) as exc:
        raise ImportFailed(f"{path.name}: cannot read: {exc}", file=str(path)) from exc


# --- Parsing ------------------------------------------------------------------------------


def _try_cast(arr: pa.Array, col: Column) -> pa.Array | None:
    target = col.arrow_type
    try:
        if col.type is ColumnType.BOOL and pa.types.is_string(arr.type):
            low = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
            ok = pc.or_(pc.is_in(low, pa.array(_TRUE + _FALSE)), pc.is_null(low))
            if not pc.all(ok).as_py():
                return None
            truth = pc.is_in(low, pa.array(_TRUE))
            return pc.if_else(pc.is_null(low), pa.scalar(None, pa.bool_()), truth)
        if col.type is ColumnType.TIMESTAMP and pa.types.is_string(arr.type):
            try:
                return pc.cast(arr, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                # No zone given: the instant is read as UTC (documented in the schema).
                return pc.cast(pc.cast(arr, pa.timestamp("ms")), target)
        if col.type is ColumnType.INT and pa.types.is_string(arr.type):
            return pc.cast(pc.utf8_trim_whitespace(arr), target)
        return pc.cast(arr, target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


def _parse(arr: pa.Array, col: Column) -> tuple[pa.Array, np.ndarray]:
    """Cast to the column's type; values that do not cast become null and are flagged.

    Failing values are found by bisection, so a batch with k bad values costs about
    k·log(n) small casts instead of n.
    """
    if arr.type == col.arrow_type:
        return arr, np.zeros(len(arr), dtype=bool)
    whole = _try_cast(arr, col)
    if whole is not None:
        return whole, np.zeros(len(arr), dtype=bool)
    bad = np.zeros(len(arr), dtype=bool)
    pieces: list[pa.Array] = []

    def solve(lo: int, hi: int) -> None:
        part = _try_cast(arr.slice(lo, hi - lo), col)
        if part is not None:
            pieces.append(part)
        elif hi - lo == 1:
            bad[lo] = True
            pieces.append(pa.nulls(1, col.arrow_type))
        else:
            mid = (lo + hi) // 2
            solve(lo, mid)
            solve(mid, hi)

    solve(0, len(arr))
    return pa.concat_arrays(pieces), bad


# --- Checks -------------------------------------------------------------------------------


def _bound_scalar(value: float | dt.date, col: Column) -> pa.Scalar:
    if col.type is ColumnType.TIMESTAMP and isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
        return pa.scalar(moment, col.arrow_type)
    return pa.scalar(value, col.arrow_type)


def _mask(arr: pa.Array) -> np.ndarray:
    """A boolean Arrow array as NumPy, null meaning False."""
    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)


def _prc_valid(arr: pa.Array) -> np.ndarray:
    shape_ok = _mask(pc.match_substring_regex(arr, r"^[0-9]{17}[0-9X]$"))
    ok = shape_ok.copy()
    if shape_ok.any():
        subset = arr.filter(pa.array(shape_ok))
        raw = pc.binary_join_element_wise(subset, "", "").cast(pa.binary())
        offsets = np.frombuffer(raw.buffers()[1], dtype=np.int32)[
            raw.offset : raw.offset + len(raw) + 1
        ]
        data = np.frombuffer(raw.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        matrix = data.reshape(-1, 18)
        ok[shape_ok] = prc_check_chars(matrix[:, :17]) == matrix[:, 17]
    return ok | arr.is_null().to_numpy(zero_copy_only=False)


_MIN_DISTINCT_ROWS = 1024
"""Below this many rows a batch's values are checked as they are."""


@dataclass(frozen=True)
class _Distinct:
    """A column of one batch as a shorter list of values and, per row, which one is its value.

    Id columns repeat a lot within a batch (a customer's rows are adjacent in the usage and
    cell files; some 25 000 cells serve a million rows), so checking each value once and
    spreading the answers over the rows saves most of the pattern and reference work.
    """

    values: pa.Array
    index: np.ndarray | None = None
    """Per row, the position of its value in ``values``; None when they are the rows."""

    @classmethod
    def of(cls, arr: pa.Array, *, at_most: int | None = None) -> _Distinct:
        """The column as runs of equal adjacent values, or as a dictionary if it can hold
        only ``at_most`` distinct valid values and its runs are more (a dictionary costs a
        hash of every value), or as the rows if runs do not shorten it by a quarter."""
        n = len(arr)
        if n < _MIN_DISTINCT_ROWS:
            return cls(arr)
        starts = np.empty(n, dtype=bool)
        starts[0] = True
        # A null next to anything starts a run of its own (its comparison is null).
        changed = pc.fill_null(pc.not_equal(arr.slice(1), arr.slice(0, n - 1)), True)
        starts[1:] = changed.to_numpy(zero_copy_only=False)
        runs = np.count_nonzero(starts)
        if at_most is not None and runs > at_most:
            encoded = pc.dictionary_encode(arr, null_encoding="encode")
            return cls(encoded.dictionary, encoded.indices.to_numpy())
        if 4 * runs <= 3 * n:
            return cls(arr.filter(pa.array(starts)), np.cumsum(starts) - 1)
        return cls(arr)

    def expand(self, per_value: np.ndarray) -> np.ndarray:
        """Per row, the answer given for its value."""
        return per_value if self.index is None else per_value[self.index]


def _value_checks(
    col: Column, typed: pa.Array, distinct: _Distinct | None = None
) -> list[tuple[np.ndarray, Reason, str]]:
    """Rule failures of one parsed column (nulls never fail these rules); ``distinct`` is the
    column as `_Distinct`, for the checks that run once per value."""
    out: list[tuple[np.ndarray, Reason, str]] = []
    if col.allowed is not None:
        bad = ~_mask(pc.is_in(typed, pa.array(col.allowed))) & _mask(pc.is_valid(typed))
        out.append((bad, Reason.NOT_ALLOWED, f"allowed: {', '.join(col.allowed)}"))
    low, high = col.bounds()
    if col.type is ColumnType.FLOAT:
        finite = _mask(pc.is_finite(typed)) | ~_mask(pc.is_valid(typed))
        out.append((~finite, Reason.BAD_TYPE, "not a finite number"))
    if low is not None:
        out.append((_mask(pc.less(typed, _bound_scalar(low, col))), Reason.OUT_OF_RANGE,
                    f"below {low}"))  # fmt: skip
    if high is not None:
        out.append((_mask(pc.greater(typed, _bound_scalar(high, col))), Reason.OUT_OF_RANGE,
                    f"above {high}"))  # fmt: skip
    if col.pattern is not None:
        values = distinct or _Distinct(typed)
        ok = _mask(pc.match_substring_regex(values.values, f"^(?:{col.pattern})$"))
        bad = values.expand(~ok & _mask(pc.is_valid(values.values)))
        out.append((bad, Reason.BAD_FORMAT, "pattern mismatch"))
    if col.check is Check.PRC_ID:
        out.append((~_prc_valid(typed), Reason.BAD_FORMAT, "not a valid PRC ID number"))
    if col.check is Check.MONTH_START:
        out.append((_mask(pc.not_equal(pc.day(typed), 1)), Reason.BAD_FORMAT,
                    "not the first day of a month"))  # fmt: skip
    return out


@dataclass
class _Failures:
    """Per-field failure masks of one batch."""

    n: int
    items: list[tuple[str, np.ndarray, Reason, str]] = field(default_factory=list)

    def add(self, name: str, mask: np.ndarray, reason: Reason, detail: str = "") -> None:
        if mask.any():
            self.items.append((name, mask, reason, detail))

    def any_row(self) -> np.ndarray:
        bad = np.zeros(self.n, dtype=bool)
        for _, mask, _, _ in self.items:
            bad |= mask
        return bad


class _Validator:
    def __init__(
        self,
        path: Path,
        table: Table,
        known: Mapping[str, KnownIds],
        *,
        expected_rows: int | None = None,
    ) -> None:
        self.path, self.table, self.known = path, table, known
        self.file = str(path)
        self.keys = SeenKeys(expected_rows)
        self.unique = {c.name: SeenKeys(expected_rows) for c in table.columns if c.unique}
        self.rows = 0

    def validate(self, batch: pa.RecordBatch) -> ValidatedBatch:
        n = batch.num_rows
        names = set(batch.schema.names)
        raw: dict[str, pa.Array] = {}
        for col in self.table.columns:
            raw[col.name] = (
                batch.column(col.name) if col.name in names else pa.nulls(n, col.arrow_type)
            )
        fails = _Failures(n)
        typed: dict[str, pa.Array] = {}
        distinct: dict[str, _Distinct] = {}
        for col in self.table.columns:
            typed[col.name], unparsed = _parse(raw[col.name], col)
            fails.add(col.name, unparsed, Reason.BAD_TYPE, f"not a {col.type.value}")
            missing = typed[col.name].is_null().to_numpy(zero_copy_only=False) & ~unparsed
            if not col.nullable:
                fails.add(col.name, missing, Reason.MISSING)
            if col.pattern is not None or col.references is not None:
                distinct[col.name] = _Distinct.of(typed[col.name], at_most=self._at_most(col, n))
            for mask, reason, detail in _value_checks(col, typed[col.name], distinct.get(col.name)):
                fails.add(col.name, mask, reason, detail)
        self._cross_checks(typed, distinct, fails)
        self._duplicates(typed, fails)
        bad = fails.any_row()
        # A filter copies every value even when it keeps them all; nearly every batch is clean.
        keep = pa.array(~bad) if bad.any() else None
        good = pa.RecordBatch.from_arrays(
            [
                typed[c.name] if keep is None else typed[c.name].filter(keep)
                for c in self.table.columns
            ],
            schema=self.table.arrow_schema(),
        )
        records = self._records(raw, fails)
        self.rows += n
        return ValidatedBatch(good, records, n)

    def _at_most(self, col: Column, n: int) -> int | None:
        """How many distinct valid values a batch of ``n`` rows can hold, if far fewer than
        ``n``: the size of the set ``col`` references (cells, staff, counties, plans)."""
        ref = col.references
        if ref is None or ref.key not in self.known or 4 * len(self.known[ref.key]) > n:
            return None
        return len(self.known[ref.key])

    def _cross_checks(
        self, typed: dict[str, pa.Array], distinct: dict[str, _Distinct], fails: _Failures
    ) -> None:
        for col in self.table.columns:
            for other, op, word in ((col.ge, pc.less, "before"), (col.le, pc.greater, "above")):
                if other is not None:
                    mask = _mask(op(typed[col.name], typed[other]))
                    fails.add(col.name, mask, Reason.OUT_OF_ORDER, f"{word} {other}")
            ref = col.references
            if ref is not None and ref.key in self.known:
                values = distinct[col.name]
                ok = values.expand(self.known[ref.key].contains(values.values))
                fails.add(col.name, ~ok, Reason.UNKNOWN_REFERENCE, f"not in {ref.key}")

    def _duplicates(self, typed: dict[str, pa.Array], fails: _Failures) -> None:
        """Mark repeated primary keys and unique values among the rows that passed the other
        checks (a row that fails them does not claim its key)."""
        ok = ~fails.any_row()
        key = "+".join(self.table.primary_key)
        dup = _repeats(self.keys, [typed[k] for k in self.table.primary_key], ok)
        fails.add(key, dup, Reason.DUPLICATE_KEY, "primary key")
        for name, seen in self.unique.items():
            # Rows with a repeated primary key still claim their unique values (as always).
            present = ok & typed[name].is_valid().to_numpy(zero_copy_only=False)
            fails.add(name, _repeats(seen, [typed[name]], present), Reason.DUPLICATE_KEY,
                      "unique value")  # fmt: skip

    def _records(self, raw: dict[str, pa.Array], fails: _Failures) -> list[Quarantined]:
        records = []
        for name, mask, reason, detail in fails.items:
            rows = np.flatnonzero(mask)
            values = self._values(raw, name, rows)
            for r, v in zip(rows.tolist(), values, strict=True):
                records.append(Quarantined(self.file, self.rows + r + 1, name, v, reason, detail))
        records.sort(key=lambda q: q.row_number)
        return records

    def _values(self, raw: dict[str, pa.Array], name: str, rows: np.ndarray) -> list[str | None]:
        cols = name.split("+")
        sel = pa.array(rows, pa.int64())
        parts = [raw[c].take(sel).to_pylist() for c in cols]
        return [
            None
            if all(p is None for p in vals)
            else "|".join("" if p is None else str(p) for p in vals)
            for vals in zip(*parts, strict=True)
        ]


def _repeats(seen: SeenKeys, columns: list[pa.Array], rows: np.ndarray) -> np.ndarray:
    """Which of the selected ``rows`` (a mask) have a key already in ``seen``; adds the rest."""
    dup = np.zeros(len(rows), dtype=bool)
    if rows.all():
        dup[:] = seen.duplicates(hash_rows(columns))
    elif rows.any():
        at = np.flatnonzero(rows)
        dup[at] = seen.duplicates(hash_rows([c.take(pa.array(at)) for c in columns]))
    return dup


def file_columns(path: Path) -> list[str]:
    """Column names of a CSV (header) or Parquet file, without reading its rows."""
    if _is_csv(path):
        with path.open(newline="", encoding="utf-8-sig") as fh:
            return next(csv.reader(fh), [])
    try:
        return list(pq.read_schema(path).names)
    except (OSError, pa.ArrowInvalid) as exc:
        raise ImportFailed(f"{path.name}: cannot read: {exc}", file=str(path)) from exc


def iter_validated(
    path: Path,
    table: Table | str,
    *,
    known: Mapping[str, KnownIds] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> Iterator[ValidatedBatch]:
    """Validate a CSV or Parquet file batch by batch: good rows and quarantine records.

    Raises `ImportFailed` if the file cannot be read or lacks a required column.
    """
    table = TABLES[table] if isinstance(table, str) else table
    malformed: list[str] = []
    names, batches, rows = _read_batches(path, batch_rows, malformed.append)
    missing = [c.name for c in table.columns if not c.nullable and c.name not in names]
    if missing:
        raise ImportFailed(
            f"{path.name}: missing required column(s) {', '.join(missing)} for {table.name}",
            file=str(path),
            missing=missing,
        )
    validator = _Validator(path, table, known or {}, expected_rows=rows)
    for batch in batches:
        result = validator.validate(batch)
        result.quarantined.extend(_malformed(path, malformed))
        yield result
    if malformed:
        yield ValidatedBatch(
            pa.RecordBatch.from_pylist([], schema=table.arrow_schema()),
            _malformed(path, malformed),
            0,
        )


def _malformed(path: Path, texts: list[str]) -> list[Quarantined]:
    out = [Quarantined(str(path), 0, "*", t, Reason.MALFORMED_ROW) for t in texts]
    texts.clear()
    return out


def validate_file(
    path: Path,
    table: Table | str,
    *,
    known: Mapping[str, KnownIds] | None = None,
    good_out: Path | None = None,
    quarantine_out: Path | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
) -> ValidationReport:
    """Validate a whole file; write good rows (Parquet) and quarantine records if asked.

    Without ``quarantine_out`` the records are collected in the report (fine for files with
    a modest number of bad rows); with it they are streamed to a Parquet file.
    """
    table = TABLES[table] if isinstance(table, str) else table
    report = ValidationReport(table.name, str(path))
    known = known or {}
    report.ignored_columns = tuple(
        name for name in file_columns(path) if name not in set(table.column_names)
    )
    report.unchecked_references = tuple(
        sorted({ref.key for _, ref in table.references() if ref.key not in known})
    )
    # A Parquet file already in the canonical columns and types whose every row passes
    # is its own clean copy: it is copied whole at the end instead of re-encoded batch by
    # batch (a fifth of the ingest step). The first batch with a bad row ends that: the
    # good batches before it are written from the source, and writing goes on as usual.
    mirror = good_out is not None and _in_canonical_form(path, table)
    good_writer = None if good_out is None or mirror else _good_writer(good_out, table)
    q_writer = pq.ParquetWriter(quarantine_out, QUARANTINE_SCHEMA) if quarantine_out else None
    clean_batches = 0
    try:
        for vb in iter_validated(path, table, known=known, batch_rows=batch_rows):
            report.rows_read += vb.rows_read
            report.rows_good += vb.good.num_rows
            malformed = sum(q.reason is Reason.MALFORMED_ROW for q in vb.quarantined)
            report.rows_quarantined += vb.rows_read - vb.good.num_rows + malformed
            report.quarantine_records += len(vb.quarantined)
            if mirror and vb.good.num_rows == vb.rows_read and not vb.quarantined:
                clean_batches += 1
            elif good_out is not None:
                if good_writer is None:
                    good_writer = _good_writer(good_out, table)
                    _write_source_batches(path, table, clean_batches, batch_rows, good_writer)
                    mirror = False
                if vb.good.num_rows:
                    good_writer.write_batch(vb.good)
            if q_writer is not None and vb.quarantined:
                q_writer.write_table(_quarantine_table(vb.quarantined))
            elif q_writer is None:
                report.quarantined.extend(vb.quarantined)
    finally:
        for w in (good_writer, q_writer):
            if w is not None:
                w.close()
    if mirror and good_out is not None:
        shutil.copyfile(path, good_out)  # a copy, not a link: the export may be rewritten
    return report


def _good_writer(good_out: Path, table: Table) -> pq.ParquetWriter:
    return pq.ParquetWriter(good_out, table.arrow_schema())


def _in_canonical_form(path: Path, table: Table) -> bool:
    """A Parquet file with exactly the table's columns, in order, of the canonical types
    (validated batches of it are then its own rows, unchanged)."""
    if _is_csv(path):
        return False
    schema = pq.read_schema(path)
    canonical = table.arrow_schema()
    return schema.names == canonical.names and schema.types == canonical.types


def _write_source_batches(
    path: Path, table: Table, count: int, batch_rows: int, writer: pq.ParquetWriter
) -> None:
    """Write the first ``count`` batches of the source (all of whose rows passed)."""
    if count == 0:
        return
    schema = table.arrow_schema()
    batches = pq.ParquetFile(path).iter_batches(batch_size=batch_rows)
    for _, batch in zip(range(count), batches, strict=False):
        writer.write_batch(
            pa.RecordBatch.from_arrays([batch.column(n) for n in schema.names], schema=schema)
        )


def _quarantine_table(records: list[Quarantined]) -> pa.Table:
    return pa.table(
        {
            "file": [q.file for q in records],
            "row_number": [q.row_number for q in records],
            "field": [q.field for q in records],
            "value": [q.value for q in records],
            "reason": [q.reason.value for q in records],
            "detail": [q.detail for q in records],
        },
        schema=QUARANTINE_SCHEMA,
    )


def known_ids_from_file(path: Path, column: str, *, kind: str | None = None) -> KnownIds:
    """Known ids for references: one column of an export file, optionally where kind=…"""
    columns = [column] if kind is None else [column, "kind"]
    if _is_csv(path):
        opts = pacsv.ConvertOptions(
            include_columns=columns, column_types={c: pa.string() for c in columns}
        )
        tbl = pacsv.read_csv(path, convert_options=opts)
    else:
        tbl = pq.read_table(path, columns=columns)
    if kind is not None:
        tbl = tbl.filter(pc.equal(tbl["kind"], kind))
    return KnownIds.from_values(tbl[column])


def known_ids_for(
    table: Table, export_dir: Path, *, cache: dict[str, KnownIds] | None = None
) -> dict[str, KnownIds]:
    """Known ids for every reference of ``table``, read from the files of ``export_dir``
    (Parquet preferred, CSV otherwise); references whose file is absent are left out.

    Pass the same ``cache`` dict when validating several tables of one export, so that e.g.
    the customer ids are read once for usage, products, contacts and orders.
    """
    cache = {} if cache is None else cache
    known: dict[str, KnownIds] = {}
    for _, ref in table.references():
        if ref.key in cache:
            known[ref.key] = cache[ref.key]
            continue
        target = TABLES[ref.table]
        for fmt in ("parquet", "csv"):
            path = export_dir / target.file_name(fmt)
            if path.exists():
                known[ref.key] = cache[ref.key] = known_ids_from_file(
                    path, ref.column, kind=ref.kind
                )
                break
    return known


__all__ = [
    "QUARANTINE_SCHEMA",
    "KnownIds",
    "Quarantined",
    "Reason",
    "ValidatedBatch",
    "ValidationReport",
    "file_columns",
    "iter_validated",
    "known_ids_for",
    "known_ids_from_file",
    "validate_file",
]
