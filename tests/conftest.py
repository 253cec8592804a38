"""Shared builders: real workbooks written by real writers, shaped as offices write them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ledgercheck import idnumber, packs
from ledgercheck.findings import Report
from ledgercheck.pipeline import Options, verify

Rows = Sequence[Sequence[Any]]
TEST_KEY = "ledgercheck-tests-fingerprint-key"


@pytest.fixture(autouse=True)
def fingerprint_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Every run keys fingerprints with one known key, and no test touches the real
    configuration folder (where a key file would otherwise be made)."""
    monkeypatch.setenv("LEDGERCHECK_KEY", TEST_KEY)
    config = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.setenv("APPDATA", str(config))


def pid(birth: dt.date, sex: str, seq: int = 1, region: str = "460203") -> str:
    return idnumber.make_id(region, birth, seq, sex)


HEAD = pid(dt.date(1970, 1, 1), "男", 1)
WIFE = pid(dt.date(1972, 3, 1), "女", 2)
SON = pid(dt.date(2008, 5, 1), "男", 3)
OTHER_HEAD = pid(dt.date(1960, 1, 1), "女", 4)

HOUSEHOLD_HEADER = ["序号", "户编号", "区", "户类型", "家庭人口数", "脱贫年度", "人均纯收入（元）",
                    "户主姓名", "户主证件号码"]  # fmt: skip
MEMBER_HEADER = ["户编号", "姓名", "证件号码", "性别", "与户主关系", "年龄",
                 "是否参加城乡居民基本医疗保险", "大病保险"]  # fmt: skip


def household_rows() -> list[list[Any]]:
    return [
        [1, "H001", "吉阳区", "脱贫户", 3, "2018年", "5,200元", "王大", HEAD],
        [2, "H002", "吉阳区", "边缘户", "１", 2019, 4500, "李花", OTHER_HEAD],
    ]


def member_rows() -> list[list[Any]]:
    return [
        ["H001", "王大", HEAD, "男", "户主", 50, "是", "√"],
        ["H001", "陈小", WIFE, "女", "配偶", 48, "是", "√"],
        ["H001", "王子", SON, "男", "儿子", 12, "是", "√"],
        ["H002", "李花", OTHER_HEAD, "女", "户主", 60, "Y", "是"],
    ]


def write_xlsx(path: Path, sheets: dict[str, tuple[list[Any], Rows]], title: bool = True) -> Path:
    """Each sheet: a merged title row, the header, the rows, a 合计 row and a footer."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, (header, rows) in sheets.items():
        ws = wb.create_sheet(name)
        if title:
            ws.append([f"吉阳区2020年{name}台账"])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
        ws.append(header)
        for row in rows:
            ws.append(list(row))
        ws.append(["合计"])
        ws.append(["填表人：张三        审核人：李四"])
    wb.save(path)
    return path


def office_workbook(
    path: Path, households: Rows | None = None, members: Rows | None = None
) -> Path:
    return write_xlsx(
        path,
        {
            "户信息": (HOUSEHOLD_HEADER, household_rows() if households is None else households),
            "成员信息": (MEMBER_HEADER, member_rows() if members is None else members),
        },
    )


def run(path: Path, **kwargs: Any) -> Report:
    pack = kwargs.pop("pack", None) or packs.load()
    return verify([(path, path.name)], Options(pack, **kwargs))


def hits(report: Report, prefix: str = "") -> set[tuple[str, str | None, int | None]]:
    return {
        (f.code, f.sheet, f.row)
        for f in report.findings
        if f.code.startswith(prefix) and not f.code.startswith("POP")
    }


@pytest.fixture
def pack() -> packs.Pack:
    return packs.load()
