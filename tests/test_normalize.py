"""Messy sheets read as they are: merged two-level headers, flat exports, unreadable cells."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import (
    HEAD,
    HOUSEHOLD_HEADER,
    OTHER_HEAD,
    SON,
    WIFE,
    hits,
    household_rows,
    member_rows,
    office_workbook,
    run,
    write_xlsx,
)
from ledgercheck.header import locate
from ledgercheck.normalize import FEW_ROWS, Region, _all_empty, _blank, region_columns
from ledgercheck.read import read_file


def two_level_workbook(path: Path) -> Path:
    """Row 1 title; rows 3-4 a two-level header with vertical and horizontal merges."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成员"
    ws["A1"] = "天涯区2020年建档立卡成员台账"
    ws.merge_cells("A1:G1")
    ws["A2"] = "填报单位：天涯区扶贫办"
    for col, label in zip("ABCD", ["户编号", "姓 名", "公民身份号码", "与户主\n关系"], strict=True):
        ws[f"{col}3"] = label
        ws.merge_cells(f"{col}3:{col}4")
    ws["E3"] = "医疗保障"
    ws.merge_cells("E3:F3")
    ws["E4"], ws["F4"] = "基本医保", "大病保险"
    ws["G3"] = "性别"
    ws.merge_cells("G3:G4")
    rows = [
        ["H001", "王大", HEAD, "户主", "是", "是", "男"],
        ["H001", "陈小", WIFE, "配偶", "是", "否", "女"],
        [],
        ["小计"],
    ]
    for r, row in enumerate(rows, start=5):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
    wb.save(path)
    return path


def test_two_level_merged_header(tmp_path: Path) -> None:
    sheet = read_file(two_level_workbook(tmp_path / "m.xlsx"))[0]
    layout = locate(sheet)
    assert layout is not None
    assert layout.table.name == "members"
    assert (layout.header_row, layout.data_start) == (2, 4)
    assert layout.mapped >= {
        "household_id",
        "name",
        "id_number",
        "relation",
        "basic_medical_insurance",
        "critical_illness_insurance",
        "sex",
    }


def flat_workbook(path: Path, second_type: str = "脱贫户") -> Path:
    """A national-system export: one row per person, household fields repeated."""
    header = [
        "序号",
        "县(市、区、旗)",
        "乡(镇)",
        "村",
        "户编号",
        "人口编号",
        "姓名",
        "证件号码",
        "与户主关系",
        "性别",
        "民族",
        "贫困户属性",
        "当前家庭人口数",
        "是否参加新型农村合作医疗（城乡居民基本医疗保险）",
        "是否参加大病保险",
    ]
    rows = [
        [
            1,
            "吉阳区",
            "吉阳镇",
            "罗蓬村",
            "H001",
            "P1",
            "王大",
            HEAD,
            "户主",
            "男",
            "汉族",
            "一般脱贫户",
            3,
            "是",
            "是",
        ],
        [
            2,
            "吉阳区",
            "吉阳镇",
            "罗蓬村",
            "H001",
            "P2",
            "陈小",
            WIFE,
            "配偶",
            "女",
            "汉族",
            second_type,
            3,
            "是",
            "是",
        ],
        [
            3,
            "吉阳区",
            "吉阳镇",
            "罗蓬村",
            "H001",
            "P3",
            "王子",
            SON,
            "之子",
            "男",
            "汉族",
            "脱贫户",
            3,
            "是",
            "是",
        ],
        [
            4,
            "吉阳区",
            "吉阳镇",
            "罗蓬村",
            "H002",
            "P4",
            "李花",
            OTHER_HEAD,
            "户主",
            "女",
            "黎族",
            "边缘易致贫户",
            1,
            "是",
            "否",
        ],
    ]
    return write_xlsx(path, {"Sheet1": (header, rows)})


def test_flat_export_is_split_into_households_and_members(tmp_path: Path) -> None:
    report = run(flat_workbook(tmp_path / "flat.xlsx"))
    assert hits(report) == {("MED002", "Sheet1", 6)}
    sheet = report.inputs[0].sheets[0]
    assert (sheet.table, sheet.flat, sheet.to_dict()["flat"]) == ("members", True, True)


def test_flat_export_with_differing_household_field_is_hh008(tmp_path: Path) -> None:
    report = run(flat_workbook(tmp_path / "flat.xlsx", second_type="边缘户"))
    assert ("HH008", "Sheet1", 4) in hits(report)


def test_unreadable_cells_are_findings(tmp_path: Path) -> None:
    members = [
        ["H001", "王大", HEAD, "男", "户主", 50, "是", "√"],
        ["H001", "陈小", 4.60203197203012e17, "女", "配偶", 48, "是", "√"],  # F008
        ["H001", "", SON, "男", "之子", 12, "也许", "√"],  # F006 name, F007 insurance
        ["H002", "李花", OTHER_HEAD, "女", "户主", 60, "Y", "是"],
    ]
    report = run(office_workbook(tmp_path / "cells.xlsx", members=members))
    found = hits(report, "F")
    assert found == {("F008", "成员信息", 4), ("F006", "成员信息", 5), ("F007", "成员信息", 5)}
    f008 = next(f for f in report.findings if f.code == "F008")
    assert f008.cell == "C4" and f008.value is not None and "E+17" in f008.value


def test_formula_without_cached_value_is_f009(tmp_path: Path) -> None:
    path = office_workbook(tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["户信息"]["E3"] = "=COUNTIF(成员信息!A:A,B3)"  # openpyxl saves no cached value
    wb.save(path)
    report = run(path)
    assert ("F009", "户信息", 3) in hits(report)


def test_unknown_sheet_and_missing_required_column(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "x.xlsx",
        {
            "说明": (["本表说明", "2020年"], [["请按要求填写", ""]]),
            "成员信息": (
                ["户编号", "姓名", "与户主关系", "性别"],
                [["H001", "王大", "户主", "男"]],
            ),
        },
    )
    report = run(path)
    codes = {(f.code, f.sheet, f.row, f.column) for f in report.findings}
    assert ("F003", "说明", None, None) in codes
    assert ("F004", "成员信息", None, "id_number") in codes


def test_duplicate_columns_are_f005(tmp_path: Path) -> None:
    header = ["户编号", "姓名", "证件号码", "身份证号", "与户主关系"]
    path = write_xlsx(
        tmp_path / "d.xlsx", {"成员信息": (header, [["H001", "王大", HEAD, HEAD, "户主"]])}
    )
    assert ("F005", "成员信息", None) in hits(run(path))


def test_text_dates_full_width_and_variants(tmp_path: Path) -> None:
    """National-system vocabulary and full-width digits read as canonical values."""
    households = [
        [1, "Ｈ００１", "吉阳区", "已脱贫", "３", "2018.6.30", "５２００", "王大", HEAD],
        [
            2,
            "H002",
            "吉阳区",
            "边缘易致贫户",
            1,
            dt.date(2019, 1, 1),
            "4,500.00元",
            "李花",
            OTHER_HEAD,
        ],
    ]
    members = [
        ["Ｈ００１", "王大", HEAD, "1", "本人", 50, "是", "√"],
        ["H001", "陈小", WIFE, "2", "妻子", 48, "是", "√"],
        ["H001", "王子", SON, "男", "儿子", 12, "是", "√"],
        ["H002", "李花", OTHER_HEAD, "女", "户主", 60, "Y", "是"],
    ]
    report = run(office_workbook(tmp_path / "v.xlsx", households, members))
    assert hits(report) == set()


def test_monitoring_category_wins_and_falls_back_to_poverty_attribute(tmp_path: Path) -> None:
    """National exports carry both: 监测对象类别 wins; where it is empty, 贫困户属性 is read."""
    header = ["户编号", "区", "贫困户属性", "监测对象类别", "家庭人口数"]
    rows = [["H001", "吉阳区", "一般脱贫户", "脱贫不稳定户", 1],
            ["H002", "吉阳区", "一般脱贫户", "", 1]]  # fmt: skip
    path = write_xlsx(tmp_path / "hh.xlsx", {"户信息": (header, rows)})
    from ledgercheck import packs
    from ledgercheck.ledger import combine
    from ledgercheck.pipeline import Options, load_file

    result = load_file(path, path.name, Options(packs.load()))
    ledger = combine(result.tables, packs.load().as_of)
    assert ledger.frames["households"]["household_type"].tolist() == ["脱贫监测户", "脱贫户"]
    assert not [d for d in result.drafts if d.code == "F005"]


def test_values_merged_down_a_household_belong_to_every_row(tmp_path: Path) -> None:
    """户编号 and 户主姓名 merged over a household's member rows, as clerks lay them out."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成员信息"
    ws.append(["吉阳区成员台账"])
    ws.merge_cells("A1:H1")
    ws.append(["户编号", "姓名", "证件号码", "性别", "与户主关系", "年龄",
               "是否参加城乡居民基本医疗保险", "大病保险"])  # fmt: skip
    for row in member_rows():
        ws.append(row)
    for r in (4, 5):  # the H001 household's second and third rows: 户编号 left blank
        ws.cell(r, 1).value = None
    ws.merge_cells("A3:A5")
    wb.save(tmp_path / "m.xlsx")
    households = write_xlsx(tmp_path / "h.xlsx", {"户信息": (HOUSEHOLD_HEADER, household_rows())})
    from ledgercheck import packs
    from ledgercheck.pipeline import Options, verify

    report = verify(
        [(households, "h.xlsx"), (tmp_path / "m.xlsx", "m.xlsx")], Options(packs.load())
    )
    assert hits(report) == set()


def test_id_truncated_by_excel_to_000_is_f008_not_a_check_digit_error(tmp_path: Path) -> None:
    """460203197203012XXX shown by Excel with 15 significant digits: …000, digits lost."""
    members = member_rows()
    truncated = WIFE[:15] + "000"
    assert truncated != WIFE
    members[1][2] = truncated
    report = run(office_workbook(tmp_path / "t.xlsx", members=members))
    assert ("F008", "成员信息", 4) in hits(report)
    assert not any(f.code == "ID002" for f in report.findings)


def test_relations_and_health_as_clerks_type_them(tmp_path: Path) -> None:
    """长子 is 之子, 妻 is 配偶, 慢性病 is 长期慢性病: read as the canonical value, not F007."""
    header = ["户编号", "姓名", "证件号码", "性别", "与户主关系", "健康状况"]
    rows = [["H001", "王大", HEAD, "男", "户主", "健康"],
            ["H001", "陈小", WIFE, "女", "妻", "慢性病、残疾人"],
            ["H001", "王子", SON, "男", "长子", "健康"]]  # fmt: skip
    path = write_xlsx(tmp_path / "m.xlsx", {"成员信息": (header, rows)})
    from ledgercheck import packs
    from ledgercheck.ledger import combine
    from ledgercheck.pipeline import Options, load_file

    result = load_file(path, path.name, Options(packs.load()))
    assert not [d for d in result.drafts if d.code == "F007"]
    members = combine(result.tables, packs.load().as_of).frames["members"]
    assert members["relation"].tolist() == ["户主", "配偶", "之子"]
    assert members["health"].tolist() == ["健康", "长期慢性病,残疾", "健康"]


# --- the data region's row tests: cell by cell on a few rows, column-wise on many -------------

CELLS = st.one_of(
    st.sampled_from(["", " ", "\u3000", "合计", "张三", "0"]),
    st.none(),
    st.floats(allow_infinity=False),  # NaN included: an empty cell to a clerk
    st.booleans(),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 1, 1)),
)


def _grid(draw: st.DrawFn) -> list[list[object]]:
    width = draw(st.integers(1, 4))
    rows = draw(st.integers(1, 12))
    return [[draw(CELLS) for _ in range(width)] for _ in range(rows)]


@given(st.data())
@settings(max_examples=200, deadline=None)
def test_a_row_wise_columns_blanks_are_those_of_its_series(data: st.DataObject) -> None:
    region = region_columns(data.draw(st.composite(_grid)()), 0)
    for c in range(len(region)):
        assert region.blank(c).tolist() == _blank(region[c]).tolist()


@given(st.data())
@settings(max_examples=200, deadline=None)
def test_a_few_rows_are_found_empty_as_many_are(data: st.DataObject) -> None:
    grid = data.draw(st.composite(_grid)())
    region = region_columns(grid, 0)
    rows = np.array(data.draw(st.lists(st.integers(0, len(grid) - 1), min_size=1)))
    mapped = list(range(len(region)))
    many = np.tile(rows, FEW_ROWS // len(rows) + 1)  # past FEW_ROWS: the column-wise test
    assert _all_empty(region, mapped, rows).tolist() == (
        _all_empty(region, mapped, many)[: len(rows)].tolist()
    )


def test_a_columnar_sheets_few_rows_are_read_from_arrow() -> None:
    region = Region([pa.chunked_array([["", None, "  ", "户主"]]), pa.chunked_array([[None] * 4])])
    rows = np.array([0, 1, 2, 3])
    assert _all_empty(region, [0, 1], rows).tolist() == [True, True, True, False]
    assert region.blank(0).tolist() == [True, True, False, False]  # whitespace: the full test's
