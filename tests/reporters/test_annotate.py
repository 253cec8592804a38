"""--annotate: a marked copy of the clerk's own workbook, never the workbook itself."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
import reportdata
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl.workbook.workbook import Workbook
from typer.testing import CliRunner

from conftest import MEMBER_HEADER, WIFE, member_rows
from ledgercheck.cli import app
from ledgercheck.findings import Finding, Report, Severity
from ledgercheck.reporters import annotate

runner = CliRunner()
SELECT = ("--select", ",".join(reportdata.SELECT))  # as reportdata.report runs


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def flagged(report: Report, label: str) -> set[tuple[str, str]]:
    """Where comments must be: each finding's cell, or column A of a row without a cell."""
    return {
        (f.sheet, f.cell or f"A{f.row}")
        for f in report.findings
        if f.file == label and f.sheet and f.row is not None
    }


def comments(book: Workbook) -> set[tuple[str, str]]:
    return {
        (ws.title, cell.coordinate)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.comment is not None
    }


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return reportdata.build(tmp_path)


def annotated(ledger: Path, *args: str) -> tuple[Path, Workbook]:
    args = args or ("--lang", "zh")
    out = ledger.parent / "out" / "核查.xlsx"
    result = runner.invoke(
        app,
        ["verify", str(ledger), "--annotate", str(out), "-f", "concise", *SELECT, *args],
    )
    assert result.exit_code == 1, result.output
    return out, openpyxl.load_workbook(out)


def test_comments_on_exactly_the_flagged_cells(ledger: Path) -> None:
    before = digest(ledger)
    _, book = annotated(ledger)
    assert digest(ledger) == before  # the input is never touched
    report = reportdata.report(ledger, "zh")
    expected = flagged(report, ledger.name)
    assert expected and comments(book) == expected
    members = book["成员信息"]
    assert members["H5"].fill.fgColor.rgb.endswith(annotate.CELL_FILL[Severity.ERROR])
    assert "MED002" in members["H5"].comment.text and "二(二)2" in members["H5"].comment.text
    assert members["A5"].fill.fgColor.rgb.endswith(annotate.ROW_FILL[Severity.ERROR])
    assert members["A3"].fill.fill_type is None  # an unflagged row stays as it was


def test_values_and_positions_are_kept(ledger: Path) -> None:
    _, book = annotated(ledger)
    original = openpyxl.load_workbook(ledger)
    for ws in original.worksheets:
        copy = book[ws.title]
        assert [[c.value for c in r] for r in ws.iter_rows()] == [
            [c.value for c in r] for r in copy.iter_rows()
        ]
        assert ws.merged_cells.ranges == copy.merged_cells.ranges


def test_summary_sheet_first_with_links(ledger: Path) -> None:
    _, book = annotated(ledger)
    assert book.sheetnames[0] == "核查结果" and book.active.title == "核查结果"
    ws = book["核查结果"]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == len(reportdata.report(ledger, "zh").findings)
    links = {r[0].value: r[4].hyperlink.location for r in rows if r[4].hyperlink is not None}
    assert links["MED002"] == "'成员信息'!H5"
    assert links["HH003"] == "'户信息'!E5"
    pop = next(r for r in rows if r[0].value == "POP001")
    assert pop[4].hyperlink is None and pop[4].value == "整本台账"


def test_english_summary(ledger: Path) -> None:
    _, book = annotated(ledger, "--lang", "en")
    assert book.sheetnames[0] == "Findings"
    assert [c.value for c in book["Findings"][1]][:3] == ["rule", "rule name", "severity"]


def test_no_unmasked_personal_data(ledger: Path) -> None:
    _, book = annotated(ledger)
    texts = [
        c.comment.text for ws in book.worksheets for r in ws.iter_rows() for c in r if c.comment
    ]
    summary = [str(c.value) for r in book["核查结果"].iter_rows() for c in r if c.value]
    assert not any(WIFE in t for t in texts + summary)
    assert any(f"{WIFE[:6]}********{WIFE[-4:]}" in t for t in texts)


def test_summary_neutralises_formulas(tmp_path: Path) -> None:
    path = reportdata.build(tmp_path)
    evil = Finding(
        "F007", Severity.ERROR, "=HYPERLINK(\"http://x\")", file=path.name, sheet="成员信息",
        row=8, cell="H8", expected="@SUM(1)",
    )  # fmt: skip
    data = annotate.render(path, path.name, Report("p", findings=[evil]), "zh")
    ws = openpyxl.load_workbook(io.BytesIO(data))["核查结果"]
    assert ws["F2"].value == '\'=HYPERLINK("http://x")' and ws["F2"].data_type == "s"
    assert ws["G2"].value == "'@SUM(1)"


def test_refuses_to_write_over_the_input(ledger: Path) -> None:
    before = digest(ledger)
    result = runner.invoke(app, ["verify", str(ledger), "--annotate", str(ledger)])
    assert result.exit_code == 2 and "refusing" in result.output
    assert digest(ledger) == before


def test_refuses_several_inputs(ledger: Path, tmp_path: Path) -> None:
    (tmp_path / "more").mkdir()
    other = reportdata.build(tmp_path / "more")
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["verify", str(ledger), str(other), "--annotate", str(out)])
    assert result.exit_code == 2 and "exactly one input" in result.output
    assert not out.exists()


def test_csv_input_is_rebuilt_with_its_values(tmp_path: Path) -> None:
    members = member_rows()
    members[2][7] = "×"  # MED002 for the son
    members[1][1] = "=1+1"  # a formula-looking name, kept as text
    path = tmp_path / "成员信息.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([MEMBER_HEADER, *members])
    out = tmp_path / "out.xlsx"
    args = ["verify", str(path), "--annotate", str(out), "-f", "concise", *SELECT]
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    book = openpyxl.load_workbook(out)
    sheet = book["成员信息"]
    assert sheet["B3"].value == "=1+1" and sheet["B3"].data_type == "s"
    assert sheet["A1"].value == "户编号" and sheet["H4"].value == "×"
    report = reportdata.report(path, "zh")
    assert comments(book) == flagged(report, path.name)


def test_encrypted_input_gives_encrypted_output(ledger: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked.xlsx"
    with ledger.open("rb") as src, locked.open("wb") as dst:
        OOXMLFile(src).encrypt("pw123", dst)
    out = tmp_path / "annotated.xlsx"
    args = ["verify", str(locked), "--password", "pw123", "--annotate", str(out), "--lang", "zh"]
    assert runner.invoke(app, args).exit_code == 1
    plain = io.BytesIO()
    with out.open("rb") as fh:
        office = msoffcrypto.OfficeFile(fh)
        assert office.is_encrypted()
        office.load_key(password="pw123")
        office.decrypt(plain)
    assert openpyxl.load_workbook(plain).sheetnames[0] == "核查结果"


def _decorated(path: Path, png: Path) -> Path:
    """A ledger with what openpyxl does not keep: a text box, and macros in a .xlsm; and an
    image and a chart, which it keeps."""
    import xlsxwriter

    from conftest import HOUSEHOLD_HEADER, household_rows

    book = xlsxwriter.Workbook(path)
    for title, header, rows in (
        ("户信息", HOUSEHOLD_HEADER, household_rows()),
        ("成员信息", MEMBER_HEADER, member_rows()),
    ):
        ws = book.add_worksheet(title)
        for r, row in enumerate([header, *rows]):
            ws.write_row(r, 0, row)
    ws.insert_textbox("K2", "请核对后再上报")
    ws.insert_image("K8", str(png))
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=成员信息!$F$2:$F$5"})
    ws.insert_chart("K20", chart)
    if path.suffix == ".xlsm":
        vba = path.with_name("vbaProject.bin")
        vba.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(508))  # kept as bytes, never run
        book.add_vba_project(str(vba))
    book.close()
    return path


@pytest.mark.parametrize("suffix", [".xlsx", ".xlsm"])
def test_what_the_copy_cannot_keep_is_said_in_one_line(tmp_path: Path, suffix: str) -> None:
    from PIL import Image

    png = tmp_path / "stamp.png"
    Image.new("RGB", (8, 8), "red").save(png)
    ledger = _decorated(tmp_path / f"台账{suffix}", png)
    out = tmp_path / "核查.xlsx"
    result = runner.invoke(app, ["verify", str(ledger), "--annotate", str(out), "-f", "concise"])
    assert result.exit_code in (0, 1), result.output
    notes = [line for line in result.stderr.splitlines() if "the copy lacks" in line]
    assert len(notes) == 1 and "shapes on 1 sheet(s)" in notes[0]
    assert ("macros" in notes[0]) == (suffix == ".xlsm")
    assert "image" not in notes[0] and "chart" not in notes[0]  # kept (Pillow is here)
    book = openpyxl.load_workbook(out)
    assert len(book["成员信息"]._images) == 1 and len(book["成员信息"]._charts) == 1


def test_a_plain_workbook_gets_no_such_note(ledger: Path) -> None:
    out = ledger.parent / "核查.xlsx"
    result = runner.invoke(app, ["verify", str(ledger), "--annotate", str(out), "-f", "concise"])
    assert "the copy lacks" not in result.stderr
