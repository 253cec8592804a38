"""Web systems' "Excel exports": an HTML table or an Excel 2003 XML workbook named .xls."""

from __future__ import annotations

import datetime as dt
from html import escape
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import run
from ledgercheck import markup
from ledgercheck.read import InputError, read_file

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "吉阳区-anomalies.xlsx"


def _merges(ws: Any) -> dict[tuple[int, int], tuple[int, int]]:
    """Top-left cell (1-based) → (rows down, columns across) of each merged range."""
    return {
        (m.min_row, m.min_col): (m.max_row - m.min_row, m.max_col - m.min_col)
        for m in ws.merged_cells.ranges
    }


def spreadsheetml(source: Path, target: Path) -> Path:
    """The workbook as Excel 2003 saves "XML Spreadsheet": typed cells, ss:Index for gaps."""
    book = openpyxl.load_workbook(source)
    out = ['<?xml version="1.0"?>', '<?mso-application progid="Excel.Sheet"?>']
    out.append(
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
    )
    for ws in book.worksheets:
        merges = _merges(ws)
        out.append(f'<Worksheet ss:Name="{escape(ws.title)}"><Table>')
        for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
            out.append(f'<Row ss:Index="{r}">')
            for c, value in enumerate(row, start=1):
                down, across = merges.get((r, c), (0, 0))
                if value is None and not (down or across):
                    continue
                span = f' ss:MergeAcross="{across}"' if across else ""
                span += f' ss:MergeDown="{down}"' if down else ""
                out.append(f'<Cell ss:Index="{c}"{span}>{_data(value)}</Cell>')
            out.append("</Row>")
        out.append("</Table></Worksheet>")
    out.append("</Workbook>")
    target.write_text("\n".join(out), encoding="utf-8")
    return target


def _data(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<Data ss:Type="Boolean">{int(value)}</Data>'
    if isinstance(value, int | float):
        return f'<Data ss:Type="Number">{value!r}</Data>'
    if isinstance(value, dt.datetime | dt.date):
        return f'<Data ss:Type="DateTime">{value.isoformat()}</Data>'
    return f'<Data ss:Type="String">{escape(str(value))}</Data>'


def html_export(source: Path, target: Path) -> Path:
    """One sheet as a web page's table, as a web system sends it: text cells, a title
    spanning the columns, GBK-encoded."""
    ws = openpyxl.load_workbook(source).worksheets[0]
    merges = _merges(ws)
    hidden = {
        (r, c)
        for (top, left), (down, across) in merges.items()
        for r in range(top, top + down + 1)
        for c in range(left, left + across + 1)
        if (r, c) != (top, left)
    }
    rows = []
    for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = []
        for c, value in enumerate(row, start=1):
            if (r, c) in hidden:
                continue
            down, across = merges.get((r, c), (0, 0))
            span = f' colspan="{across + 1}"' if across else ""
            span += f' rowspan="{down + 1}"' if down else ""
            text = "" if value is None else escape(_text(value))
            cells.append(f"<td{span}>{text}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
        f"</head><body><table border=1>{''.join(rows)}</table></body></html>"
    )
    target.write_bytes(page.encode("gbk"))
    return target


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return str(value)


def _findings(path: Path) -> list[tuple[object, ...]]:
    report = run(path)
    return sorted(
        (f.code, f.sheet, f.row, f.column, f.value, f.expected)
        for f in report.findings
        if not f.code.startswith("POP")
    )


def test_an_excel_2003_xml_workbook_is_checked_as_the_workbook_it_was(tmp_path: Path) -> None:
    exported = spreadsheetml(SAMPLE, tmp_path / "吉阳区-导出.xls")
    expected = _findings(SAMPLE)
    assert len(expected) > 40
    assert _findings(exported) == expected


def test_an_html_table_named_xls_is_checked_as_its_sheet(tmp_path: Path) -> None:
    source = tmp_path / "户信息.xlsx"
    book = openpyxl.load_workbook(SAMPLE)
    for ws in book.worksheets[1:]:
        book.remove(ws)
    book.save(source)
    exported = html_export(source, tmp_path / "户信息-导出.xls")
    wanted = [f[:1] + f[2:] for f in _findings(source)]  # the sheet is named for the file
    got = _findings(exported)
    assert {f[1] for f in got} == {"户信息-导出"}
    assert [f[:1] + f[2:] for f in got] == wanted and wanted


def test_spans_are_laid_out_as_a_browser_does() -> None:
    page = """<table>
      <tr><td colspan="3">三亚市台账</td></tr>
      <tr><td rowspan="2">户编号</td><td colspan="2">户主</td></tr>
      <tr><td>姓名</td><td>证件号码<br>（18位）</td></tr>
      <tr><td>&nbsp;</td><td> </td></tr>
      <tr><td>H001</td><td>王&nbsp;大</td><td>&#52;60200</td></tr>
    </table>"""
    (sheet,) = markup.html_tables(page, "p", max_cells=100)
    assert sheet.grid() == [
        ["三亚市台账", "", ""],
        ["户编号", "户主", ""],
        ["", "姓名", "证件号码\n（18位）"],
        ["", "", ""],  # a cell of nothing but &nbsp; is empty
        ["H001", "王 大", "460200"],  # and a web page's spaces are spaces
    ]
    assert sheet.merged == [((0, 0), (0, 2)), ((1, 0), (2, 0)), ((1, 1), (1, 2))]


def test_spans_beyond_the_cell_limit_are_refused() -> None:
    page = "<table>" + '<tr><td rowspan="1000" colspan="1000">x</td></tr>' * 3 + "</table>"
    with pytest.raises(markup.MarkupError, match="over the limit of 2000000 cells"):
        markup.html_tables(page, "p", max_cells=2_000_000)


def test_excel_2003_cells_are_typed_and_placed_by_their_index() -> None:
    xml = """<?xml version="1.0"?>
    <Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
              xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
     <Worksheet ss:Name="成员信息"><Table>
      <Row><Cell ss:MergeAcross="2"><Data ss:Type="String">标题</Data></Cell></Row>
      <Row ss:Index="3"><Cell><Data ss:Type="Number">85</Data></Cell>
        <Cell ss:Index="3"><Data ss:Type="DateTime">2020-06-30T00:00:00.000</Data></Cell></Row>
      <Row><Cell><Data ss:Type="Boolean">1</Data></Cell>
        <Cell><Data ss:Type="Number">not a number</Data></Cell></Row>
     </Table></Worksheet>
    </Workbook>""".encode()
    (sheet,) = markup.spreadsheetml_sheets(xml)
    assert sheet.name == "成员信息"
    assert sheet.grid() == [
        ["标题", "", ""],
        ["", "", ""],
        [85.0, "", dt.date(2020, 6, 30)],
        [True, "not a number", ""],
    ]
    assert sheet.merged == [((0, 0), (0, 2))]


def test_an_entity_bomb_is_refused_in_one_line(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xls"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">&lol2;</Workbook>',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="not a readable Excel 2003 XML workbook"):
        read_file(bomb)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xef\xbb\xbf\r\n<html><body><table>", "html"),
        (b"<TABLE border=1><TR><TD>", "html"),
        (b'<?xml version="1.0"?><Workbook xmlns="' + markup.SPREADSHEETML + b'">', "spreadsheetml"),
        (b"<5,\xe5\x85\xb1\n", None),  # a CSV whose first cell starts with '<'
        (b"\xe6\x88\xb7\xe7\xbc\x96\xe5\x8f\xb7,x\n", None),
    ],
)
def test_markup_is_told_by_its_start(head: bytes, kind: str | None) -> None:
    assert markup.sniff(head) == kind


def test_a_page_without_closing_tags_is_read_as_a_browser_reads_it() -> None:
    (sheet,) = markup.html_tables("<TABLE><TR><TD>户编号<TD>姓名<TR><TD>H001<TD>王大", "p", 100)
    assert sheet.grid() == [["户编号", "姓名"], ["H001", "王大"]]
