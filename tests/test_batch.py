"""A folder of district workbooks checked as one ledger (issue: batch-check folders)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from batchdata import write_folder
from ledgercheck import packs, synth
from ledgercheck.cli import app
from ledgercheck.findings import Report
from ledgercheck.pipeline import Options, verify

runner = CliRunner()
THREE = list(synth.DISTRICTS[:3])
CROSS_FILE = ("HH005", "POP")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], str]:
    root = tmp_path_factory.mktemp("batch") / "districts"
    paths, person = write_folder(root, THREE)
    assert person is not None
    return root, paths, person


def check(paths: list[Path], **options: Any) -> Report:
    return verify([(p, p.name) for p in paths], Options(packs.load(), **options))


def cli_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["verify", *args, "--format", "json", "--lang", "en"])
    return result.exit_code, json.loads(result.stdout)


def keyed(report: Report) -> list[tuple[Any, ...]]:
    return [tuple(sorted(f.to_dict().items(), key=lambda kv: kv[0])) for f in report.findings]


def test_person_in_two_files_is_hh005_on_second(folder: tuple[Path, list[Path], str]) -> None:
    _, paths, _ = folder
    report = check(paths)
    dups = [f for f in report.findings if f.code == "HH005"]
    # The shared child was written into the second district's workbook after its own.
    assert [(f.file, f.sheet) for f in dups] == [(paths[1].name, "成员信息")]
    alone = check([paths[1]])
    assert not [f for f in alone.findings if f.code == "HH005"]


def test_pop_once_over_all_inputs_info_when_partial(
    folder: tuple[Path, list[Path], str],
) -> None:
    _, paths, _ = folder
    pops = [f for f in check(paths).findings if f.code.startswith("POP")]
    assert sorted(f.code for f in pops) == ["POP001", "POP002", "POP003"]
    assert {f.severity.value for f in pops} == {"info"}
    # Three of five districts: the totals cannot be the city's, so the scope is said.
    assert all("本次仅含" in (f.expected or "") for f in pops)


def test_pop_is_warning_when_every_district_is_covered(tmp_path: Path) -> None:
    paths, _ = write_folder(tmp_path, list(synth.DISTRICTS), households=4, inject=())
    pops = [f for f in check(paths).findings if f.code.startswith("POP")]
    assert len(pops) == 3
    assert {f.severity.value for f in pops} == {"warning"}
    hh = sum(int(f.value.split(" ")[0]) for f in pops if f.value)
    assert hh == 5 * 4  # every household of every file counted once


def test_batch_is_union_of_single_runs_plus_cross_file(
    folder: tuple[Path, list[Path], str],
) -> None:
    _, paths, _ = folder
    batch = keyed(check(paths))
    singles = [k for p in paths for k in keyed(check([p]))]

    def local(findings: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return sorted(k for k in findings if not dict(k)["code"].startswith(CROSS_FILE))

    assert local(batch) == local(singles)
    assert len(local(batch)) >= 6 * len(paths)  # the planted breaches of every file
    cross = [dict(k)["code"] for k in batch if dict(k)["code"].startswith(CROSS_FILE)]
    assert sorted(cross) == ["HH005", "POP001", "POP002", "POP003"]


def test_unreadable_file_is_reported_and_the_rest_still_checked(
    folder: tuple[Path, list[Path], str], tmp_path: Path
) -> None:
    root, paths, _ = folder
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for p in paths:
        (mixed / p.name).write_bytes(p.read_bytes())
    (mixed / "00-broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    code, data = cli_json(str(mixed), "--jobs", "1")
    assert code == 2
    broken = [i for i in data["inputs"] if i["file"].endswith("00-broken.xlsx")]
    assert broken and broken[0]["error"]
    assert any(
        f["code"] == "F001" and f["file"].endswith("00-broken.xlsx") for f in data["findings"]
    )
    # Every other file's findings are all there, cross-file ones included.
    _, whole = cli_json(str(root), "--jobs", "1")

    def strip(f: dict[str, Any]) -> dict[str, Any]:
        return {**f, "file": Path(f["file"]).name if f["file"] else None}

    others = [strip(f) for f in data["findings"] if f["code"] != "F001"]
    assert others == [strip(f) for f in whole["findings"]]


def test_jobs_2_equals_jobs_1(folder: tuple[Path, list[Path], str]) -> None:
    root, _, _ = folder
    code1, one = cli_json(str(root), "--jobs", "1")
    code2, two = cli_json(str(root), "--jobs", "2")
    assert code1 == code2 == 1
    assert one == two


def test_lock_and_hidden_files_are_skipped(folder: tuple[Path, list[Path], str]) -> None:
    root, paths, _ = folder
    (root / "~$01-海棠区.xlsx").write_bytes(b"owner lock")
    (root / ".03-天涯区.xlsx").write_bytes(b"hidden")
    hidden_dir = root / ".cache"
    hidden_dir.mkdir(exist_ok=True)
    (hidden_dir / "old.xlsx").write_bytes(b"stale")
    try:
        code, data = cli_json(str(root), "--jobs", "1")
    finally:
        (root / "~$01-海棠区.xlsx").unlink()
        (root / ".03-天涯区.xlsx").unlink()
        (hidden_dir / "old.xlsx").unlink()
        hidden_dir.rmdir()
    assert code == 1
    assert [Path(i["file"]).name for i in data["inputs"]] == [p.name for p in paths]
    assert not any(f["code"] == "F001" for f in data["findings"])


def test_order_is_deterministic(folder: tuple[Path, list[Path], str]) -> None:
    root, paths, _ = folder
    _, first = cli_json(str(root), "--jobs", "2")
    _, again = cli_json(str(root), "--jobs", "2")
    assert first == again
    # Inputs in path order; findings by file then sheet then row (POP, with no file, first).
    assert [Path(i["file"]).name for i in first["inputs"]] == [p.name for p in paths]
    files = [Path(f["file"]).name for f in first["findings"] if f["file"]]
    assert files == sorted(files)


def test_summary_by_file_and_by_district(folder: tuple[Path, list[Path], str]) -> None:
    root, paths, _ = folder
    _, data = cli_json(str(root), "--jobs", "1")
    by_file = data["by_file"]
    assert [Path(k).name for k in by_file] == [p.name for p in paths]
    total = sum(v["error"] + v["warning"] + v["info"] for v in by_file.values())
    assert total == sum(1 for f in data["findings"] if f["file"])
    assert sum(v["rows"] for v in by_file.values()) > 0
    by_district = data["by_district"]
    assert sorted(by_district) == sorted(THREE)
    second = by_district[THREE[1]]
    assert second["error"] >= 1 + 6  # the shared person and the planted breaches
    # The console shows both tables.
    result = runner.invoke(app, ["verify", str(root), "--lang", "en", "--jobs", "1"])
    assert "Findings by file" in result.stdout
    assert "Findings by district" in result.stdout
    for district in THREE:
        assert district in result.stdout
