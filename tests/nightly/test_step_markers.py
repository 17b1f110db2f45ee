"""A finished step's marker: its counts, wall and CPU seconds, and the peak memory so far."""

from __future__ import annotations

import json
from pathlib import Path

from weixi.analytics.nightly.runner import RunContext, Step, run_steps


def _busy(ctx: RunContext) -> dict[str, int]:
    total = 0
    for i in range(300_000):  # some real CPU work, so that CPU time is above zero
        total += i % 7
    ctx.path("out.txt").write_text(str(total), encoding="utf-8")
    return {"rows": 3}


def test_marker_records_counts_wall_and_cpu_seconds(tmp_path: Path) -> None:
    steps = [Step("busy", (), ("out.txt",), _busy)]
    results = run_steps(steps, RunContext(tmp_path))
    marker = json.loads((tmp_path / "_done" / "busy.json").read_text())
    assert marker["rows"] == 3
    assert marker["cpu_seconds"] > 0
    assert marker["seconds"] >= 0 and marker["peak_rss_gb_so_far"] > 0
    assert not results[0].skipped


def test_a_step_with_a_marker_is_skipped_and_keeps_its_counts(tmp_path: Path) -> None:
    calls: list[str] = []

    def step(ctx: RunContext) -> dict[str, int]:
        calls.append("ran")
        return {"rows": 1}

    steps = [Step("once", (), (), step)]
    run_steps(steps, RunContext(tmp_path))
    again = run_steps(steps, RunContext(tmp_path))
    assert calls == ["ran"]
    assert again[0].skipped and again[0].counts["rows"] == 1
