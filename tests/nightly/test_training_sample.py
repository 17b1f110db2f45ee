"""A large province trains on a seeded sample, read without loading every feature row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from weixi.analytics.nightly.scoring import _training_rows


def _features(directory: Path, rows: int) -> Path:
    directory.mkdir()
    for part in range(3):
        ids = [f"C{part}{i:05d}" for i in range(rows // 3)]
        pq.write_table(
            pa.table({"customer_id": ids, "arpu_3m": np.arange(len(ids), dtype=float)}),
            directory / f"part-{part}.parquet",
        )
    return directory


def test_small_province_trains_on_every_customer(tmp_path: Path) -> None:
    frame = _training_rows(_features(tmp_path / "f", 300), max_rows=1_000)
    assert len(frame) == 300


def test_large_province_trains_on_a_seeded_sample_of_the_cap(tmp_path: Path) -> None:
    feats = _features(tmp_path / "f", 3_000)
    first = _training_rows(feats, max_rows=500)
    again = _training_rows(feats, max_rows=500)
    assert len(first) == 500
    assert first["customer_id"].is_unique
    assert first["customer_id"].tolist() == again["customer_id"].tolist()
    # Uniform over the parts, not the first rows read.
    assert first["customer_id"].str[1].nunique() == 3
