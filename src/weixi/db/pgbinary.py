"""Arrow record batches as PostgreSQL's binary COPY format, built with numpy.

The nightly dispatch COPYs tens of millions of values a night. As CSV, Arrow spends most
of the client's time formatting them and PostgreSQL most of the server's parsing them back
(a ``timestamptz`` or a ``double precision`` read from text costs far more than eight bytes
taken as they are). The binary format (PostgreSQL documentation, "COPY", section "Binary
Format") is a header, then per row a 16-bit field count and per field a 32-bit length
(−1 for NULL) followed by the value in the type's binary send/receive form, all integers
big-endian, then a 16-bit −1 as trailer. The forms used here:

* ``smallint``/``integer``/``bigint``: two's complement of 2, 4, 8 bytes;
* ``real``/``double precision``: IEEE 754 of 4, 8 bytes;
* ``boolean``: one byte, 0 or 1;
* ``date``: 32-bit days since 2000-01-01;
* ``timestamp``/``timestamptz``: 64-bit microseconds since 2000-01-01 00:00 (UTC for
  ``timestamptz``);
* ``text``/``character varying``/``json``: the UTF-8 bytes (the server still checks
  ``varchar(n)`` lengths and JSON syntax);
* ``jsonb``: a version byte 1, then the JSON text.

A row is built without a Python object per value: each field's bytes are scattered into
one output buffer at offsets computed from the lengths of all fields before it.
`encoder` returns None for a table that holds a type (or a pairing of an Arrow type with a
column type) not listed here; the caller then uses CSV, which PostgreSQL parses itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"

_EPOCH_2000_DAYS = (dt.date(2000, 1, 1) - dt.date(1970, 1, 1)).days
_EPOCH_2000_US = _EPOCH_2000_DAYS * 86_400 * 1_000_000

_INTS = {"smallint": ">i2", "integer": ">i4", "bigint": ">i8"}
_FLOATS = {"real": ">f4", "double precision": ">f8"}
_TEXTS = {"text", "character varying", "json"}


@dataclass(frozen=True)
class _Fixed:
    """A column of fixed-width values: big-endian ``dtype`` of the Arrow type ``arrow``."""

    arrow: pa.DataType
    dtype: str
    shift: int = 0  # subtracted from each value (the 2000-01-01 epochs)


@dataclass(frozen=True)
class _Text:
    prefix: bytes = b""  # jsonb's version byte


_Kind = _Fixed | _Text


def _kind(arrow: pa.DataType, pg: str) -> _Kind | None:
    """How a column of Arrow type ``arrow`` goes into a column of PostgreSQL type ``pg``."""
    if pa.types.is_dictionary(arrow):
        return _kind(arrow.value_type, pg)
    if pa.types.is_null(arrow):
        return _Text()  # every value is NULL, whatever the column's type
    if pg in _INTS and (pa.types.is_integer(arrow) or pa.types.is_boolean(arrow)):
        return _Fixed(pa.from_numpy_dtype(np.dtype(_INTS[pg]).newbyteorder("=")), _INTS[pg])
    if pg in _FLOATS and (pa.types.is_floating(arrow) or pa.types.is_integer(arrow)):
        return _Fixed(pa.from_numpy_dtype(np.dtype(_FLOATS[pg]).newbyteorder("=")), _FLOATS[pg])
    if pg == "boolean" and pa.types.is_boolean(arrow):
        return _Fixed(pa.uint8(), "u1")
    if pg == "date" and pa.types.is_date(arrow):
        return _Fixed(pa.date32(), ">i4", _EPOCH_2000_DAYS)
    if pa.types.is_timestamp(arrow):
        # An aware value into timestamptz, a naive one into timestamp: the same instant or
        # wall-clock time CSV would give. The other pairings depend on the session's zone.
        aware = arrow.tz is not None
        if (pg == "timestamp with time zone") == aware and pg.startswith("timestamp"):
            return _Fixed(pa.timestamp("us", arrow.tz), ">i8", _EPOCH_2000_US)
        return None
    if pa.types.is_string(arrow) or pa.types.is_large_string(arrow):
        if pg in _TEXTS:
            return _Text()
        if pg == "jsonb":
            return _Text(b"\x01")
    return None


class Encoder:
    """Encodes batches whose columns fit a table's column types (see `encoder`)."""

    def __init__(self, kinds: list[_Kind]) -> None:
        self._kinds = kinds

    def encode(self, batch: pa.RecordBatch) -> memoryview:
        """The batch's rows in the binary format (no header or trailer)."""
        n = batch.num_rows
        fields = [_field(batch.column(i), kind) for i, kind in enumerate(self._kinds)]
        sizes = np.full(n, 2 + 4 * len(fields), dtype=np.int64)
        for f in fields:
            sizes += np.where(f.valid, f.lengths, 0)
        starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        out = np.empty(int(starts[-1]), dtype=np.uint8)
        pos = starts[:-1].copy()
        # Runs of fixed-width fields without a NULL in this batch are one block of bytes
        # per row, the same size in every row: built column block by column block and
        # written with one scatter. The row's field count leads the first block.
        block: list[np.ndarray] = [np.full((n, 1), len(fields), dtype=">i2").view(np.uint8)]
        for f in fields:
            if isinstance(f.write, _FixedWrite) and f.all_valid:
                block += [_length_bytes(f), f.write.values]
                continue
            pos = _write_block(out, pos, block)
            block = []
            _scatter_rows(out, pos, _length_bytes(f))
            f.write(out, pos + 4, f.valid)
            pos += 4 + np.where(f.valid, f.lengths, 0)
        _write_block(out, pos, block)
        return out.data


def _length_bytes(f: _Field) -> np.ndarray:
    """Each row's 32-bit field length, −1 for NULL, as rows × 4 bytes."""
    n = len(f.valid)
    lengths = f.lengths if f.all_valid else np.where(f.valid, f.lengths, -1)
    return lengths.astype(">i4").view(np.uint8).reshape(n, 4)


def _write_block(out: np.ndarray, pos: np.ndarray, block: list[np.ndarray]) -> np.ndarray:
    """Write the columns of bytes ``block`` side by side at ``pos``; the positions after."""
    if not block:
        return pos
    rows = np.concatenate(block, axis=1) if len(block) > 1 else block[0]
    _scatter_rows(out, pos, rows)
    return pos + rows.shape[1]


def encoder(arrow: pa.Schema, pg_types: Mapping[str, str]) -> Encoder | None:
    """An encoder for batches of ``arrow`` into columns of the given PostgreSQL types (by
    name, as ``format_type`` spells them), or None if some column has no binary form here."""
    kinds = []
    for f in arrow:
        pg = pg_types.get(f.name)
        kind = None if pg is None else _kind(f.type, pg)
        if kind is None:
            return None
        kinds.append(kind)
    return Encoder(kinds)


# --- fields ------------------------------------------------------------------------------


class _Write:
    """Writes a column's non-NULL values at each row's position."""

    def __call__(self, out: np.ndarray, pos: np.ndarray, valid: np.ndarray) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class _Field:
    valid: np.ndarray  # per row: the value is not NULL
    lengths: np.ndarray  # per row: the value's length in bytes (if not NULL)
    write: _Write
    all_valid: bool


def _field(column: pa.Array, kind: _Kind) -> _Field:
    """One column of a batch, ready to write."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    valid = column.is_valid().to_numpy(zero_copy_only=False)
    if isinstance(kind, _Fixed):
        width = np.dtype(kind.dtype).itemsize
        values = _fixed_values(column, kind)
        lengths = np.full(len(column), width, dtype=np.int64)
        return _Field(valid, lengths, _FixedWrite(values), bool(valid.all()))
    if pa.types.is_null(column.type):
        return _Field(valid, np.zeros(len(column), dtype=np.int64), _NoWrite(), False)
    offsets, data = _string_buffers(column)
    lengths = (offsets[1:] - offsets[:-1]).astype(np.int64) + len(kind.prefix)
    return _Field(valid, lengths, _TextWrite(offsets, data, kind.prefix), bool(valid.all()))


def _fixed_values(column: pa.Array, kind: _Fixed) -> np.ndarray:
    """The values as big-endian bytes, one row of ``width`` bytes per value (NULLs as 0)."""
    typed = pc.cast(column, kind.arrow)  # safe: an integer that does not fit raises
    if pa.types.is_date(kind.arrow) or pa.types.is_timestamp(kind.arrow):
        typed = typed.view(pa.int32() if pa.types.is_date(kind.arrow) else pa.int64())
    raw = pc.fill_null(typed, 0).to_numpy(zero_copy_only=False)
    if kind.shift:
        raw = raw - kind.shift
    return raw.astype(kind.dtype).view(np.uint8).reshape(len(column), np.dtype(kind.dtype).itemsize)


def _string_buffers(column: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A string column's offsets (for its slice, absolute into ``data``) and its bytes."""
    _, offsets_buf, data_buf = column.buffers()
    dtype = np.int64 if pa.types.is_large_string(column.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=dtype)[
        column.offset : column.offset + len(column) + 1
    ]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    return offsets, data


class _NoWrite(_Write):
    def __call__(self, out: np.ndarray, pos: np.ndarray, valid: np.ndarray) -> None:
        return None


@dataclass
class _FixedWrite(_Write):
    values: np.ndarray  # rows × width bytes

    def __call__(self, out: np.ndarray, pos: np.ndarray, valid: np.ndarray) -> None:
        if valid.all():
            _scatter_rows(out, pos, self.values)
        elif valid.any():
            _scatter_rows(out, pos[valid], self.values[valid])


@dataclass
class _TextWrite(_Write):
    offsets: np.ndarray
    data: np.ndarray
    prefix: bytes

    def __call__(self, out: np.ndarray, pos: np.ndarray, valid: np.ndarray) -> None:
        at = pos[valid]
        if self.prefix:
            for i, byte in enumerate(self.prefix):
                out[at + i] = byte
            at = at + len(self.prefix)
        begin = self.offsets[:-1][valid].astype(np.int64)
        lengths = self.offsets[1:][valid].astype(np.int64) - begin
        total = int(lengths.sum())
        if total == 0:
            return
        # Byte j of row r's value goes from data[begin_r + j] to out[at_r + j]: one run of
        # consecutive bytes per row, numbered 0… across the rows by ``step``.
        before = np.cumsum(lengths) - lengths
        step = np.arange(total, dtype=np.int64)
        out[np.repeat(at - before, lengths) + step] = self.data[
            np.repeat(begin - before, lengths) + step
        ]


def _scatter_rows(out: np.ndarray, pos: np.ndarray, rows: np.ndarray) -> None:
    """Write row ``i`` of the bytes ``rows`` (rows × width) at ``out[pos[i]:]``."""
    out[pos[:, None] + np.arange(rows.shape[1])] = rows


__all__ = ["HEADER", "TRAILER", "Encoder", "encoder"]
