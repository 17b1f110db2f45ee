"""Vectorised construction of identifier strings (ids, phone and ID numbers) as Arrow arrays.

Formatting tens of millions of strings one by one in Python would dominate the generator's
run time, so fixed-width strings are built as a byte matrix in NumPy and handed to Arrow
without copying.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from weixi.ingest.schema import prc_check_chars


def digit_matrix(numbers: np.ndarray, width: int) -> np.ndarray:
    """ASCII digits of non-negative integers, zero-padded to ``width``: shape (n, width)."""
    nums = numbers.astype(np.int64, copy=False)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((nums[:, None] // powers) % 10 + 48).astype(np.uint8)


def from_byte_matrix(matrix: np.ndarray) -> pa.StringArray:
    """An Arrow string array whose i-th value is row i of an ASCII byte matrix."""
    n, width = matrix.shape
    data = pa.py_buffer(np.ascontiguousarray(matrix).tobytes())
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * width).tobytes())
    return pa.StringArray.from_buffers(n, offsets, data)


def fixed_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.StringArray:
    """``prefix`` followed by ``numbers`` zero-padded to ``width`` digits (e.g. C000000042)."""
    digits = digit_matrix(numbers, width)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    matrix = np.empty((len(numbers), len(head) + width), dtype=np.uint8)
    matrix[:, : len(head)] = head
    matrix[:, len(head) :] = digits
    return from_byte_matrix(matrix)


def prc_id_numbers(area: np.ndarray, birth_yyyymmdd: np.ndarray, seq: np.ndarray) -> pa.Array:
    """18-character PRC resident ID numbers: area code, birth date, sequence, check digit."""
    first17 = digit_matrix(area * 10**11 + birth_yyyymmdd * 10**3 + seq, 17)
    matrix = np.empty((len(area), 18), dtype=np.uint8)
    matrix[:, :17] = first17
    matrix[:, 17] = prc_check_chars(first17)
    return from_byte_matrix(matrix)


def pick(choices: pa.Array, index: np.ndarray) -> pa.Array:
    """``choices[index]`` as an Arrow array (a vectorised lookup)."""
    return pc.take(choices, pa.array(index, type=pa.int32()))


def names(rng: np.random.Generator, n: int, surnames: str, given: str) -> pa.Array:
    """Chinese full names: one surname and one or two given-name characters."""
    sur = pa.array(list(surnames))
    giv = pa.array(list(given))
    second = pa.array([*given, ""])
    # Common surnames first: a Zipf-like weighting keeps 王/李/张 frequent.
    weights = 1.0 / np.arange(1, len(surnames) + 1) ** 0.8
    s_idx = rng.choice(len(surnames), size=n, p=weights / weights.sum())
    g1 = rng.integers(0, len(given), size=n)
    g2 = np.where(rng.random(n) < 0.3, len(given), rng.integers(0, len(given), size=n))
    return pc.binary_join_element_wise(pick(sur, s_idx), pick(giv, g1), pick(second, g2), "")
