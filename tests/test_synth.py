"""The synthetic ledger generator: deterministic, clean when asked, planted when asked."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from ledgercheck import idnumber, synth

AS_OF = dt.date(2020, 12, 31)
SAMPLES = Path(__file__).resolve().parent.parent / "sample_data"


@pytest.fixture(scope="module")
def clean() -> synth.SynthLedger:
    return synth.generate(120, seed=11)


@pytest.fixture(scope="module")
def planted() -> synth.SynthLedger:
    return synth.generate(60, seed=2020, districts=["吉阳区"], inject=synth.INJECTABLE_CODES)


def _same(a: synth.SynthLedger, b: synth.SynthLedger) -> None:
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert a.injected == b.injected
    assert a.flat_overrides == b.flat_overrides


def test_same_seed_same_ledger() -> None:
    codes = ("HH005", "MED010", "PAY008", "F008")
    _same(synth.generate(50, seed=3, inject=codes), synth.generate(50, seed=3, inject=codes))


def test_other_seed_other_ledger() -> None:
    a = synth.generate(30, seed=1).tables["members"]
    b = synth.generate(30, seed=2).tables["members"]
    assert a["id_number"].tolist() != b["id_number"].tolist()


def test_tables_and_canonical_columns(clean: synth.SynthLedger) -> None:
    assert list(clean.tables) == ["households", "members", "medical", "payments", "loans",
                                  "villages"]  # fmt: skip
    for name, frame in clean.tables.items():
        assert list(frame.columns) == list(synth.HEADERS[name])
        assert len(frame) > 0, name
    assert clean.injected == []
    assert set(clean.tables["households"]["district"]) == set(synth.DISTRICTS)


def test_household_size_is_member_count(clean: synth.SynthLedger) -> None:
    members = clean.tables["members"]
    counts = Counter(members["household_id"])
    households = clean.tables["households"]
    assert households["household_id"].is_unique
    for hid, size in zip(households["household_id"], households["household_size"], strict=True):
        assert counts[hid] == size
    heads = members[members["relation"] == "户主"]
    assert Counter(heads["household_id"]) == Counter(households["household_id"])


def test_every_id_is_valid(clean: synth.SynthLedger) -> None:
    ids = clean.tables["members"]["id_number"]
    assert ids.is_unique
    for id_number in ids:
        assert idnumber.problem(id_number, AS_OF) is None, id_number
        assert id_number.startswith("46")
    for row in clean.tables["members"].itertuples():
        assert idnumber.sex(row.id_number) == row.sex
        assert idnumber.age_at(row.id_number, AS_OF) == row.age
    known = set(ids)
    for table in ("medical", "payments", "loans"):
        assert set(clean.tables[table]["id_number"]) <= known, table


def test_clean_thresholds(clean: synth.SynthLedger) -> None:
    # A few rules of spec §3 restated, as a guard against drift in the generator.
    h = clean.tables["households"]
    assert (h.loc[h["household_type"] == "脱贫户", "per_capita_net_income"] > 4000).all()
    edge = h.loc[h["household_type"] == "边缘户", "per_capita_net_income"]
    assert edge.between(4000, 6000).all()
    m = clean.tables["medical"]
    ratio = (m["basic_insurance_paid"] + m["critical_insurance_paid"] + m["supplementary_paid"]
             + m["assistance_paid"]) / m["eligible_cost"]  # fmt: skip
    assert (ratio[m["visit_type"] == "住院"] >= 0.90).all()
    reimbursed = ratio * m["eligible_cost"]
    assert ((m["total_cost"] - reimbursed - m["out_of_pocket"]).abs() <= 0.02).all()
    p = clean.tables["payments"]
    star = p[p["item"] == "产业奖励"]
    earning = h.loc[h["business_net_income"] > 4000, "household_id"]
    assert sorted(star["household_id"]) == sorted(earning)


def test_every_requested_code_is_planted(planted: synth.SynthLedger) -> None:
    assert sorted(i.code for i in planted.injected) == sorted(synth.INJECTABLE_CODES)
    key_column = {"households": "household_id", "villages": "village"}
    for inj in planted.injected:
        frame = planted.tables[inj.table]
        assert inj.row_index is not None
        key = frame.iloc[inj.row_index][key_column.get(inj.table, "id_number")]
        expected = float(inj.key) if inj.code == "F008" else inj.key
        assert key == expected, inj
        assert inj.column is None or inj.column in frame.columns or inj.code == "HH008"


def test_planted_values(planted: synth.SynthLedger) -> None:
    by_code = {i.code: i for i in planted.injected}

    def cell(code: str) -> object:
        inj = by_code[code]
        assert inj.row_index is not None and inj.column is not None
        return planted.tables[inj.table].iloc[inj.row_index][inj.column]

    assert isinstance(cell("F008"), float)
    assert cell("F007") == "是的吧"
    assert pd.isna(cell("F006"))
    for code in ("ID001", "ID002", "ID003"):
        assert idnumber.problem(str(cell(code)), AS_OF) == code
    assert str(cell("ID006")).startswith("440106")
    assert idnumber.problem(str(cell("ID006")), AS_OF) is None


def test_unknown_code_and_district_are_refused() -> None:
    with pytest.raises(ValueError, match="POP001"):
        synth.generate(10, inject=["POP001"])
    with pytest.raises(ValueError, match="districts"):
        synth.generate(10, districts=["三亚区"])


def test_office_xlsx_reads_back(planted: synth.SynthLedger, tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    truth = synth.write_workbook(planted, path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(synth.SHEET_NAMES.values())
    households = wb["户信息"]
    assert households["A1"].value == "吉阳区2020年脱贫户台账"
    assert "A1" in str(households.merged_cells)
    header = [c.value for c in households[3]]
    assert header[:2] == ["序号", "户编号"]
    assert "人均纯收入（元）" in header
    assert households.cell(4, 2).data_type == "s"  # 户编号 as text
    # Every plant but HH008 (flat sheets only) has a row and a column on its sheet.
    assert sorted(t["code"] for t in truth) == sorted(set(synth.INJECTABLE_CODES) - {"HH008"})
    for t in truth:
        ws = wb[t["sheet"]]
        assert ws.cell(t["row"], 1).value == t["row"] - 3  # the 序号 of that data row
        assert t["column"] is not None
    members = wb["成员信息"]
    id_col = [c.value for c in members[3]].index("身份证号码") + 1
    f008 = next(t for t in truth if t["code"] == "F008")
    assert members.cell(f008["row"], id_col).data_type == "n"
    assert members.cell(4, id_col).data_type == "s"


def test_flat_layout_places_household_findings_on_the_first_row(
    planted: synth.SynthLedger, tmp_path: Path
) -> None:
    truth = synth.write_workbook(planted, tmp_path / "flat.xlsx", layout="flat")
    codes = {t["code"] for t in truth}
    assert "HH008" in codes and "HH001" not in codes and "HH002" not in codes
    wb = openpyxl.load_workbook(tmp_path / "flat.xlsx")
    ws = wb[synth.FLAT_SHEET]
    header = [c.value for c in ws[3]]
    hid_col = header.index("户编号") + 1
    for t in truth:
        if t["code"] in ("INC001", "HH003", "WAT003"):
            row = t["row"]
            assert ws.cell(row - 1, hid_col).value != ws.cell(row, hid_col).value


def test_csv_lines_are_rows(planted: synth.SynthLedger, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    truth = synth.write_workbook(planted, folder, fmt="csv")
    members = (folder / "成员信息.csv").read_text(encoding="gb18030").splitlines()
    households = (folder / "户信息.csv").read_text(encoding="utf-8-sig").splitlines()
    assert households[2].startswith("序号,户编号")
    for t in truth:
        if t["sheet"] == "成员信息" and t["code"] == "F008":
            assert "4.60203E+17" in members[t["row"] - 1]


def test_sample_truth_is_current(planted: synth.SynthLedger, tmp_path: Path) -> None:
    # sample_data/make_samples.py writes this very ledger; its truth must not drift.
    path = SAMPLES / "吉阳区-anomalies.truth.json"
    if not path.exists():
        pytest.skip("sample_data not generated")
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored == synth.write_workbook(planted, tmp_path / "sample.xlsx")
