"""Train the churn model on an export's history, score every customer, explain the warned."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from weixi.analytics.churn.compiled import COMPILE_FROM_ROWS
from weixi.analytics.churn.model import ChurnModel, load_model
from weixi.analytics.engines.base import Engine
from weixi.analytics.features import FEATURE_NAMES, add_months, build_labels, compute_features

ID = "customer_id"
#: Feature columns that identify rather than describe (never model inputs).
NOT_FEATURES = frozenset({"customer_id", "as_of", "worst_cell_id", "county_id"})
LATEST = "latest"
#: Training rows at most (a seeded uniform sample above it).
MAX_TRAINING_ROWS = 1_000_000


def model_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in frame.columns if c in FEATURE_NAMES and c not in NOT_FEATURES]
    return frame[cols]


def train_from_export(
    engine: Engine,
    data_dir: Path,
    as_of: dt.date,
    work_dir: Path,
    models_dir: Path,
    *,
    buckets: int = 4,
    months_back: int = 1,
    max_rows: int = MAX_TRAINING_ROWS,
) -> Path:
    """Fit on features as of an earlier month and who churned in the month after it.

    Training uses data before ``as_of - months_back`` for features and the following
    month for labels, all before ``as_of``: nothing from tonight leaks into the model.
    A province larger than ``max_rows`` customers is trained on a seeded uniform sample
    of that many: the probabilities stay calibrated (the sample keeps the churn rate) and
    a tree model learns little more from ten million rows than from one.
    """
    train_as_of = add_months(as_of, -months_back)
    feats = compute_features(engine, data_dir, train_as_of, work_dir / "train_features", buckets)
    labels = build_labels(engine, data_dir, train_as_of, work_dir / "train_labels")
    frame = _training_rows(feats, max_rows).merge(
        _read(labels)[[ID, "churned"]], on=ID, how="inner"
    )
    y = frame.pop("churned").astype(int).to_numpy()
    model = ChurnModel(random_state=0).fit(
        model_inputs(frame), y, training_window=(str(train_as_of), str(as_of))
    )
    out = models_dir / f"churn-{as_of.isoformat()}"
    model.save(out)
    if ds.dataset(str(feats), format="parquet").count_rows() >= COMPILE_FROM_ROWS:
        # A province the nights will score with compiled trees: compile them now, as
        # part of preparing the model, rather than in the first night that uses it.
        load_model(out).use_compiled_trees()
    (models_dir / LATEST).write_text(out.name, encoding="utf-8")
    return out


def latest_model(models_dir: Path) -> ChurnModel | None:
    pointer = models_dir / LATEST
    if not pointer.exists():
        return None
    return load_model(models_dir / pointer.read_text(encoding="utf-8").strip())


def _training_rows(features_dir: Path, max_rows: int) -> pd.DataFrame:
    """All feature rows, or a seeded uniform sample of ``max_rows`` read batch by batch
    (ten million rows of features would not fit the nightly memory bound at once)."""
    dataset = ds.dataset(str(features_dir), format="parquet")
    ids = dataset.to_table(columns=[ID]).column(ID)
    if len(ids) <= max_rows:
        return dataset.to_table().to_pandas()
    rng = np.random.default_rng(0)
    keep = pa.array(np.sort(rng.choice(len(ids), size=max_rows, replace=False)))
    wanted = pc.take(ids, keep)
    return dataset.to_table(filter=pc.field(ID).isin(wanted)).to_pandas()


def _read(directory: Path) -> pd.DataFrame:
    return ds.dataset(str(directory), format="parquet").to_table().to_pandas()


def feature_batches(features_dir: Path, rows: int = 250_000) -> Iterator[pd.DataFrame]:
    """The feature rows a batch at a time, reading ahead by two batches only (Arrow's
    default of 16 would hold about 2 GB of features at once)."""
    dataset = ds.dataset(str(features_dir), format="parquet")
    for batch in dataset.to_batches(batch_size=rows, batch_readahead=2, fragment_readahead=1):
        yield batch.to_pandas()


def score_all(model: ChurnModel, features_dir: Path, out_dir: Path) -> Path:
    """Write (customer_id, churn_probability) for every customer, batch by batch.

    A large province is scored with the model's trees compiled to machine code (the
    same margins, several times faster; :mod:`weixi.analytics.churn.compiled`). While
    the trees score one batch on both cores, the next batch is read, encoded and given
    its additive part in a thread of its own: those steps use one core, and the trees
    would otherwise wait for them.
    """
    rows = ds.dataset(str(features_dir), format="parquet").count_rows()
    if rows >= COMPILE_FROM_ROWS:
        model.use_compiled_trees()
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    batches = feature_batches(features_dir)

    def prepare() -> tuple[pa.Array, np.ndarray, np.ndarray] | None:
        frame = next(batches, None)  # one thread at a time reads: the one of `ahead`
        if frame is None:
            return None
        matrix = model.encode(model_inputs(frame))
        return pa.array(frame[ID].astype(str).to_numpy()), matrix, model.base_margin(matrix)

    with ThreadPoolExecutor(max_workers=1) as ahead:
        coming = ahead.submit(prepare)
        i = 0
        while (batch := coming.result()) is not None:
            coming = ahead.submit(prepare)
            ids, matrix, base = batch
            p = model.calibrator_.transform(base + model.tree_margin(matrix))
            table = pa.table({ID: ids, "churn_probability": p})
            pq.write_table(table, tmp / f"part-{i:05d}.parquet")
            i += 1
    _swap(tmp, out_dir)
    return out_dir


def explain(model: ChurnModel, frame: pd.DataFrame, k: int = 3) -> list[list[dict[str, object]]]:
    """The top ``k`` churn-raising reasons for each row, in words a manager can act on.

    A reason is a feature whose contribution to the margin is among the row's ``k``
    largest and above zero (:func:`weixi.analytics.churn.reasons.contributions`),
    worded by the nightly templates (:mod:`weixi.analytics.nightly.reason_texts`).
    """
    from weixi.analytics.churn.attribution import top_k
    from weixi.analytics.churn.reasons import contributions
    from weixi.analytics.nightly.reason_texts import render

    X = model_inputs(frame)
    contrib = contributions(model, X)
    best = top_k(contrib, k)
    names = [str(n) for n in model.feature_names_in_]
    columns = [X[name].to_numpy(dtype=object) for name in names]  # no per-row pandas access
    cells = frame["worst_cell_id"].tolist() if "worst_cell_id" in frame else [None] * len(frame)
    out: list[list[dict[str, object]]] = []
    for row, (idx, cell) in enumerate(zip(best, cells, strict=True)):
        reasons: list[dict[str, object]] = []
        for j in idx:
            value = float(contrib[row, j])
            if value <= 0.0:
                break
            shown = columns[j][row]
            reasons.append(
                {
                    "feature": names[j],
                    "value": _plain(shown),
                    "contribution": round(value, 4),
                    **render(names[j], shown, cell),
                }
            )
        out.append(reasons)
    return out


def _swap(tmp: Path, out_dir: Path) -> None:
    import shutil

    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)


def reasons_json(reasons: list[dict[str, object]]) -> str:
    return json.dumps(reasons, ensure_ascii=False, default=_plain)


def _plain(value: object) -> object:
    """A JSON-safe scalar (missing values, NaN included, become null)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    return value if isinstance(value, (int, float, str, bool)) else str(value)
