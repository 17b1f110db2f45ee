"""Named, restartable steps with declared inputs and outputs.

A run for a date lives in ``<var>/runs/<as_of>/``. Each step writes its outputs
atomically and then a marker ``_done/<step>.json`` with its counts; a rerun skips
steps whose marker exists and redoes the first one that has none. The database
step is idempotent on its own (orders keyed by source key, events by customer,
kind and date), so a run killed at any point and rerun gives the same state.
"""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Step:
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    run: Callable[[RunContext], dict[str, Any]]
    description: str = ""


@dataclass
class RunContext:
    run_dir: Path
    values: dict[str, Any] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.run_dir / name


@dataclass
class StepResult:
    name: str
    skipped: bool
    seconds: float
    counts: dict[str, Any]


class CrashRequested(BaseException):
    """Raised by tests' crash hook: like a kill, nothing in the pipeline catches it."""


def die() -> None:
    """The crash hook of a real process: exit at once, as SIGKILL would."""
    os._exit(137)


def run_steps(
    steps: Sequence[Step],
    ctx: RunContext,
    *,
    crash_at: str = "",
    crash: Callable[[], None] = die,
    on_step: Callable[[Step, int, int], None] | None = None,
) -> list[StepResult]:
    """Run ``steps`` in order, skipping those already done for this run directory.

    ``crash_at`` (tests only) names a step; the process dies without cleanup right
    after that step's outputs are written but before its marker is, the worst moment.
    """
    done_dir = ctx.run_dir / "_done"
    done_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for i, step in enumerate(steps):
        marker = done_dir / f"{step.name}.json"
        if on_step:
            on_step(step, i, len(steps))
        if marker.exists():
            results.append(StepResult(step.name, True, 0.0, json.loads(marker.read_text())))
            continue
        started, cpu_started = time.perf_counter(), time.process_time()
        counts = step.run(ctx)
        if crash_at == step.name:
            crash()  # outputs written, marker not: the worst moment to die
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        tmp = marker.with_suffix(".tmp")
        # The process's peak resident memory so far: the first step to show the night's
        # peak is the one that reached it.
        peak_gb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2, 2)
        # CPU seconds of this process (all its threads): beside the wall time, it tells
        # a step that waits (on the database, on the disk) from one that computes.
        marker_data = {
            **counts,
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "peak_rss_gb_so_far": peak_gb,
        }
        tmp.write_text(json.dumps(marker_data, default=str))
        tmp.rename(marker)
        results.append(StepResult(step.name, False, seconds, counts))
    return results
