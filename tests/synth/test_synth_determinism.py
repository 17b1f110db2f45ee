"""The same configuration gives byte-identical files, whatever the number of workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from weixi.errors import ValidationFailed
from weixi.ingest.schema import IMPORT_TABLES, TABLES
from weixi.ingest.validate import known_ids_for, validate_file
from weixi.synth import FileFormat, SynthConfig, generate

TINY = SynthConfig(customers=1_200, months=3, seed=5, workers=1, chunk_size=500)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_byte_identical_output(tmp_path: Path) -> None:
    generate(TINY, tmp_path / "a")
    generate(TINY, tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a.keys() == b.keys()
    assert all(a[k] == b[k] for k in a)


def test_worker_processes_do_not_change_the_output(tmp_path: Path) -> None:
    generate(TINY, tmp_path / "serial")
    generate(SynthConfig(**{**TINY.__dict__, "workers": 2}), tmp_path / "parallel")
    assert _files(tmp_path / "serial") == _files(tmp_path / "parallel")


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    generate(TINY, tmp_path / "a")
    generate(SynthConfig(**{**TINY.__dict__, "seed": 6}), tmp_path / "b")
    name = TABLES["usage_monthly"].file_name()
    assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "b" / name).read_bytes()


def test_csv_output_validates_without_quarantine(tmp_path: Path) -> None:
    generate(SynthConfig(**{**TINY.__dict__, "fmt": FileFormat.CSV}), tmp_path)
    for name in IMPORT_TABLES:
        table = TABLES[name]
        report = validate_file(
            tmp_path / table.file_name("csv"), table, known=known_ids_for(table, tmp_path)
        )
        assert report.rows_quarantined == 0, (name, report.quarantined[:3])
        assert report.rows_good == report.rows_read > 0


@pytest.mark.parametrize("overrides", [{"customers": 0}, {"months": 0}, {"province": "atlantis"}])
def test_impossible_configurations_are_refused(
    tmp_path: Path, overrides: dict[str, object]
) -> None:
    with pytest.raises(ValidationFailed):
        generate(SynthConfig(**{**TINY.__dict__, **overrides}), tmp_path)
