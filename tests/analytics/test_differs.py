"""``differs``: the nightly's "did this value move", fast on typed columns, same answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from weixi.analytics.nightly.dbio import differs


def _plain(value: object) -> str | None:
    """The reference: a value as text, numbers without a trailing .0, missing as None."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return str(float(value))
    if isinstance(value, int | float | np.integer | np.floating):
        return str(float(value))
    return str(value)


def _expected(old: pd.Series, new: pd.Series) -> list[bool]:
    return [_plain(a) != _plain(b) for a, b in zip(old.tolist(), new.tolist(), strict=True)]


ints = st.lists(st.one_of(st.none(), st.integers(-3, 3)), min_size=1, max_size=30)
words = st.lists(st.one_of(st.none(), st.sampled_from(["gold", "silver", "", "金卡"])), max_size=30)


@given(ints, st.randoms())
def test_integer_columns_compare_as_numbers_with_missing_equal_to_missing(
    values: list[int | None], rnd: object
) -> None:
    old = pd.Series(values, dtype="Int64")
    shuffled = list(values)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    for new in (
        pd.Series(shuffled, dtype="Int64"),
        pd.Series([np.nan if v is None else float(v) for v in shuffled], dtype="float64"),
    ):
        assert differs(old, new).tolist() == _expected(old, new)


@given(words, st.randoms())
def test_text_columns_compare_as_text(values: list[str | None], rnd: object) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    old = pd.Series(values, dtype="string")
    for new in (pd.Series(shuffled, dtype="string"), pd.Series(shuffled, dtype=object)):
        assert differs(old, new).tolist() == _expected(old, new)


@pytest.mark.parametrize(
    ("old", "new", "moved"),
    [
        (pd.Series([True, False]), pd.Series([True, True]), [False, True]),
        (
            pd.Series([3, None], dtype="Int64"),
            pd.Series(["3", None], dtype="string"),
            [False, False],
        ),
        (pd.Series([1.5, np.nan]), pd.Series([1.5, 2.0]), [False, True]),
    ],
)
def test_flags_and_mixed_kinds(old: pd.Series, new: pd.Series, moved: list[bool]) -> None:
    assert differs(old, new).tolist() == moved
