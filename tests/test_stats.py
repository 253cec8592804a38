"""Headline rates: ratios of sums over claims and coverage shares, city-wide and per 区."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

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
from ledgercheck import packs, stats, synth
from ledgercheck.findings import Districts
from ledgercheck.ledger import Ledger, combine
from ledgercheck.pipeline import Options, load_file

THREE = list(synth.DISTRICTS[:3])

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


def row_by_row(ledger: Ledger) -> dict[tuple[str, str, int], str]:
    """What `stats.row_districts` gives, the slow way: one key per row that names a 区."""
    out: dict[tuple[str, str, int], str] = {}
    for frame in ledger.frames.values():
        column = next((c for c in stats.DISTRICT_COLUMNS if c in frame.columns), None)
        if column is None:
            continue
        for tid, row, name in zip(frame["_tid"], frame["_row"], frame[column], strict=True):
            if isinstance(name, str) and name.strip():
                src = ledger.sources[int(tid)]
                out[(src.file, src.sheet, int(row))] = name.strip()
    return out


@pytest.mark.parametrize("layout", ["office", "flat"])
def test_row_districts_name_every_row_as_a_dict_would(tmp_path: Path, layout: str) -> None:
    path = tmp_path / f"{layout}.xlsx"
    synth.write_workbook(synth.generate(40, seed=4, districts=THREE), path, layout=layout)
    options = Options(packs.load())
    ledger = combine(load_file(path, path.name, options).tables, options.pack.as_of)
    members = ledger.frames["members"]
    if layout == "office":  # members name their household's 区, joined as categories
        assert isinstance(members["_district"].dtype, pd.CategoricalDtype)
        members.loc[members.index[:3], "_district"] = None  # a household not found
    want = row_by_row(ledger)
    got = stats.row_districts(ledger)
    assert got == Districts.of(want)
    assert got.rows_by_district() == Counter(want.values())
    assert {got.get(key) for key in want} == set(THREE)


def test_a_table_without_rows_names_none(tmp_path: Path) -> None:
    path = ledger(tmp_path)
    options = Options(packs.load())
    tables = load_file(path, path.name, options).tables
    empty = [replace(t, frame=t.frame.iloc[:0], raw=t.raw.iloc[:0]) for t in tables]
    assert len(stats.row_districts(combine(empty, options.pack.as_of))) == 0
