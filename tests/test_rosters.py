"""Department rosters (spec §6, XR001–XR007): the ledger against other departments' exports.

Rosters are written as departments export them: their own sheet names, a title row,
their own header variants and value spellings, one of them a GBK CSV. The ledger is an
office workbook. Every XR code has a breaking and a passing case, and each finding names
the roster row behind it.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import HEAD, HOUSEHOLD_HEADER, MEMBER_HEADER, OTHER_HEAD, SON, WIFE, pid, write_xlsx
from ledgercheck import packs
from ledgercheck.cli import app
from ledgercheck.columns import Match, match_label
from ledgercheck.findings import Finding, Related, Report
from ledgercheck.pipeline import Options, verify
from ledgercheck.tables import TABLES

OUTSIDE = pid(dt.date(1980, 2, 2), "男", 7, region="460204")  # on rosters, not in the ledger
PACK = packs.load()
HH = "户信息"
MEM = "成员信息"

# --- the ledger ---------------------------------------------------------------------------

LEDGER_HH_HEADER = [*HOUSEHOLD_HEADER, "是否低保户", "是否特困供养", "住房安全"]
LEDGER_M_HEADER = [*MEMBER_HEADER, "在校生状况", "是否享受教育资助", "健康状况", "个人缴费金额"]
# Excel rows: title 1, header 2, data from 3.
ROW = {HEAD: 3, WIFE: 4, SON: 5, OTHER_HEAD: 6}
HH_ROW = {"H001": 3, "H002": 4}


def ledger_households() -> list[list[Any]]:
    return [
        [1, "H001", "吉阳区", "脱贫户", 3, 2018, 5200, "王大", HEAD, "否", "否", "是"],
        [2, "H002", "吉阳区", "边缘户", 1, 2019, 4500, "李花", OTHER_HEAD, "是", "否", "是"],
    ]


def ledger_members() -> list[list[Any]]:
    return [
        ["H001", "王大", HEAD, "男", "户主", 50, "是", "是", "非在校生", None, "健康", 0],
        ["H001", "陈小", WIFE, "女", "配偶", 48, "是", "是", "非在校生", None, "残疾", 0],
        ["H001", "王子", SON, "男", "儿子", 12, "是", "是", "初中", "是", "健康", 0],
        ["H002", "李花", OTHER_HEAD, "女", "户主", 60, "是", "是", "非在校生", None, "健康", 0],
    ]


def write_ledger(
    path: Path, households: list[list[Any]] | None = None, members: list[list[Any]] | None = None
) -> Path:
    return write_xlsx(
        path,
        {
            HH: (LEDGER_HH_HEADER, ledger_households() if households is None else households),
            MEM: (LEDGER_M_HEADER, ledger_members() if members is None else members),
        },
    )


def set_member(rows: list[list[Any]], who: str, header: str, value: Any) -> list[list[Any]]:
    for row in rows:
        if row[2] == who:
            row[LEDGER_M_HEADER.index(header)] = value
    return rows


def set_household(rows: list[list[Any]], hid: str, header: str, value: Any) -> list[list[Any]]:
    for row in rows:
        if row[1] == hid:
            row[LEDGER_HH_HEADER.index(header)] = value
    return rows


# --- rosters as departments export them ---------------------------------------------------


def export(path: Path, sheet: str, title: str, header: list[str], rows: list[list[Any]]) -> Path:
    """One sheet: a merged title row over the department's own header (header on row 2)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


INS_HEADER = [
    "序号",
    "姓名",
    "公民身份号码",
    "参保险种",
    "缴费状态",
    "个人缴费金额（元）",
    "财政补助（元）",
]


def insurance_rows() -> list[list[Any]]:
    """Everyone fully subsidised and active in both schemes, plus one outside person."""
    rows: list[list[Any]] = []
    for who, name in ((HEAD, "王大"), (WIFE, "陈小"), (SON, "王子"), (OTHER_HEAD, "李花")):
        rows.append([len(rows) + 1, name, who, "城乡居民医保", "正常参保", 0, 280])
        rows.append([len(rows) + 1, name, who, "城乡居民大病保险", "参保缴费", 0, 0])
    rows.append([len(rows) + 1, "赵外", OUTSIDE, "城乡居民医保", "正常参保", 280, 0])
    return rows


def insurance(path: Path, rows: list[list[Any]] | None = None) -> Path:
    return export(
        path,
        "2020年城乡居民医保参保明细",
        "三亚市2020年度城乡居民基本医疗保险参保缴费明细表",
        INS_HEADER,
        insurance_rows() if rows is None else rows,
    )


def ins_row(who: str, scheme: str) -> int:
    """The Excel row of a person's record of a scheme in insurance_rows()."""
    order = [HEAD, WIFE, SON, OTHER_HEAD]
    return 3 + order.index(who) * 2 + (0 if scheme == "basic" else 1)


ASSIST_HEADER = ["救助对象姓名", "身份证号码", "救助类型", "开始日期", "结束日期"]


def assistance_rows() -> list[list[Any]]:
    return [
        ["李花", OTHER_HEAD, "农村最低生活保障", "2019-01-01", ""],
        # The head was on 低保 once; it ended before the as-of date.
        ["王大", HEAD, "农村低保", "2018/1/1", "2019年12月31日"],
        ["赵外", OUTSIDE, "特困人员", "2020.3.1", ""],
    ]


def assistance_csv(path: Path, rows: list[list[Any]] | None = None) -> Path:
    """The civil-affairs export: GBK CSV with a title line above the header."""
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["三亚市民政局2020年低保特困供养人员名单"])
        writer.writerow(ASSIST_HEADER)
        writer.writerows(assistance_rows() if rows is None else rows)
    return path


def deaths(path: Path, rows: list[list[Any]]) -> Path:
    return export(
        path,
        "死亡注销人员",
        "2020年死亡人员信息（公安户籍）",
        ["姓名", "身份证号码", "死亡时间"],
        rows,
    )


def students(path: Path, rows: list[list[Any]]) -> Path:
    header = ["学校名称", "学生姓名", "身份证号", "就读学段", "是否享受资助"]
    return export(path, "学生资助名单", "2020年秋季学期学生资助名单", header, rows)


def disability(path: Path, rows: list[list[Any]]) -> Path:
    header = ["姓名", "身份证号码", "残疾类型", "残疾级别"]
    return export(path, "持证残疾人", "三亚市残联持证残疾人名单", header, rows)


def housing(path: Path, rows: list[list[Any]]) -> Path:
    header = ["户主姓名", "身份证号码", "改造进度"]
    return export(path, "危改进度", "2020年农村危房改造进度表", header, rows)


# --- running ------------------------------------------------------------------------------


def check(ledger: Path, *rosters: Path, **kwargs: Any) -> Report:
    options = Options(PACK, against=tuple((r, r.name) for r in rosters), **kwargs)
    return verify([(ledger, ledger.name)], options)


def xr(report: Report, code: str = "XR") -> set[tuple[str, str | None, int | None, str | None]]:
    return {(f.code, f.sheet, f.row, f.column) for f in report.findings if f.code.startswith(code)}


def one(report: Report, code: str) -> Finding:
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return write_ledger(tmp_path / "台账.xlsx")


# --- recognition and the clean case ---------------------------------------------------------


def test_every_roster_is_recognised_from_its_department_headers(
    tmp_path: Path, ledger: Path
) -> None:
    rosters = [
        insurance(tmp_path / "医保.xlsx"),
        assistance_csv(tmp_path / "民政.csv"),
        deaths(tmp_path / "死亡.xlsx", [["赵外", OUTSIDE, "2020-03-01"]]),
        students(tmp_path / "学籍.xlsx", [["三亚市第一中学", "王子", SON, "七年级", "是"]]),
        disability(tmp_path / "残联.xlsx", [["陈小", WIFE, "肢体残疾", "三级"]]),
        housing(tmp_path / "危改.xlsx", [["李花", OTHER_HEAD, "竣工"], ["王大", HEAD, "已竣工"]]),
    ]
    report = check(ledger, *rosters)
    kinds = {i.file: [(s.table, s.header_row) for s in i.sheets] for i in report.inputs[1:]}
    assert kinds == {
        "医保.xlsx": [("insurance", 2)],
        "民政.csv": [("assistance", 2)],
        "死亡.xlsx": [("deaths", 2)],
        "学籍.xlsx": [("students", 2)],
        "残联.xlsx": [("disability", 2)],
        "危改.xlsx": [("housing", 2)],
    }
    assert all(i.role == "roster" for i in report.inputs[1:]) and report.inputs[0].role is None
    assert [f for f in report.findings if not f.code.startswith("POP")] == []
    assert not [n for n in report.rules_not_run if n.code.startswith("XR")]
    assert report.rows == 6  # roster records are not ledger rows


def test_id_headers_of_any_table_name_every_id_column() -> None:
    assert match_label(TABLES["members"], "参保人身份证号码") == Match("id_number")
    assert match_label(TABLES["deaths"], "领取人身份证号") == Match("id_number")
    assert match_label(TABLES["housing"], "身份证号码") == Match("head_id_number")
    # The ledger's 户信息 keeps its own head-ID headers: a person's ID is not the head's.
    assert match_label(TABLES["households"], "身份证号码") is None


def test_without_rosters_the_xr_rules_are_listed_as_not_run(ledger: Path) -> None:
    report = check(ledger)
    reasons = {n.code: n.reason for n in report.rules_not_run if n.code.startswith("XR")}
    assert reasons == {
        "XR001": "no insurance roster",
        "XR002": "no insurance roster",
        "XR003": "no deaths roster",
        "XR004": "no assistance roster",
        "XR005": "no students roster",
        "XR006": "no disability roster",
        "XR007": "no housing roster",
    }
    assert report.comparisons == []


# --- XR001 ----------------------------------------------------------------------------------


def test_xr001_insured_in_ledger_but_suspended_on_roster(tmp_path: Path, ledger: Path) -> None:
    rows = insurance_rows()
    rows[ins_row(HEAD, "basic") - 3][4] = "暂停参保"
    report = check(ledger, insurance(tmp_path / "医保.xlsx", rows))
    assert xr(report) == {("XR001", MEM, ROW[HEAD], "basic_medical_insurance")}
    found = one(report, "XR001")
    assert (found.value, found.expected) == ("是", "暂停")
    assert found.related == (Related("医保.xlsx", "2020年城乡居民医保参保明细", 3, "C3"),)


def test_xr001_not_insured_in_ledger_but_active_on_roster(tmp_path: Path) -> None:
    members = set_member(ledger_members(), OTHER_HEAD, "大病保险", "否")
    path = write_ledger(tmp_path / "台账.xlsx", members=members)
    report = check(path, insurance(tmp_path / "医保.xlsx"))
    assert xr(report) == {("XR001", MEM, ROW[OTHER_HEAD], "critical_illness_insurance")}
    found = one(report, "XR001")
    assert (found.value, found.expected) == ("否", "参保缴费")
    assert found.related[0].row == ins_row(OTHER_HEAD, "critical")


def test_xr001_insured_but_absent_from_roster(tmp_path: Path, ledger: Path) -> None:
    rows = [r for r in insurance_rows() if r[2] != SON]
    report = check(ledger, insurance(tmp_path / "医保.xlsx", rows))
    assert xr(report) == {
        ("XR001", MEM, ROW[SON], "basic_medical_insurance"),
        ("XR001", MEM, ROW[SON], "critical_illness_insurance"),
    }
    assert {(f.expected, f.related) for f in report.findings if f.code == "XR001"} == {
        ("无记录", ())
    }


# --- XR002 ----------------------------------------------------------------------------------


def test_xr002_personal_contribution_on_roster(tmp_path: Path, ledger: Path) -> None:
    rows = insurance_rows()
    rows[ins_row(SON, "basic") - 3][5] = "280.00"
    report = check(ledger, insurance(tmp_path / "医保.xlsx", rows))
    assert xr(report) == {("XR002", MEM, ROW[SON], "personal_premium")}
    found = one(report, "XR002")
    assert (found.value, found.expected, found.cell) == ("280元", "0元", "L5")
    assert found.related == (Related("医保.xlsx", "2020年城乡居民医保参保明细", 7, "C7"),)


def test_xr002_outside_persons_paying_are_not_findings(tmp_path: Path, ledger: Path) -> None:
    # insurance_rows() has an outside person who paid 280: shown in the comparison only.
    report = check(ledger, insurance(tmp_path / "医保.xlsx"))
    assert xr(report, "XR002") == set()
    (summary,) = report.comparisons
    assert summary["outside"] == 1


# --- XR003 ----------------------------------------------------------------------------------


def test_xr003_dead_person_still_a_member(tmp_path: Path, ledger: Path) -> None:
    rows = [["陈小", WIFE, dt.datetime(2020, 5, 1)], ["赵外", OUTSIDE, "2020-03-01"]]
    report = check(ledger, deaths(tmp_path / "死亡.xlsx", rows))
    assert xr(report) == {("XR003", MEM, ROW[WIFE], "id_number")}
    found = one(report, "XR003")
    assert found.value == f"{WIFE[:6]}********{WIFE[-4:]}"  # the ledger's key, masked
    assert found.related == (Related("死亡.xlsx", "死亡注销人员", 3, "B3"),)


def test_xr003_death_after_as_of_is_not_a_finding(tmp_path: Path, ledger: Path) -> None:
    rows = [["陈小", WIFE, "2021-02-01"], ["王大", HEAD, "2020-12-31"]]
    report = check(ledger, deaths(tmp_path / "死亡.xlsx", rows))
    assert xr(report) == set()


def test_xr003_never_matches_by_name(tmp_path: Path, ledger: Path) -> None:
    # Same name as the wife, another person's ID: not her.
    report = check(ledger, deaths(tmp_path / "死亡.xlsx", [["陈小", OUTSIDE, "2020-05-01"]]))
    assert xr(report) == set()


# --- XR004 ----------------------------------------------------------------------------------


def test_xr004_allowance_ended_before_as_of(tmp_path: Path, ledger: Path) -> None:
    rows = assistance_rows()
    rows[0][4] = "2020-06-30"  # 李花's 低保 ended mid-year; the ledger still says 是
    report = check(ledger, assistance_csv(tmp_path / "民政.csv", rows))
    assert xr(report) == {("XR004", HH, HH_ROW["H002"], "minimum_living_allowance")}
    found = one(report, "XR004")
    assert (found.value, found.expected) == ("是", "无有效记录")
    assert found.related == (Related("民政.csv", "民政", 3, "B3"),)


def test_xr004_member_on_roster_makes_the_household_supported(tmp_path: Path, ledger: Path) -> None:
    rows = [*assistance_rows(), ["王子", SON, "特困人员救助供养", "2020-01-01", ""]]
    report = check(ledger, assistance_csv(tmp_path / "民政.csv", rows))
    assert xr(report) == {("XR004", HH, HH_ROW["H001"], "extreme_poverty_support")}
    found = one(report, "XR004")
    assert (found.value, found.expected) == ("否", "特困供养")


def test_xr004_future_start_is_not_in_force(tmp_path: Path, ledger: Path) -> None:
    rows = assistance_rows()
    rows[0][3] = "2021-01-01"
    report = check(ledger, assistance_csv(tmp_path / "民政.csv", rows))
    assert xr(report) == {("XR004", HH, HH_ROW["H002"], "minimum_living_allowance")}


# --- XR005 ----------------------------------------------------------------------------------


def test_xr005_level_and_aid_disagree(tmp_path: Path) -> None:
    members = set_member(ledger_members(), SON, "是否享受教育资助", "否")
    path = write_ledger(tmp_path / "台账.xlsx", members=members)
    rows = [["三亚市第一中学", "王子", SON, "普通高中一年级", "是"]]
    report = check(path, students(tmp_path / "学籍.xlsx", rows))
    assert xr(report) == {
        ("XR005", MEM, ROW[SON], "school_status"),
        ("XR005", MEM, ROW[SON], "education_aid"),
    }
    by_column = {f.column: f for f in report.findings if f.code == "XR005"}
    assert (by_column["school_status"].value, by_column["school_status"].expected) == (
        "初中",
        "高中",
    )
    assert by_column["education_aid"].expected == "是"
    assert by_column["school_status"].related == (Related("学籍.xlsx", "学生资助名单", 3, "C3"),)


def test_xr005_enrolled_on_roster_but_not_in_ledger(tmp_path: Path, ledger: Path) -> None:
    rows = [["三亚市第一中学", "王子", SON, "初二", "是"], ["某小学", "王大", HEAD, "小学", "否"]]
    report = check(ledger, students(tmp_path / "学籍.xlsx", rows))
    assert xr(report) == {("XR005", MEM, ROW[HEAD], "school_status")}
    assert one(report, "XR005").expected == "小学"


def test_xr005_absence_from_the_student_roster_is_not_a_finding(
    tmp_path: Path, ledger: Path
) -> None:
    report = check(
        ledger, students(tmp_path / "学籍.xlsx", [["某中学", "赵外", OUTSIDE, "高中", "是"]])
    )
    assert xr(report) == set()


# --- XR006 ----------------------------------------------------------------------------------


def test_xr006_both_directions_and_masked(tmp_path: Path, ledger: Path) -> None:
    # The head is on the roster (ledger: 健康); the wife is not (ledger: 残疾).
    rows = [["王大", HEAD, "肢体残疾", "三级"], ["赵外", OUTSIDE, "视力残疾", "一级"]]
    report = check(ledger, disability(tmp_path / "残联.xlsx", rows))
    assert xr(report) == {
        ("XR006", MEM, ROW[HEAD], "health"),
        ("XR006", MEM, ROW[WIFE], "health"),
    }
    assert {(f.value, f.expected, f.pii) for f in report.findings if f.code == "XR006"} == {
        ("***", "***", "health")
    }
    shown = check(ledger, disability(tmp_path / "残联.xlsx", rows), show_pii=True)
    pairs = {(f.row, f.value, f.expected) for f in shown.findings if f.code == "XR006"}
    assert pairs == {(ROW[HEAD], "健康", "肢体残疾"), (ROW[WIFE], "残疾", "无记录")}


def test_xr006_agreeing_roster_and_unknown_health(tmp_path: Path) -> None:
    members = set_member(ledger_members(), SON, "健康状况", None)  # unknown: not compared
    path = write_ledger(tmp_path / "台账.xlsx", members=members)
    rows = [["陈小", WIFE, "肢体残疾", "三级"], ["王子", SON, "听力残疾", "四级"]]
    report = check(path, disability(tmp_path / "残联.xlsx", rows))
    assert xr(report) == set()


# --- XR007 ----------------------------------------------------------------------------------


def test_xr007_renovation_under_way_but_housing_safe(tmp_path: Path, ledger: Path) -> None:
    rows = [["李花", OTHER_HEAD, "施工中"], ["王大", HEAD, "已竣工"]]
    report = check(ledger, housing(tmp_path / "危改.xlsx", rows))
    assert xr(report) == {("XR007", HH, HH_ROW["H002"], "housing_safe")}
    found = one(report, "XR007")
    assert (found.value, found.expected) == ("是", "在建")
    assert found.related == (Related("危改.xlsx", "危改进度", 3, "B3"),)


def test_xr007_passes_when_unsafe_in_ledger_or_finished(tmp_path: Path) -> None:
    households = set_household(ledger_households(), "H002", "住房安全", "否")
    path = write_ledger(tmp_path / "台账.xlsx", households=households)
    rows = [["李花", OTHER_HEAD, "未开工"], ["王大", HEAD, "在建"], ["王大", HEAD, "已竣工"]]
    report = check(path, housing(tmp_path / "危改.xlsx", rows))
    assert xr(report, "XR007") == set()


# --- the comparison summary, disjoint rosters, roster F-codes -------------------------------


def test_comparison_counts_matched_missing_outside(tmp_path: Path, ledger: Path) -> None:
    rows = [r for r in insurance_rows() if r[2] != SON]
    report = check(
        ledger,
        insurance(tmp_path / "医保.xlsx", rows),
        housing(
            tmp_path / "危改.xlsx", [["李花", OTHER_HEAD, "已竣工"], ["赵外", OUTSIDE, "在建"]]
        ),
    )
    assert report.comparisons == [
        {
            "roster": "insurance",
            "title": "医保参保名单",
            "files": ["医保.xlsx"],
            "records": 7,
            "unit": "persons",
            "ledger": 4,
            "matched": 3,
            "missing": 1,
            "outside": 1,
        },
        {
            "roster": "housing",
            "title": "危房改造名单",
            "files": ["危改.xlsx"],
            "records": 2,
            "unit": "households",
            "ledger": 2,
            "matched": 1,
            "missing": 1,
            "outside": 1,
        },
    ]


def test_roster_sharing_no_id_with_the_ledger(tmp_path: Path, ledger: Path) -> None:
    """Decision: the roster is the authority, so absence from an insurance roster is
    XR001 for every person the ledger calls insured, whatever the overlap; the comparison
    (matched 0) shows the clerk the roster probably is the wrong one. Rosters whose rules
    need a record (deaths, students, disability for persons not 残疾, housing) stay quiet."""
    others = [pid(dt.date(1990, 1, 1), "女", n, region="469001") for n in range(2, 6)]
    rows = [[i + 1, "某", who, "城乡居民医保", "正常参保", 0, 280] for i, who in enumerate(others)]
    report = check(
        ledger,
        insurance(tmp_path / "医保.xlsx", rows),
        deaths(tmp_path / "死亡.xlsx", [["某", others[0], "2020-01-01"]]),
        students(tmp_path / "学籍.xlsx", [["某校", "某", others[1], "小学", "是"]]),
        housing(tmp_path / "危改.xlsx", [["某", others[2], "在建"]]),
    )
    assert [
        (c["roster"], c["matched"], c["missing"], c["outside"]) for c in report.comparisons
    ] == [
        ("insurance", 0, 4, 4),
        ("deaths", 0, 4, 1),
        ("students", 0, 4, 1),
        ("housing", 0, 2, 1),
    ]
    assert {code for code, *_ in xr(report)} == {"XR001"}
    assert len(xr(report)) == 8  # 4 persons × 2 schemes, all "无记录"


def test_roster_cells_get_f_codes_like_any_input(tmp_path: Path, ledger: Path) -> None:
    rows = insurance_rows()
    rows[0][4] = "冻结"  # not a status the roster vocabulary knows
    rows[2][2] = 4.60203197e17  # an ID stored as a number: digits lost
    report = check(ledger, insurance(tmp_path / "医保.xlsx", rows))
    f_codes = {(f.code, f.file, f.cell) for f in report.findings if f.code.startswith("F")}
    assert f_codes == {("F007", "医保.xlsx", "E3"), ("F008", "医保.xlsx", "C5")}


# --- CLI and JSON ---------------------------------------------------------------------------


def test_cli_against_folder_json_has_related_and_comparisons(tmp_path: Path, ledger: Path) -> None:
    folder = tmp_path / "rosters"
    folder.mkdir()
    rows = insurance_rows()
    rows[ins_row(HEAD, "basic") - 3][4] = "终止参保"
    insurance(folder / "医保.xlsx", rows)
    assistance_csv(folder / "民政.csv")
    (folder / "~$医保.xlsx").write_bytes(b"lock")  # an Office lock file is skipped
    result = CliRunner().invoke(
        app, ["verify", str(ledger), "--against", str(folder), "-f", "json", "--jobs", "1"]
    )
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    roles = [(Path(i["file"]).name, i.get("role")) for i in data["inputs"]]
    assert roles == [("台账.xlsx", None), ("医保.xlsx", "roster"), ("民政.csv", "roster")]
    (finding,) = [f for f in data["findings"] if f["code"] == "XR001"]
    assert finding["cell"] == "G3" and finding["expected"] == "终止"
    assert finding["related"] == [
        {
            "file": str(folder / "医保.xlsx"),
            "sheet": "2020年城乡居民医保参保明细",
            "row": 3,
            "cell": "C3",
        }
    ]
    assert [c["roster"] for c in data["comparisons"]] == ["insurance", "assistance"]
    # Roster data never leaks: no roster name, no unmasked ID of anyone.
    text = result.stdout
    assert "赵外" not in text and OUTSIDE not in text and HEAD not in text


def test_a_roster_folder_holding_the_ledger_leaves_the_ledger_out(
    tmp_path: Path, ledger: Path
) -> None:
    """`verify 台账.xlsx --against .` where the rosters lie beside the ledger."""
    folder = ledger.parent
    insurance(folder / "医保.xlsx")
    result = CliRunner().invoke(
        app, ["verify", str(ledger), "--against", str(folder), "-f", "json", "--jobs", "1"]
    )
    data = json.loads(result.stdout)
    roles = sorted((Path(i["file"]).name, i.get("role") or "ledger") for i in data["inputs"])
    assert ("台账.xlsx", "ledger") in roles and ("台账.xlsx", "roster") not in roles
    assert ("医保.xlsx", "roster") in roles
    assert not [f for f in data["findings"] if f["code"] == "F004"]


def test_a_roster_folder_holding_only_the_ledger_is_an_error(ledger: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(ledger), "--against", str(ledger.parent)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"ledgercheck: --against {ledger.parent}: no roster files found"
    )


def test_cli_console_prints_the_comparison(tmp_path: Path, ledger: Path) -> None:
    roster = insurance(tmp_path / "医保.xlsx")
    args = ["verify", str(ledger), "--against", str(roster), "--lang"]
    zh = CliRunner().invoke(app, [*args, "zh"])
    assert zh.exit_code == 0, zh.output
    assert "名单比对" in zh.stdout and "医保参保名单 (insurance)" in zh.stdout
    assert "Roster comparison" in CliRunner().invoke(app, [*args, "en"]).stdout


def test_json_has_no_comparisons_key_without_rosters(ledger: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(ledger), "-f", "json"])
    assert "comparisons" not in json.loads(result.stdout)


def test_benchmark_script_at_a_tiny_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's generator and verify --against work; the timing itself is not run."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_rosters.py"
    monkeypatch.syspath_prepend(str(script.parent))  # as when run: its folder on sys.path
    spec = importlib.util.spec_from_file_location("bench_rosters", script)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for fmt in ("csv", "xlsx"):
        ledger, roster = bench.build(tmp_path, 40, 120, fmt)
        report = check(ledger, roster)
        (summary,) = report.comparisons
        persons = summary["ledger"]
        assert summary["matched"] == persons and summary["missing"] == 0
        assert summary["outside"] == 120 - 2 * persons
        assert xr(report) == set()
