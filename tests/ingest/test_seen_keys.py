"""Duplicate and reference look-ups agree with a plain set, however the file is batched."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from weixi.ingest.keysets import KnownIds, SeenKeys


@settings(max_examples=200, deadline=None)
@given(
    keys=st.one_of(
        st.lists(st.integers(min_value=0, max_value=40), min_size=0, max_size=120),
        # More distinct keys than the filter was sized for: it must grow and stay exact.
        st.lists(st.integers(min_value=0, max_value=300), min_size=0, max_size=400),
    ),
    cuts=st.lists(st.integers(min_value=1, max_value=90), min_size=1, max_size=10),
    size=st.one_of(st.none(), st.integers(min_value=1, max_value=100)),
)
def test_a_key_is_a_duplicate_exactly_when_seen_earlier(
    keys: list[int], cuts: list[int], size: int | None
) -> None:
    seen_keys, reference, expected, got = SeenKeys(size), set(), [], []
    for k in keys:
        expected.append(k in reference)
        reference.add(k)
    start, i = 0, 0
    while start < len(keys):
        stop = start + cuts[i % len(cuts)]
        batch = np.asarray(keys[start:stop], dtype=np.uint64)
        got.extend(seen_keys.duplicates(batch).tolist())
        start, i = stop, i + 1
    assert got == expected


@settings(max_examples=100, deadline=None)
@given(
    known=st.lists(st.sampled_from("abcdefghij"), min_size=1, max_size=10),
    asked=st.lists(st.one_of(st.none(), st.sampled_from("abcdefghijklmn")), max_size=40),
)
def test_known_ids_match_a_set(known: list[str], asked: list[str | None]) -> None:
    ids = KnownIds.from_values(known)
    found = ids.contains(pa.array(asked, pa.string())).tolist()
    assert found == [a is None or a in set(known) for a in asked]
