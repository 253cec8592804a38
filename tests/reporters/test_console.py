"""The console report: the rules that did not run, a line for each reason; the sheets read."""

from __future__ import annotations

import pytest

from ledgercheck.dask_engine import UNSUPPORTED
from ledgercheck.findings import InputInfo, NotRun, Report, SheetInfo
from ledgercheck.reporters import Context, render
from ledgercheck.reporters.console import INVENTORY_FILES

NOT_RUN = [
    NotRun("MED010", "no medical table"),
    NotRun("HH004", "members has no column relation"),
    NotRun("MED011", "no medical table"),
    NotRun("XR001", "no insurance roster"),
    NotRun("XR003", "no deaths roster"),
    NotRun("ID004", "members has no column sex, age"),
    NotRun("HH005", UNSUPPORTED),
]


def lines(lang: str) -> list[str]:
    report = Report(rule_pack="sanya-2020", rules_not_run=list(NOT_RUN))
    text = render("console", report, Context(lang))
    assert isinstance(text, str)
    return [" ".join(line.split()) for line in text.splitlines()]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh",
            [
                "未运行的规则 (7):",
                "缺少医疗报销表 MED010, MED011",
                "成员信息缺少列：与户主关系 HH004",
                "未提供部门名单（--against） XR001, XR003",
                "成员信息缺少列：性别、年龄 ID004",
                f"{UNSUPPORTED} HH005",
            ],
        ),
        (
            "en",
            [
                "rules not run (7):",
                "no medical table (医疗报销) MED010, MED011",
                "members has no column relation (与户主关系) HH004",
                "no department roster given (--against) XR001, XR003",
                "members has no column sex, age (性别、年龄) ID004",
                f"{UNSUPPORTED} HH005",
            ],
        ),
    ],
)
def test_rules_not_run_are_grouped_by_reason(lang: str, expected: list[str]) -> None:
    out = lines(lang)
    start = out.index(expected[0])
    assert out[start : start + len(expected)] == expected


def _inventory(files: int) -> list[str]:
    inputs = [
        InputInfo(
            f"{n:03d}-村.xlsx",
            [SheetInfo("户信息", "households", 3, 90), SheetInfo("说明", None, None, 4)],
        )
        for n in range(files)
    ]
    inputs.append(InputInfo("坏.xlsx", error="corrupt or unsupported workbook"))
    text = render("console", Report(rule_pack="sanya-2020", inputs=inputs), Context("en"))
    assert isinstance(text, str)
    return [" ".join(line.replace("│", " ").split()) for line in text.splitlines()]


def test_a_few_files_list_every_sheet_read() -> None:
    out = _inventory(INVENTORY_FILES - 1)
    assert "000-村.xlsx 户信息 households 3 90" in out
    assert "000-村.xlsx 说明 not recognised 4" in out
    assert not any(line.endswith("--format json)") for line in out)


def test_many_files_list_only_what_needs_a_look_and_count_the_rest() -> None:
    out = _inventory(INVENTORY_FILES + 5)
    assert not any("户信息 households" in line for line in out)
    assert "009-村.xlsx 说明 not recognised 4" in out
    assert "坏.xlsx — corrupt or unsupported workbook" in out
    assert f"{INVENTORY_FILES + 6} files, 20 sheets (the table and header row of each:" in (
        " ".join(out)
    )
