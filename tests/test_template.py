"""`ledgercheck template`: a blank ledger whose formats and drop-downs match the spec."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from ledgercheck import packs, synth, template
from ledgercheck.cli import app
from ledgercheck.pipeline import Options, verify
from ledgercheck.tables import LEDGER_TABLES, Column, Kind, Table

runner = CliRunner()


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "台账模板.xlsx"
    result = runner.invoke(app, ["template", str(path)])
    assert result.exit_code == 0, result.output
    return path


def validation_of(ws: Worksheet, letter: str) -> DataValidation:
    found = [
        dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith(letter + "2:")
    ]
    assert len(found) == 1, (ws.title, letter)
    return found[0]


def list_values(wb: openpyxl.Workbook, dv: DataValidation) -> tuple[str, ...]:
    """The drop-down's values, inline ("a,b") or from a range of the 选项 sheet."""
    source = str(dv.formula1)
    if source.startswith('"'):
        return tuple(source.strip('"').split(","))
    sheet, cells = source.split("!")
    rows = wb[sheet.strip("'")][cells.replace("$", "")]
    return tuple(str(r[0].value) for r in rows)


def columns() -> list[tuple[Table, int, Column]]:
    return [(t, i, c) for t in LEDGER_TABLES for i, c in enumerate(t.columns, start=1)]


def test_sheets_headers_and_instructions(blank: Path) -> None:
    wb = openpyxl.load_workbook(blank)
    assert wb.sheetnames == ["填表说明", *(t.title for t in LEDGER_TABLES), "选项"]
    assert wb["选项"].sheet_state == "hidden"
    notes = "\n".join(str(c.value) for row in wb["填表说明"].iter_rows() for c in row if c.value)
    assert "三扶发〔2020〕4号" in notes
    for table in LEDGER_TABLES:
        assert table.title in notes
        ws = wb[table.title]
        assert [c.value for c in ws[1]] == [c.header for c in table.columns]
        assert ws.freeze_panes == "A2"


@pytest.mark.parametrize(
    ("table", "index", "column"), columns(), ids=lambda v: getattr(v, "name", "")
)
def test_each_column_validation_and_format(
    blank: Path, table: Table, index: int, column: Column
) -> None:
    wb = openpyxl.load_workbook(blank)
    ws = wb[table.title]
    letter = openpyxl.utils.get_column_letter(index)
    dv = validation_of(ws, letter)
    fmt = ws.column_dimensions[letter].number_format
    assert dv.prompt and dv.showInputMessage  # input help on every column
    header = ws.cell(1, index)
    assert header.comment is not None and column.header in header.comment.text
    if column.kind in (Kind.VOCAB, Kind.MULTI):
        assert dv.type == "list"
        assert list_values(wb, dv) == column.vocab
    elif column.kind is Kind.BOOL:
        assert dv.type == "list" and list_values(wb, dv) == ("是", "否")
    elif column.kind in (Kind.ID, Kind.KEY):
        assert fmt == "@"  # text: an 18-digit ID cannot become 4.60203E+17 (F008)
    elif column.kind in (Kind.INT, Kind.YEAR):
        assert dv.type == "whole"
    elif column.kind is Kind.MONEY:
        assert dv.type == "decimal" and fmt in ("#,##0.00", "0.00")
    elif column.kind is Kind.DATE:
        assert dv.type == "date" and fmt == "yyyy-mm-dd"
    if column.kind is Kind.ID:
        assert (dv.type, dv.operator, dv.formula1) == ("textLength", "equal", "18")
    if column.kind is Kind.VOCAB:
        assert dv.errorStyle in (None, "stop")  # only listed values
    codes = template.rule_codes(table, column)
    if codes:
        assert "、".join(codes) in header.comment.text


def test_long_lists_live_on_the_options_sheet(blank: Path) -> None:
    wb = openpyxl.load_workbook(blank)
    members = next(t for t in LEDGER_TABLES if t.name == "members")
    index = [c.name for c in members.columns].index("relation") + 1
    dv = validation_of(wb["成员信息"], openpyxl.utils.get_column_letter(index))
    assert str(dv.formula1).startswith("'选项'!")
    assert len(list_values(wb, dv)) == 28
    for table, i, _ in columns():
        source = validation_of(wb[table.title], openpyxl.utils.get_column_letter(i)).formula1
        assert source is None or len(str(source)) <= 255  # Excel's limit for an inline list


def test_tables_option_and_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["template", str(out), "--tables", "members,户信息"])
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames == ["填表说明", "户信息", "成员信息", "选项"]
    again = runner.invoke(app, ["template", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(app, ["template", str(out), "--force"]).exit_code == 0
    assert len(openpyxl.load_workbook(out).sheetnames) == 8
    bad = runner.invoke(app, ["template", str(tmp_path / "u.xlsx"), "--tables", "members,x"])
    assert bad.exit_code == 2 and "unknown table 'x'" in bad.output


def test_blank_template_verifies_without_unrecognised_sheets(blank: Path) -> None:
    report = verify([(blank, blank.name)], Options(packs.load()))
    assert {f.code for f in report.findings} <= {"POP001", "POP002", "POP003"}
    tables = {s.sheet: s.table for i in report.inputs for s in i.sheets}
    assert tables["填表说明"] is None and tables["成员信息"] == "members"


def _cell_value(column: Column, value: Any) -> Any:
    """What a clerk picks in the template: 是/否 from the list, dates as dates."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if column.kind is Kind.BOOL:
        return "是" if value else "否"
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return value


def fill(blank: Path, out: Path, ledger: synth.SynthLedger) -> None:
    """Write the ledger's rows under the template's headers, checking them against its lists."""
    wb = openpyxl.load_workbook(blank)
    for table in LEDGER_TABLES:
        ws = wb[table.title]
        frame = ledger.tables[table.name]
        for r, record in enumerate(frame.to_dict("records"), start=2):
            for c, column in enumerate(table.columns, start=1):
                value = _cell_value(column, record.get(column.name))
                if value is None:
                    continue
                dv = validation_of(ws, openpyxl.utils.get_column_letter(c))
                if dv.type == "list" and column.kind is not Kind.MULTI:
                    assert value in list_values(wb, dv), (table.name, column.name, value)
                ws.cell(r, c, value)
    wb.save(out)


def test_filled_template_verifies_clean(blank: Path, tmp_path: Path) -> None:
    filled = tmp_path / "吉阳区.xlsx"
    fill(blank, filled, synth.generate(40, seed=5, districts=["吉阳区"]))
    report = verify([(filled, filled.name)], Options(packs.load()))
    assert report.rows > 100
    assert [f.code for f in report.findings if not f.code.startswith("POP")] == []


def test_libreoffice_opens_and_converts_it(blank: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is missing on CI: see scripts/test.sh")
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path / "profile"  # its own profile: never blocked by a running office
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "ods",
            "--outdir",
            str(tmp_path),
            str(blank),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    # LibreOffice without Java says so on stderr ("failed to launch javaldx"): not a complaint.
    complaints = [
        line for line in result.stderr.splitlines() if line.strip() and "javaldx" not in line
    ]
    assert result.returncode == 0 and complaints == [], result.stderr
    converted = tmp_path / (blank.stem + ".ods")
    assert converted.is_file()
    content = zipfile.ZipFile(converted).read("content.xml").decode("utf-8")
    # Calc shares one definition between identical validations (证件号码 of three tables).
    wb = openpyxl.load_workbook(blank)
    distinct = {
        (dv.type, dv.formula1, dv.formula2, dv.promptTitle, dv.prompt)
        for ws in wb.worksheets
        for dv in ws.data_validations.dataValidation
    }
    assert content.count("<table:content-validation ") >= len(distinct)
    assert "之兄弟姐妹" in content  # the 选项 list came through
