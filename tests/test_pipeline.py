"""End-to-end on office-shaped workbooks: every breach at its sheet and row, nothing else."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import SON, hits, member_rows, office_workbook, run
from ledgercheck import packs, pipeline


def test_clean_office_workbook_has_no_findings(tmp_path: Path) -> None:
    report = run(office_workbook(tmp_path / "clean.xlsx"))
    assert hits(report) == set()
    assert [s.header_row for s in report.inputs[0].sheets] == [2, 2]
    assert report.rows == 6


def test_breaches_are_reported_at_their_rows(tmp_path: Path) -> None:
    members = member_rows()
    members[2][6] = "否"  # the son: no basic insurance → 成员信息 row 5
    members.append(
        ["H009", "某人", SON[:-1] + ("0" if SON[-1] != "0" else "1"), "男", "之子", 12, "是", "是"]
    )  # unknown household and a wrong check digit → row 7
    report = run(office_workbook(tmp_path / "bad.xlsx", members=members))
    assert hits(report) == {
        ("MED001", "成员信息", 5),
        ("HH001", "成员信息", 7),
        ("ID002", "成员信息", 7),
    }


def test_population_is_info_when_one_district_only(tmp_path: Path) -> None:
    report = run(office_workbook(tmp_path / "clean.xlsx"))
    pop = [f for f in report.findings if f.code.startswith("POP")]
    assert {f.code for f in pop} == {"POP001", "POP002", "POP003"}
    assert {f.severity.value for f in pop} == {"info"}
    assert all(f.row is None and f.sheet is None for f in pop)


_REAL_LOAD = pipeline.load_file


def _abort_on_poison(path, label, options, kinds, sheets=None):  # type: ignore[no-untyped-def]
    """Stands in for a native reader that kills its process on one particular file."""
    if "poison" in str(path):
        os._exit(134)
    return _REAL_LOAD(path, label, options, kinds, sheets)


def test_a_worker_that_dies_costs_only_its_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    good = office_workbook(tmp_path / "good.xlsx")
    poison = office_workbook(tmp_path / "poison.xlsx")
    monkeypatch.setattr(pipeline, "load_file", _abort_on_poison)
    options = pipeline.Options(packs.load(), jobs=2)
    results = pipeline.load_all([(good, "good.xlsx"), (poison, "poison.xlsx")], options)
    assert results[0].info.error is None and results[0].tables
    assert results[1].info.error is not None and "crashed" in results[1].info.error


def test_files_read_biggest_first_come_back_in_input_order(tmp_path: Path) -> None:
    small = tmp_path / "小.csv"
    small.write_text("户编号,姓名,证件号码\nH1,王五,x\n", encoding="utf-8")
    big = tmp_path / "大.csv"
    big.write_text("户编号,姓名,证件号码\n" + "H2,李四,y\n" * 5000, encoding="utf-8")
    inputs = [(small, "小.csv"), (big, "大.csv")]
    assert pipeline.biggest_first(inputs) == [1, 0]
    results = pipeline.load_all(inputs, pipeline.Options(packs.load(), jobs=2))
    assert [r.info.file for r in results] == ["小.csv", "大.csv"]
    assert [len(r.tables[0].frame) for r in results] == [1, 5000]


def test_the_password_never_shows_in_a_repr() -> None:
    """Dask logs a failed task's arguments; the options carry the workbook's password."""
    options = pipeline.Options(packs.load(), password="村委会2020!")
    assert "村委会2020!" not in repr(options) and options.password == "村委会2020!"
