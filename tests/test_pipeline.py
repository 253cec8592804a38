"""End-to-end on office-shaped workbooks: every breach at its sheet and row, nothing else."""

from __future__ import annotations

from pathlib import Path

from conftest import SON, hits, member_rows, office_workbook, run


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
