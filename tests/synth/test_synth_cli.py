"""`weixi synth` on the command line."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from weixi.cli.synth import synth

# The command alone: importing the whole CLI would pull in the web and model stacks.
app = typer.Typer()
app.command(name="synth")(synth)
app.command(name="unused")(lambda: None)  # two commands keep the "synth" sub-command name


def test_synth_command_writes_csv_and_a_corrupted_copy(tmp_path: Path) -> None:
    args = ["synth", "--customers", "300", "--months", "2", "--seed", "3"]
    args += ["--out", str(tmp_path), "--format", "csv", "--corrupt"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "customers.csv").exists()
    assert (tmp_path / "_truth" / "churn_truth.csv").exists()
    assert (tmp_path / "_corrupt" / "_injected.csv").exists()
    assert "usage_monthly" in result.output


def test_synth_command_refuses_an_unknown_province(tmp_path: Path) -> None:
    args = ["synth", "--customers", "10", "--province", "atlantis", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
