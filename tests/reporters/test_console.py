"""The console report's list of rules that did not run: a line for each reason."""

from __future__ import annotations

import pytest

from ledgercheck.dask_engine import UNSUPPORTED
from ledgercheck.findings import NotRun, Report
from ledgercheck.reporters import Context, render

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
