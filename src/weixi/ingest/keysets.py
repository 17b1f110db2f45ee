"""Sets of 64-bit key hashes: the known ids of reference checks and the keys seen so far.

Both hold DuckDB hashes of the values (`hash_rows`), 8 bytes a value, never the values
themselves, so that a file of any length is checked in bounded memory. Two different values
with the same hash would pass for one (probability about n²/2⁶⁵); the validator accepts that.

`SeenKeys` answers, batch after batch, which keys of a batch were seen before. Nearly every
file has no repeated key at all, so the common case must be cheap: a Bloom-style bit filter
(`BitFilter`) in front of the exact hashes lets all but a few keys of a batch skip the exact
look-up, which is then needed only for the filter's candidates.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import duckdb
import numpy as np
import pyarrow as pa

_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB connection per thread, used only to hash."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = duckdb.connect()
    return con


def hash_rows(columns: Sequence[pa.Array]) -> np.ndarray:
    """A 64-bit hash per row of the given columns (DuckDB's hash: fast and vectorised)."""
    tbl = pa.table({f"c{i}": col for i, col in enumerate(columns)})
    args = ", ".join(f"c{i}" for i in range(len(columns)))
    con = _connection()
    con.register("rows_to_hash", tbl)
    try:
        result = con.execute(f"SELECT hash({args}) AS h FROM rows_to_hash").fetchnumpy()
    finally:
        con.unregister("rows_to_hash")
    return np.asarray(result["h"], dtype=np.uint64)


def sorted_distinct(hashes: np.ndarray) -> np.ndarray:
    """The distinct hashes, ascending (what `np.unique` returns, but 100× faster on 10 M
    uint64 with NumPy 2.4, whose `np.unique` hashes instead of sorting)."""
    out = np.sort(hashes.astype(np.uint64))
    if len(out) > 1:
        keep = np.empty(len(out), dtype=bool)
        keep[0] = True
        np.not_equal(out[1:], out[:-1], out=keep[1:])
        out = out[keep]
    return out


def _found_in(level: np.ndarray, sorted_queries: np.ndarray) -> np.ndarray:
    """Whether each query is in ``level`` (both sorted: the look-ups then run in order)."""
    pos = np.minimum(np.searchsorted(level, sorted_queries), len(level) - 1)
    return level[pos] == sorted_queries


class KnownIds:
    """A set of ids for reference checks, held as sorted 64-bit hashes (8 bytes an id)."""

    def __init__(self, hashes: np.ndarray) -> None:
        self._hashes = sorted_distinct(hashes)

    @classmethod
    def from_values(cls, values: pa.Array | pa.ChunkedArray | Iterable[str]) -> KnownIds:
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if not isinstance(values, pa.Array):
            values = pa.array(list(values), pa.string())
        values = values.drop_null().cast(pa.string())
        return cls(hash_rows([values]) if len(values) else np.zeros(0, np.uint64))

    def __len__(self) -> int:
        return len(self._hashes)

    def contains(self, values: pa.Array) -> np.ndarray:
        """Whether each value is known (nulls count as known: nullability is checked apart)."""
        if len(values) == 0:
            return np.zeros(0, dtype=bool)
        h = hash_rows([values.cast(pa.string())])
        found = np.zeros(len(values), dtype=bool)
        if len(self._hashes):
            # Sorted queries make the look-ups sequential. Nearly always every id is known,
            # and then a plain sort tells so without the permutation (4× cheaper).
            if _found_in(self._hashes, np.sort(h)).all():
                found[:] = True
            else:
                order = np.argsort(h)
                found[order] = _found_in(self._hashes, h[order])
        return found | values.is_null().to_numpy(zero_copy_only=False)


BITS_PER_KEY = 16
"""Filter bits per expected key: with 4 bits set per key, about 0.5 % of new keys pass the
filter when it is full (0.15 % on average over a file that fills it)."""


def _two_bits() -> np.ndarray:
    """For each 12-bit number, a 64-bit word with two bits set: those its two 6-bit halves
    number (a table look-up is cheaper than shifting a 1 into place per key)."""
    x = np.arange(1 << 12, dtype=np.uint64)
    one = np.uint64(1)
    return (one << (x & np.uint64(63))) | (one << (x >> np.uint64(6)))


_TWO_BITS = _two_bits()


class BitFilter:
    """A Bloom-style filter over 64-bit hashes that may say "seen" wrongly, never "new" wrongly.

    Blocked: a key's four bits all lie in one 64-bit word, so testing or adding a key touches
    one word. The word is picked by the hash's high 32 bits (multiply-shift), the bits by its
    low 24, so the two are independent, and hashes given in ascending order visit the words
    in ascending order, which keeps the memory access nearly sequential.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        """Keys the filter holds at its designed rate of false "seen"."""
        self._words = np.zeros(max(1, -(-capacity * BITS_PER_KEY // 64)), dtype=np.uint64)

    def test_and_add(self, sorted_hashes: np.ndarray) -> np.ndarray:
        """Whether each hash may have been added before this call; then add them all."""
        if len(sorted_hashes) == 0:
            return np.zeros(0, dtype=bool)
        h = sorted_hashes.view(np.int64)  # int64 indexes faster than uint64
        # The product of two 32-bit numbers fits 64 bits; its high half is below n_words.
        word = ((sorted_hashes >> np.uint64(32)) * np.uint64(len(self._words))) >> np.uint64(32)
        word = word.view(np.int64)
        bits = np.take(_TWO_BITS, h & 0xFFF) | np.take(_TWO_BITS, (h >> 12) & 0xFFF)
        old = np.take(self._words, word)
        maybe = (old & bits) == bits
        self._words[word] = old | bits
        # Keys that share a word overwrote each other's bits just now (one of them won): OR
        # the bits of every such key in again, one by one (a few percent of the keys when a
        # batch is small beside the filter, as it is for big files).
        shared = word[1:] == word[:-1]
        if shared.any():
            involved = np.zeros(len(word), dtype=bool)
            involved[1:] = shared
            involved[:-1] |= shared
            np.bitwise_or.at(self._words, word[involved], bits[involved])
        return maybe


DEFAULT_CAPACITY = 1 << 20
"""Keys a `SeenKeys` of unknown size starts with (it grows by doubling, 2 MB of filter)."""
_LEVEL_KEYS = 1 << 20
"""Small runs of new keys (small batches) are merged up to this size, to keep few levels."""


class SeenKeys:
    """The hashes of the keys seen so far in a file, to find the keys that repeat.

    Exact, in about 10 bytes a distinct key: each batch's new hashes are kept as one sorted
    array (8 bytes a key; small batches are merged), and a `BitFilter` (2 bytes a key) is
    asked first, so that only its few candidates are looked up in those arrays. Give the
    expected number of keys (e.g. a Parquet file's row count); past it the filter is rebuilt
    twice as large from the kept hashes, so the false-candidate rate stays low.
    """

    def __init__(self, expected: int | None = None) -> None:
        self._levels: list[np.ndarray] = []
        self._count = 0
        self._filter = BitFilter(DEFAULT_CAPACITY if expected is None else max(expected, 64))

    def __len__(self) -> int:
        return self._count

    def duplicates(self, h: np.ndarray) -> np.ndarray:
        """Mark rows whose key was seen before (earlier in the file or earlier in ``h``)."""
        if self._count + len(h) > self._filter.capacity:
            self._grow(max(2 * self._filter.capacity, self._count + len(h)))
        hs = np.sort(h)
        dup_sorted = np.zeros(len(hs), dtype=bool)
        np.equal(hs[1:], hs[:-1], out=dup_sorted[1:])
        candidates = np.flatnonzero(self._filter.test_and_add(hs))
        if len(candidates):
            dup_sorted[candidates] |= self._seen(hs[candidates])
        if not dup_sorted.any():
            self._insert(hs)
            return dup_sorted
        # Some key repeats: a stable sort keeps a key's first row first in its run, and it
        # orders the hashes exactly as `np.sort` did, so ``dup_sorted`` lines up with it.
        order = np.argsort(h, kind="stable")
        dup = np.empty(len(h), dtype=bool)
        dup[order] = dup_sorted
        self._insert(hs[~dup_sorted])
        return dup

    def _seen(self, sorted_hashes: np.ndarray) -> np.ndarray:
        found = np.zeros(len(sorted_hashes), dtype=bool)
        for level in self._levels:
            found |= _found_in(level, sorted_hashes)
        return found

    def _insert(self, new: np.ndarray) -> None:
        """Keep sorted, new hashes; a small newest level is merged with them."""
        self._count += len(new)
        while (
            self._levels
            and len(self._levels[-1]) <= len(new)
            and len(self._levels[-1]) + len(new) <= _LEVEL_KEYS
        ):
            # Two sorted runs: the stable sort (timsort) merges them in one pass.
            new = np.sort(np.concatenate([self._levels.pop(), new]), kind="stable")
        if len(new):
            self._levels.append(new)

    def _grow(self, capacity: int) -> None:
        self._filter = BitFilter(capacity)
        for level in self._levels:
            self._filter.test_and_add(level)


__all__ = ["BitFilter", "KnownIds", "SeenKeys", "hash_rows", "sorted_distinct"]
