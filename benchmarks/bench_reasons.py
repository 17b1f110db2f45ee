"""Churn reasons: exact TreeSHAP per decision signature and Saabas paths vs LightGBM pred_contrib.

Run: ``OMP_WAIT_POLICY=passive .venv/bin/python -m benchmarks.bench_reasons [--rows N]``

A synthetic operator-like table (47 features: counts, amounts rounded to the fen, days,
flags, categories; 6 % churn) trains a ``ChurnModel`` (63 leaves, 2 threads). Then, in
one run: exact ``pred_contrib`` on a sample (its rows/s), both fast methods on all rows,
and top-3 agreement of each with exact TreeSHAP on the sample.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from weixi.analytics.churn import ChurnModel
from weixi.analytics.churn.attribution import agreement, exact_treeshap, path_contributions
from weixi.analytics.churn.treeshap import treeshap


def synthetic_table(rows: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Operator-like features with a churn label driven by a few of them."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {}
    for i in range(15):
        cols[f"count_{i}"] = rng.poisson(3 + i, rows).astype(float)
    for i in range(15):
        cols[f"amount_{i}"] = np.round(rng.gamma(2.0, 30.0 + i, rows), 2)
    for i in range(8):
        cols[f"days_{i}"] = rng.integers(0, 720, rows).astype(float)
    for i in range(6):
        cols[f"flag_{i}"] = rng.integers(0, 2, rows).astype(float)
    for i in range(3):
        cols[f"cat_{i}"] = pd.Categorical(rng.choice(list("ABCDEFG"), rows))
    X = pd.DataFrame(cols)
    logit = (
        -3.4
        + 0.25 * (X["count_0"] - 3)
        + 0.01 * (X["amount_0"] - 60)
        - 0.002 * X["days_0"]
        + 0.8 * X["flag_0"]
        + 0.5 * (X["cat_0"] == "A")
        + 0.3 * np.sin(X["amount_1"] / 20)
    )
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--train-rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000)
    args = parser.parse_args()
    X_train, y_train = synthetic_table(args.train_rows, seed=1)
    model = ChurnModel(n_jobs=2, learning_rate=0.05, max_rounds=400).fit(X_train, y_train)
    X, _ = synthetic_table(args.rows, seed=2)
    matrix = model.encode(X)
    sample = matrix[: args.sample]
    print(f"model: {model.n_rounds_} trees, 63 leaves max, {matrix.shape[1]} features")
    t0, c0 = time.perf_counter(), time.process_time()
    exact = exact_treeshap(model.booster_, sample)
    exact_s, exact_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    dedup = treeshap(model.booster_, matrix, n_threads=2)
    dedup_s, dedup_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0, c0 = time.perf_counter(), time.process_time()
    path = path_contributions(model.booster_, matrix)
    path_s, path_cpu = time.perf_counter() - t0, time.process_time() - c0
    # CPU seconds are reported too: on a shared machine wall time includes waiting.
    print(
        f"exact pred_contrib: {len(sample) / exact_s:,.0f} rows/s wall, "
        f"{len(sample) / exact_cpu:,.0f} rows/CPU-s (sample {len(sample):,})"
    )
    print(
        f"vectorised exact TreeSHAP: {len(matrix) / dedup_s:,.0f} rows/s wall, "
        f"{len(matrix) / dedup_cpu:,.0f} rows/CPU-s ({dedup_s:.1f} s wall, {len(matrix):,} rows)"
    )
    print(
        f"Saabas path: {len(matrix) / path_s:,.0f} rows/s wall, "
        f"{len(matrix) / path_cpu:,.0f} rows/CPU-s ({path_s:.1f} s wall)"
    )
    print("agreement, vectorised vs exact:", agreement(dedup[: args.sample], exact))
    print("agreement, Saabas vs exact:", agreement(path[: args.sample], exact))
    print("max |vectorised − exact|:", float(np.abs(dedup[: args.sample] - exact).max()))


if __name__ == "__main__":
    main()
