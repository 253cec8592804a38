"""Headline rates: ratios of sums over claims and coverage shares, city-wide and per 区."""

from __future__ import annotations

from pathlib import Path

from conftest import (
    HEAD,
    HOUSEHOLD_HEADER,
    MEMBER_HEADER,
    SON,
    household_rows,
    member_rows,
    run,
    write_xlsx,
)

CLAIM_HEADER = [
    "证件号码",
    "就诊类型",
    "医疗总费用",
    "合规费用",
    "基本医保报销",
    "医疗救助",
    "个人自付",
]


def ledger(tmp_path: Path) -> Path:
    claims = [
        [HEAD, "住院", 1000, 1000, 800, 150, 50],  # 95%
        [SON, "住院", 3000, 3000, 2400, 250, 350],  # 88.3%: below 90% alone
        [SON, "特殊疾病门诊", 500, 500, 400, 0, 100],  # 80%
    ]
    return write_xlsx(tmp_path / "l.xlsx", {
        "户信息": (HOUSEHOLD_HEADER, household_rows()),
        "成员信息": (MEMBER_HEADER, member_rows()),
        "医疗报销": (CLAIM_HEADER, claims),
    })  # fmt: skip


def test_reimbursement_is_a_ratio_of_sums(tmp_path: Path) -> None:
    report = run(ledger(tmp_path))
    rates = {(a.name, a.scope): a for a in report.aggregates}
    inpatient = rates[("inpatient_actual_ratio", "all")]
    assert (inpatient.numerator, inpatient.denominator) == (3600, 4000)
    assert inpatient.measured == 0.9 and inpatient.target == 0.9
    special = rates[("special_outpatient_actual_ratio", "all")]
    assert special.measured == 0.8 and special.target == 0.8
    # The sum meets 90% while one claim does not: that claim is still a finding.
    assert [(f.code, f.row) for f in report.findings if f.code == "MED010"] == [("MED010", 4)]


def test_coverage_per_district(tmp_path: Path) -> None:
    members = member_rows()
    members[2][6] = "否"  # one of the four persons without basic insurance
    path = write_xlsx(tmp_path / "c.xlsx", {
        "户信息": (HOUSEHOLD_HEADER, household_rows()),
        "成员信息": (MEMBER_HEADER, members),
    })  # fmt: skip
    rates = {(a.name, a.scope): a for a in run(path).aggregates}
    basic = rates[("basic_medical_insurance", "吉阳区")]
    assert (basic.numerator, basic.denominator, basic.measured) == (3, 4, 0.75)
    assert rates[("critical_illness_insurance", "all")].measured == 1.0
