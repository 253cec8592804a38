"""`ledgercheck sample`: a synthetic ledger, its truth file, the same for the same seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledgercheck import packs, sample, synth
from ledgercheck.cli import app
from ledgercheck.pipeline import Options, verify

runner = CliRunner()


def make(out: Path, *extra: str) -> None:
    args = ["sample", str(out), "--households", "60", "--anomalies", "0.2", "--seed", "4"]
    result = runner.invoke(app, [*args, *extra])
    assert result.exit_code == 0, result.output


def found(path: Path) -> set[tuple[str, str | None, int | None, str | None]]:
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    report = verify([(f, f.name) for f in files], Options(packs.load()))
    return {
        (f.code, f.sheet, f.row, f.column) for f in report.findings if not f.code.startswith("POP")
    }


def truth(path: Path) -> set[tuple[str, str | None, int | None, str | None]]:
    entries = json.loads(sample.truth_path(path).read_text("utf-8"))
    return {(e["code"], e["sheet"], e["row"], e["column"]) for e in entries}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "台账.xlsx", tmp_path / "b" / "台账.xlsx"
    a.parent.mkdir()
    b.parent.mkdir()
    make(a)
    make(b)
    assert a.read_bytes() == b.read_bytes()
    assert sample.truth_path(a).read_bytes() == sample.truth_path(b).read_bytes()
    other = tmp_path / "c.xlsx"
    make(other, "--seed", "5")
    assert truth(other) != truth(a)


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("office.xlsx", []),
        ("flat.xlsx", ["--layout", "flat"]),
        ("office.ods", []),
        ("csv-folder", ["--format", "csv"]),
        ("two.xlsx", ["--districts", "吉阳区,天涯区"]),
    ],
)
def test_verify_finds_exactly_the_truth(tmp_path: Path, name: str, extra: list[str]) -> None:
    out = tmp_path / name
    make(out, *extra)
    expected = truth(out)
    assert len(expected) == 12  # round(0.2 × 60) plants, each one the layout can show
    assert found(out) == expected


def test_rate_decides_how_many_codes() -> None:
    assert sample.choose_codes(60, 0.0, 1, "office") == []
    assert len(sample.choose_codes(60, 0.001, 1, "office")) == 1  # at least one
    assert sample.choose_codes(60, 0.1, 1, "office") == sample.choose_codes(60, 0.1, 1, "office")
    assert sample.choose_codes(60, 0.1, 1, "office") != sample.choose_codes(60, 0.1, 2, "office")
    every = sample.choose_codes(200, 0.5, 1, "office")
    assert every == [c for c in synth.INJECTABLE_CODES if c != "HH008"]
    assert "HH001" not in sample.choose_codes(200, 1.0, 1, "flat")
    with pytest.raises(sample.SampleError):
        sample.choose_codes(60, 1.5, 1, "office")


def test_refuses_to_overwrite_and_names_that_disagree(tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    make(out)
    again = runner.invoke(app, ["sample", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(app, ["sample", str(out), "--force"]).exit_code == 0
    mismatch = runner.invoke(app, ["sample", str(tmp_path / "x.xlsx"), "--format", "ods"])
    assert mismatch.exit_code == 2 and "the name says xlsx" in mismatch.output
    unknown = runner.invoke(app, ["sample", str(tmp_path / "y.xlsx"), "--districts", "三亚区"])
    assert unknown.exit_code == 2 and "districts" in unknown.output
