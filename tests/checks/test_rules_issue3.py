"""Every rule of issue 3 on tiny real workbooks: a breach, a pass, and the boundaries.

Each case writes .xlsx sheets whose headers are the spec's Chinese headers, runs the whole
pipeline, and compares the findings of one code by (code, sheet, row). Households and
members are valid by default, so only the planted breach can fire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ledgercheck import idnumber, packs
from ledgercheck.findings import Finding, Report
from ledgercheck.pipeline import Options, verify
from ledgercheck.tables import TABLES

Row = dict[str, Any]
Sheets = dict[str, list[Row]]
Hit = tuple[str, str, int]

PACK = packs.load()
D = dt.date


def pid(birth: dt.date, seq: int = 1, sex: str = "男") -> str:
    return idnumber.make_id("460203", birth, seq, sex)


HEAD = pid(D(1970, 1, 1))
HEAD2 = pid(D(1975, 6, 1), 2, "女")


def household(**over: Any) -> Row:
    return {
        "household_id": "H1",
        "district": "吉阳区",
        "household_type": "脱贫户",
        "household_size": 1,
        "exit_year": 2018,
        "per_capita_net_income": 8000,
        **over,
    }


def member(**over: Any) -> Row:
    return {"household_id": "H1", "name": "王大", "id_number": HEAD, "relation": "户主", **over}


def child(birth: dt.date, seq: int, **over: Any) -> Row:
    return member(name=f"王{seq}", id_number=pid(birth, seq), relation="之子", **over)


def cell(value: Any) -> Any:
    """Booleans as offices write them; everything else as is."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return value


def write(path: Path, sheets: Sheets) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        table = TABLES[name]
        columns = list(dict.fromkeys(c for row in rows for c in row))
        ws = wb.create_sheet(table.title)
        ws.append([table.by_name[c].header for c in columns])
        for row in rows:
            ws.append([cell(row.get(c)) for c in columns])
    wb.save(path)
    return path


def ledger(
    households: list[Row] | None = None, members: list[Row] | None = None, **tables: list[Row]
) -> Sheets:
    """A one-household ledger unless told otherwise; `None` for a table leaves it out."""
    sheets: Sheets = {
        "households": households if households is not None else [household()],
        "members": members if members is not None else [member()],
    }
    sheets.update(tables)
    return sheets


def report(tmp_path: Path, sheets: Sheets, pack: packs.Pack = PACK) -> Report:
    path = write(tmp_path / "x.xlsx", sheets)
    return verify([(path, "x.xlsx")], Options(pack))


def findings(rep: Report, code: str) -> list[Finding]:
    assert code not in {n.code for n in rep.rules_not_run}, f"{code} was not run"
    return [f for f in rep.findings if f.code == code]


def hits(tmp_path: Path, code: str, sheets: Sheets, pack: packs.Pack = PACK) -> set[Hit]:
    return {
        (f.code, str(f.sheet), int(f.row or 0))
        for f in findings(report(tmp_path, sheets, pack), code)
    }


def at(code: str, sheet: str, rows: Iterable[int]) -> set[Hit]:
    return {(code, sheet, r) for r in rows}


HH, MEM, MED, PAY, LOAN, VIL = "户信息", "成员信息", "医疗报销", "资金发放", "小额信贷", "村级指标"


# --- INC ---------------------------------------------------------------------------------


def test_inc002_edge_income_band(tmp_path: Path) -> None:
    rows = [
        household(household_id=f"H{i}", household_type="边缘户", per_capita_net_income=v)
        for i, v in enumerate([3999, 4000, 6000, 6000.5, None])
    ] + [household(household_id="H9", per_capita_net_income=3000)]  # 脱贫户: INC001's case
    assert hits(tmp_path, "INC002", ledger(rows)) == at("INC002", HH, [2, 5])


def test_inc003_risk_type_required_for_monitored_and_edge(tmp_path: Path) -> None:
    rows = [
        household(household_id="A", household_type="脱贫监测户", risk_type=None),
        household(household_id="B", household_type="边缘户", risk_type=None),
        household(household_id="C", household_type="边缘户", risk_type="因病"),
        household(household_id="D", household_type="脱贫户", risk_type=None),
        household(household_id="E", household_type="边缘户", risk_type="乱填"),  # F007, not empty
    ]
    assert hits(tmp_path, "INC003", ledger(rows)) == at("INC003", HH, [2, 3])


def test_inc004_measures_required_for_monitored(tmp_path: Path) -> None:
    rows = [
        household(household_id="A", household_type="脱贫监测户", assistance_measures=None),
        household(household_id="B", household_type="脱贫监测户", assistance_measures="产业帮扶"),
        household(household_id="C", household_type="边缘户", assistance_measures=None),
    ]
    assert hits(tmp_path, "INC004", ledger(rows)) == at("INC004", HH, [2])


def test_inc005_exit_year_present_and_in_range(tmp_path: Path) -> None:
    years = [None, 2013, 2014, 2020, 2021]
    rows = [household(household_id=f"H{i}", exit_year=y) for i, y in enumerate(years)]
    rows.append(household(household_id="E", household_type="边缘户", exit_year=None))
    assert hits(tmp_path, "INC005", ledger(rows)) == at("INC005", HH, [2, 3, 6])


def test_inc006_implausible_income_any_type(tmp_path: Path) -> None:
    values = [0, -5, 1, 100000, 100001, None]
    rows = [
        household(household_id=f"H{i}", household_type="一般农户", per_capita_net_income=v)
        for i, v in enumerate(values)
    ]
    assert hits(tmp_path, "INC006", ledger(rows)) == at("INC006", HH, [2, 3, 6])


# --- MED: members and households ---------------------------------------------------------


def test_med003_premium_fully_subsidised(tmp_path: Path) -> None:
    households = [household(), household(household_id="H2", household_type="一般农户")]
    members = [
        member(personal_premium=280),
        child(D(2000, 1, 1), 3, personal_premium=0),
        member(household_id="H2", id_number=HEAD2, personal_premium=280),  # not in the ledger
    ]
    assert hits(tmp_path, "MED003", ledger(households, members)) == at("MED003", MEM, [2])


def test_med004_commercial_insurance(tmp_path: Path) -> None:
    rows = [
        household(household_id="A", commercial_insurance=100),
        household(household_id="B", commercial_insurance=150),
        household(household_id="C", commercial_insurance=None),
        household(household_id="D", household_type="脱贫监测户", commercial_insurance=149.99),
        household(household_id="E", household_type="边缘户", commercial_insurance=100),
    ]
    assert hits(tmp_path, "MED004", ledger(rows)) == at("MED004", HH, [2, 5])


def _chronic(**over: Any) -> list[Row]:
    return [member(**over)]


@pytest.mark.parametrize(
    ("row", "fires"),
    [
        ({"chronic_disease": "高血压", "health_services": 3}, True),
        ({"chronic_disease": "高血压", "health_services": 4}, False),
        ({"chronic_disease": "糖尿病", "health_services": None}, False),  # unknown, not zero
        ({"chronic_disease": "肺结核", "tb_cured": False, "health_services": 3}, True),
        ({"chronic_disease": "肺结核", "tb_cured": True, "health_services": 0}, False),
        ({"chronic_disease": "其他", "health_services": 0}, False),  # MED021's
    ],
)
def test_med020_quarterly_services(tmp_path: Path, row: Row, fires: bool) -> None:
    expected = at("MED020", MEM, [2]) if fires else set()
    assert hits(tmp_path, "MED020", ledger(members=_chronic(**row))) == expected


@pytest.mark.parametrize(
    ("row", "fires"),
    [
        ({"chronic_disease": "其他", "health_services": 0}, True),
        ({"chronic_disease": "其他", "health_services": 1}, False),
        ({"chronic_disease": None, "health": "长期慢性病", "health_services": 0}, True),
        ({"chronic_disease": None, "health": "健康", "health_services": 0}, False),
        ({"chronic_disease": "高血压", "health_services": 0}, False),  # MED020's
        ({"chronic_disease": "肺结核", "tb_cured": True, "health_services": 0}, False),
    ],
)
def test_med021_yearly_services(tmp_path: Path, row: Row, fires: bool) -> None:
    expected = at("MED021", MEM, [2]) if fires else set()
    assert hits(tmp_path, "MED021", ledger(members=_chronic(**row))) == expected


@pytest.mark.parametrize(
    ("row", "fires"),
    [
        ({"chronic_disease": "高血压", "family_doctor_signed": False}, True),
        ({"chronic_disease": "高血压", "family_doctor_signed": True}, False),
        (
            {"chronic_disease": None, "health": "残疾,长期慢性病", "family_doctor_signed": False},
            True,
        ),
        ({"chronic_disease": None, "health": "健康", "family_doctor_signed": False}, False),
        ({"chronic_disease": "糖尿病", "family_doctor_signed": None}, False),
    ],
)
def test_med022_family_doctor(tmp_path: Path, row: Row, fires: bool) -> None:
    expected = at("MED022", MEM, [2]) if fires else set()
    assert hits(tmp_path, "MED022", ledger(members=_chronic(**row))) == expected


# --- MED: claims -------------------------------------------------------------------------


def claim(paid: float, *, visit: str = "住院", eligible: float = 10000, **over: Any) -> Row:
    """A claim whose money adds up: total = eligible = reimbursed + out of pocket."""
    return {
        "id_number": HEAD,
        "visit_type": visit,
        "total_cost": eligible,
        "eligible_cost": eligible,
        "basic_insurance_paid": paid,
        "out_of_pocket": eligible - paid,
        **over,
    }


def test_med010_inpatient_ratio_boundary(tmp_path: Path) -> None:
    claims = [claim(9000), claim(8999), claim(8999, visit="普通门诊")]
    rep = report(tmp_path, ledger(medical=claims))
    bad = findings(rep, "MED010")
    assert {(f.sheet, f.row) for f in bad} == {(MED, 3)}
    assert (bad[0].value, bad[0].expected) == ("89.99%", "90%")


def test_med010_threshold_comes_from_the_pack(tmp_path: Path) -> None:
    custom = tmp_path / "strict.yaml"
    custom.write_text("extends: sanya-2020\nrules:\n  MED010: {min_ratio: 0.95}\n", "utf-8")
    sheets = ledger(medical=[claim(9000), claim(9500)])
    assert hits(tmp_path, "MED010", sheets) == set()
    assert hits(tmp_path, "MED010", sheets, packs.load(custom)) == at("MED010", MED, [2])


def test_med011_special_outpatient_ratio(tmp_path: Path) -> None:
    claims = [
        claim(8000, visit="特殊疾病门诊"),
        claim(7999, visit="特殊疾病门诊"),
        claim(7000, visit="慢性病门诊"),
    ]
    assert hits(tmp_path, "MED011", ledger(medical=claims)) == at("MED011", MED, [3])


def test_med012_extreme_poverty_full_reimbursement(tmp_path: Path) -> None:
    households = [
        household(extreme_poverty_support=True),
        household(household_id="H2", extreme_poverty_support=False),
    ]
    members = [member(), member(household_id="H2", id_number=HEAD2)]
    claims = [
        claim(10000, visit="普通门诊"),
        claim(9999, visit="普通门诊"),
        claim(9000, id_number=HEAD2),
    ]
    sheets = ledger(households, members, medical=claims)
    assert hits(tmp_path, "MED012", sheets) == at("MED012", MED, [3])


def test_med012_not_run_without_the_support_column(tmp_path: Path) -> None:
    rep = report(tmp_path, ledger(medical=[claim(9000)]))
    assert "MED012" in {n.code for n in rep.rules_not_run}


def test_med013_no_deductible_locally(tmp_path: Path) -> None:
    claims = [
        claim(9500, deductible=200, local=True, designated=True),
        claim(9500, deductible=0, local=True, designated=True),
        claim(9500, deductible=200, local=False, designated=True),
        claim(9500, deductible=200, local=True, designated=None),
    ]
    assert hits(tmp_path, "MED013", ledger(medical=claims)) == at("MED013", MED, [2])


def _assisted(assistance: float | None, basic: float = 6000, critical: float = 1000) -> Row:
    paid = basic + critical + (assistance or 0)
    return claim(basic, critical_insurance_paid=critical, assistance_paid=assistance) | {
        "out_of_pocket": 10000 - paid
    }


def test_med014_assistance_share_of_burden(tmp_path: Path) -> None:
    # Burden after insurance 3000; 70% of it is 2100.
    claims = [_assisted(2100), _assisted(2099), _assisted(None), _assisted(0, basic=9000)]
    rep = report(tmp_path, ledger(medical=claims))
    bad = findings(rep, "MED014")
    assert {(f.sheet, f.row) for f in bad} == {(MED, 3), (MED, 4)}
    assert {(f.column, f.expected) for f in bad} == {("assistance_paid", "2100元")}


def test_med014_cap_from_the_pack(tmp_path: Path) -> None:
    custom = tmp_path / "capped.yaml"
    custom.write_text("extends: sanya-2020\nrules:\n  MED014: {assistance_cap: 1000}\n", "utf-8")
    sheets = ledger(medical=[_assisted(1000), _assisted(999)])
    assert hits(tmp_path, "MED014", sheets, packs.load(custom)) == at("MED014", MED, [3])


def test_med015_money_adds_up(tmp_path: Path) -> None:
    claims = [
        claim(9000),
        claim(9000, total_cost=10001),  # off by exactly the 1-yuan tolerance
        claim(9000, total_cost=10002),
        claim(9000, eligible_cost=10500, basic_insurance_paid=9000),
    ]
    rep = report(tmp_path, ledger(medical=claims))
    bad = findings(rep, "MED015")
    assert {(f.sheet, f.row) for f in bad} == {(MED, 4), (MED, 5)}
    assert {f.row: f.expected for f in bad} == {4: "10000元", 5: "≥ 10500元"}
    assert {f.column for f in bad} == {"total_cost"}


# --- EDU ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "status", "health", "fires"),
    [
        (D(2014, 8, 31), "非在校生", None, True),  # 6 on 2020-08-31
        (D(2014, 9, 1), "非在校生", None, False),  # 5
        (D(2004, 9, 1), "辍学", None, True),  # 15
        (D(2004, 8, 31), "辍学", None, False),  # 16
        (D(2010, 1, 1), None, None, True),  # an empty status reads as 非在校生
        (D(2010, 1, 1), "小学", None, False),
        (D(2010, 1, 1), "非在校生", "残疾", False),
        (D(2010, 1, 1), "送教上门", None, False),
    ],
)
def test_edu001_compulsory_schooling(
    tmp_path: Path, birth: dt.date, status: str | None, health: str | None, fires: bool
) -> None:
    members = [member(), child(birth, 3, school_status=status, health=health)]
    expected = at("EDU001", MEM, [3]) if fires else set()
    assert hits(tmp_path, "EDU001", ledger(members=members)) == expected


def test_edu001_only_persons_in_the_ledger(tmp_path: Path) -> None:
    households = [household(household_type="一般农户")]
    members = [member(), child(D(2010, 1, 1), 3, school_status="辍学")]
    assert hits(tmp_path, "EDU001", ledger(households, members)) == set()


def test_edu002_enrolled_students_aided(tmp_path: Path) -> None:
    members = [
        member(school_status="非在校生", education_aid=False),
        child(D(2010, 1, 1), 3, school_status="小学", education_aid=False),
        child(D(2011, 1, 1), 4, school_status="小学", education_aid=True),
        child(D(2016, 1, 1), 5, school_status="学前教育", education_aid=False),
        child(D(2009, 1, 1), 6, school_status="送教上门", education_aid=False),
    ]
    assert hits(tmp_path, "EDU002", ledger(members=members)) == at("EDU002", MEM, [3, 5, 6])


def test_edu003_age_fits_level(tmp_path: Path) -> None:
    members = [
        member(),
        child(D(2005, 6, 1), 3, school_status="小学"),  # 15 at as_of 2020-12-31
        child(D(2006, 6, 1), 4, school_status="小学"),  # 14
        child(D(2010, 6, 1), 5, school_status="初中"),  # 10
        child(D(2006, 6, 1), 6, school_status="高中"),  # 14
    ]
    rep = report(tmp_path, ledger(members=members))
    bad = findings(rep, "EDU003")
    assert {(f.sheet, f.row) for f in bad} == {(MEM, 3), (MEM, 5)}
    assert {f.row: f.expected for f in bad} == {3: "6–14岁", 5: "11–17岁"}


# --- HOU, WAT ----------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "column"), [("HOU001", "housing_safe"), ("WAT001", "water_safe")])
def test_housing_and_water_safe(tmp_path: Path, code: str, column: str) -> None:
    rows = [
        household(household_id="A", **{column: False}),
        household(household_id="B", **{column: True}),
        household(household_id="C", household_type="一般农户", **{column: False}),
        household(household_id="D", **{column: None}),
    ]
    assert hits(tmp_path, code, ledger(rows)) == at(code, HH, [2])


def test_wat002_two_inspections(tmp_path: Path) -> None:
    rows = [
        household(household_id="A", water_check_1=D(2020, 4, 1), water_check_2=D(2020, 9, 1)),
        household(household_id="B", water_check_1=None, water_check_2=D(2020, 9, 1)),
        household(household_id="C", water_check_1=D(2020, 4, 1), water_check_2=None),
        household(household_id="D", household_type="一般农户"),
    ]
    bad = findings(report(tmp_path, ledger(rows)), "WAT002")
    assert {(f.row, f.column, f.value, f.expected) for f in bad} == {
        (3, "water_check_1", "1", "2"),
        (4, "water_check_2", "1", "2"),
    }


def test_wat002_one_inspection_column_records_at_most_one(tmp_path: Path) -> None:
    rows = [household(water_check_1=D(2020, 4, 1))]
    assert hits(tmp_path, "WAT002", ledger(rows)) == at("WAT002", HH, [2])


def test_wat002_not_run_without_inspection_columns(tmp_path: Path) -> None:
    rep = report(tmp_path, ledger())
    assert "WAT002" in {n.code for n in rep.rules_not_run}


def test_wat003_water_quality_test(tmp_path: Path) -> None:
    rows = [
        household(household_id="A", water_quality_test=D(2020, 10, 31)),
        household(household_id="B", water_quality_test=D(2020, 11, 1)),
        household(household_id="C", water_quality_test=None),
    ]
    assert hits(tmp_path, "WAT003", ledger(rows)) == at("WAT003", HH, [3, 4])


# --- PAY ---------------------------------------------------------------------------------


def pay(item: str, amount: float, **over: Any) -> Row:
    return {"id_number": HEAD, "item": item, "amount": amount, "paid_on": D(2020, 6, 1), **over}


def test_pay001_eco_compensation(tmp_path: Path) -> None:
    rows = [
        pay("生态补偿金", 1200, months=6),
        pay("生态补偿金", 1000, months=6),
        pay("生态补偿金", 1400, months=7),
        pay("外出务工奖补", 1000, months=6),  # another item
    ]
    bad = findings(report(tmp_path, ledger(payments=rows)), "PAY001")
    assert {(f.row, f.column, f.expected) for f in bad} == {
        (3, "amount", "1200元"),
        (4, "months", "≤ 6"),
    }


@pytest.mark.parametrize(
    ("period", "paid_on", "fires"),
    [
        ("上半年", D(2020, 6, 30), False),
        ("上半年", D(2020, 7, 1), True),
        ("下半年", D(2020, 10, 31), False),
        ("下半年", D(2020, 11, 1), True),
        ("全年", D(2020, 12, 1), False),
    ],
)
def test_pay002_eco_paid_on_time(
    tmp_path: Path, period: str, paid_on: dt.date, fires: bool
) -> None:
    rows = [pay("生态补偿金", 1200, months=6, period=period, paid_on=paid_on)]
    expected = at("PAY002", PAY, [2]) if fires else set()
    assert hits(tmp_path, "PAY002", ledger(payments=rows)) == expected


def test_pay003_transport_subsidy(tmp_path: Path) -> None:
    rows = [
        pay("跨省务工交通补助", 800),
        pay("省内市外务工交通补助", 200, id_number=HEAD2),
        pay("跨省务工交通补助", 600, id_number=pid(D(1990, 1, 1), 5)),
        pay("省内市外务工交通补助", 200, paid_on=D(2020, 9, 1)),  # HEAD again this year
        pay("跨省务工交通补助", 800, paid_on=D(2021, 3, 1)),  # next year: fine
    ]
    bad = findings(report(tmp_path, ledger(payments=rows)), "PAY003")
    assert {(f.row, f.expected) for f in bad} == {(4, "800元"), (5, "每人每年 1 次")}


@pytest.mark.parametrize(
    ("months", "amount", "fires"), [(6, 1800, False), (5, 1500, True), (6, 1500, True)]
)
def test_pay004_migrant_bonus(tmp_path: Path, months: int, amount: float, fires: bool) -> None:
    rows = [pay("外出务工奖补", amount, months=months)]
    expected = at("PAY004", PAY, [2]) if fires else set()
    assert hits(tmp_path, "PAY004", ledger(payments=rows)) == expected


@pytest.mark.parametrize(
    ("months", "amount", "fires"), [(3, 600, False), (2, 400, True), (4, 600, True)]
)
def test_pay005_flexible_bonus(tmp_path: Path, months: int, amount: float, fires: bool) -> None:
    rows = [pay("灵活就业奖励", amount, months=months)]
    expected = at("PAY005", PAY, [2]) if fires else set()
    assert hits(tmp_path, "PAY005", ledger(payments=rows)) == expected


def test_pay006_startup_subsidy_once(tmp_path: Path) -> None:
    rows = [
        pay("创业补贴", 6000),
        pay("创业补贴", 5000, id_number=HEAD2),
        pay("创业补贴", 6000, paid_on=D(2020, 12, 1)),
    ]
    assert hits(tmp_path, "PAY006", ledger(payments=rows)) == at("PAY006", PAY, [3, 4])


def _business(*incomes: float) -> tuple[list[Row], list[Row]]:
    households = [
        household(household_id=f"H{i}", business_net_income=v) for i, v in enumerate(incomes, 1)
    ]
    members = [
        member(household_id=f"H{i}", id_number=pid(D(1970, 1, 1), i))
        for i in range(1, len(incomes) + 1)
    ]
    return households, members


def test_pay007_industry_award(tmp_path: Path) -> None:
    households, members = _business(5000, 4000, 6000)
    first, second, third = (m["id_number"] for m in members)
    rows = [
        pay("产业奖励", 1000, id_number=first),
        pay("产业奖励", 1000, id_number=second),  # income not above 4000
        pay("产业奖励", 800, id_number=third),
        pay("产业奖励", 1000, id_number=HEAD2, household_id="H1"),  # H1 again, by 户编号
    ]
    bad = findings(report(tmp_path, ledger(households, members, payments=rows)), "PAY007")
    assert {(f.row, f.expected) for f in bad} == {
        (3, "0元 (家庭经营性纯收入 ≤ 4000元)"),
        (4, "1000元"),
        (5, "每户 1 次"),
    }


def test_pay008_award_missing(tmp_path: Path) -> None:
    households, members = _business(5000, 5000, 4000)
    households.append(
        household(household_id="H4", household_type="边缘户", business_net_income=9000)
    )
    rows = [pay("产业奖励", 1000, id_number=members[0]["id_number"])]
    sheets = ledger(households, members, payments=rows)
    assert hits(tmp_path, "PAY008", sheets) == at("PAY008", HH, [3])


def test_pay008_not_run_without_payments(tmp_path: Path) -> None:
    households, members = _business(5000)
    rep = report(tmp_path, ledger(households, members))
    assert "PAY008" in {n.code for n in rep.rules_not_run}


def test_pay009_disabled_support_per_household(tmp_path: Path) -> None:
    households, members = _business(0, 0, 0, 0, 0)
    ids = [m["id_number"] for m in members]
    rows = [
        pay("残疾人生产扶持", 5000, id_number=ids[0]),
        pay("残疾人生产扶持", 3000, id_number=ids[1]),  # split that adds up
        pay("残疾人生产扶持", 2000, id_number=ids[1]),
        pay("残疾人生产扶持", 4000, id_number=ids[2]),
        pay("残疾人生产扶持", 5000, id_number=ids[3]),  # paid twice
        pay("残疾人生产扶持", 5000, id_number=ids[3]),
        pay("残疾人生产扶持", 3000, id_number=ids[4]),  # split that falls short
        pay("残疾人生产扶持", 1000, id_number=ids[4]),
    ]
    sheets = ledger(households, members, payments=rows)
    assert hits(tmp_path, "PAY009", sheets) == at("PAY009", PAY, [5, 7, 8, 9])


def test_pay010_star_award(tmp_path: Path) -> None:
    rows = [pay("脱贫之星奖励", 5000), pay("脱贫之星奖励", 4000, id_number=HEAD2)]
    assert hits(tmp_path, "PAY010", ledger(payments=rows)) == at("PAY010", PAY, [3])


# --- LOAN --------------------------------------------------------------------------------


def loan(**over: Any) -> Row:
    return {"id_number": HEAD, "loan_type": "扶贫小额信贷", "amount": 50000, **over}


def test_loan001_overdue_unhandled(tmp_path: Path) -> None:
    flags = {"repaid": False, "extended": False, "risk_compensation": False}
    rows = [
        loan(overdue_days=91, **flags),
        loan(overdue_days=90, **flags),
        loan(overdue_days=120, **{**flags, "extended": True}),
        loan(overdue_days=120, **{**flags, "risk_compensation": True}),
        loan(overdue_days=120, **{**flags, "repaid": None}),
    ]
    assert hits(tmp_path, "LOAN001", ledger(loans=rows)) == at("LOAN001", LOAN, [2, 6])


def test_loan002_startup_loan_limits(tmp_path: Path) -> None:
    startup = {"loan_type": "创业担保贷款", "issued_on": D(2020, 1, 15)}
    rows = [
        loan(amount=150000, due_on=D(2023, 1, 15), **startup),
        loan(amount=150001, due_on=D(2023, 1, 15), **startup),
        loan(amount=100000, due_on=D(2023, 1, 16), **startup),
        loan(amount=200000, issued_on=D(2020, 1, 15), due_on=D(2025, 1, 1)),  # 扶贫小额信贷
    ]
    bad = findings(report(tmp_path, ledger(loans=rows)), "LOAN002")
    assert {(f.row, f.column, f.expected) for f in bad} == {
        (3, "amount", "150000元"),
        (4, "due_on", "2023-01-15"),
    }


# --- VIL ---------------------------------------------------------------------------------


def village(name: str, **over: Any) -> Row:
    return {"village": name, "district": "吉阳区", **over}


def test_vil001_road_paving(tmp_path: Path) -> None:
    rows = [
        village("甲村", road_paved_rate=0.95),
        village("乙村", road_paved_rate="94.99%"),
        village("丙村", road_paved_rate="90%"),
        village("丁村", road_paved_rate=None),
    ]
    bad = findings(report(tmp_path, ledger(villages=rows)), "VIL001")
    assert {(f.row, f.value, f.expected) for f in bad} == {(3, "94.99%", "95%"), (4, "90%", "95%")}


def test_vil002_transformer_capacity(tmp_path: Path) -> None:
    rows = [village("甲村", kva_per_household=2.1), village("乙村", kva_per_household=2.0)]
    assert hits(tmp_path, "VIL002", ledger(villages=rows)) == at("VIL002", VIL, [3])


def test_vil003_fiber_and_4g(tmp_path: Path) -> None:
    rows = [village("甲村", fiber_4g=True), village("乙村", fiber_4g=False)]
    assert hits(tmp_path, "VIL003", ledger(villages=rows)) == at("VIL003", VIL, [3])
