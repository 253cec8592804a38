"""The fixed ledger every reporter test renders: three sheets, two districts, known breaches.

Built with the shared builders; one cell is then made a literal text "=1+1" (a formula
injection attempt) that the reader cannot read as a yes/no, so it surfaces as F007.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import openpyxl

from conftest import HEAD, HOUSEHOLD_HEADER, MEMBER_HEADER, OTHER_HEAD, SON, WIFE, pid, write_xlsx
from ledgercheck import __version__, packs
from ledgercheck.findings import Report
from ledgercheck.pipeline import Options, verify

NAME = "吉阳区台账.xlsx"
ZHAO = pid(dt.date(1965, 6, 1), "男", 5)
ZHAO_WIFE = pid(dt.date(1966, 7, 1), "女", 6)
# Codes whose behaviour the fixture pins; others are left to their own tests.
SELECT = ("F", "HH", "INC001", "MED001", "MED002", "MED010", "POP001")
MEDICAL_HEADER = ["证件号码", "姓名", "就诊类型", "医疗总费用", "合规费用", "基本医保报销",
                  "大病保险报销", "医疗救助", "个人自付"]  # fmt: skip
INJECTION_CELL = ("成员信息", "H8")


def households() -> list[list[Any]]:
    return [
        [1, "H001", "吉阳区", "脱贫户", 3, "2018年", "5,200元", "王大", HEAD],
        [2, "H002", "吉阳区", "边缘户", 1, 2019, 4500, "李花", OTHER_HEAD],
        [3, "H003", "天涯区", "脱贫户", 4, 2017, 3500, "赵一", ZHAO],  # 3 members; income low
    ]


def members() -> list[list[Any]]:
    return [
        ["H001", "王大", HEAD, "男", "户主", 50, "是", "√"],
        ["H001", "陈小", WIFE, "女", "配偶", 48, "是", "√"],
        ["H001", "王子", SON, "男", "儿子", 12, "是", "×"],  # MED002
        ["H002", "李花", OTHER_HEAD, "女", "户主", 60, "Y", "是"],
        ["H003", "赵一", ZHAO, "男", "户主", 55, "是", "是"],
        ["H003", "钱二", ZHAO_WIFE, "女", "配偶", 54, "否", "=1+1"],  # MED001; F007
        ["H003", "孙三", WIFE, "女", "儿媳", 30, "是", "是"],  # HH005: 陈小's ID again
    ]


def claims() -> list[list[Any]]:
    return [
        [HEAD, "王大", "住院", 10000, 10000, 7000, 1500, 1000, 500],  # 95%
        [WIFE, "陈小", "住院", 10000, 10000, 6000, 1500, 1000, 1500],  # 85%: MED010
        [OTHER_HEAD, "李花", "住院", 5000, 5000, 4000, 300, 300, 400],  # 92%
        [ZHAO, "赵一", "住院", 8000, 8000, 5000, 1500, 800, 700],  # 91.25%
        [SON, "王子", "特殊疾病门诊", 2000, 2000, 1200, 0, 400, 400],
    ]


def build(folder: Path) -> Path:
    path = write_xlsx(
        folder / NAME,
        {
            "户信息": (HOUSEHOLD_HEADER, households()),
            "成员信息": (MEMBER_HEADER, members()),
            "医疗报销": (MEDICAL_HEADER, claims()),
        },
    )
    book = openpyxl.load_workbook(path)
    sheet, coordinate = INJECTION_CELL
    book[sheet][coordinate].data_type = "s"  # text "=1+1", not a formula
    book.save(path)
    return path


def report(path: Path, lang: str) -> Report:
    """The report as the CLI makes it for `ledgercheck verify 吉阳区台账.xlsx`."""
    return verify([(path, path.name)], Options(packs.load(), select=SELECT, lang=lang))


def normalise(text: str) -> str:
    """Volatile bits out: the version (tmp paths never appear: files are labelled by name)."""
    return text.replace(__version__, "<version>")


def check_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/NAME; UPDATE_GOLDEN=1 rewrites it instead."""
    path = Path(__file__).parent.parent / "golden" / name
    actual = normalise(actual)
    if os.environ.get("UPDATE_GOLDEN") == "1" or not path.exists():
        if os.environ.get("CI") == "true" and not path.exists():
            raise AssertionError(f"golden file {path.name} is missing (run with UPDATE_GOLDEN=1)")
        path.write_text(actual, encoding="utf-8", newline="")
        return
    expected = path.read_bytes().decode("utf-8")  # CRLF kept: CSV golden files use it
    assert actual == expected, f"{path.name} differs; if intended, rerun with UPDATE_GOLDEN=1"
