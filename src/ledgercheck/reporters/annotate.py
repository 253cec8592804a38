"""The annotated workbook: the clerk's own ledger with every flagged cell marked.

A copy, never the input: .xlsx/.xlsm are loaded with openpyxl so formatting, widths and
merged cells stay (openpyxl drops what it cannot model, such as charts, images and
macros); .xls, .ods, CSV and Parquet are rebuilt cell by cell from the reader's grids.
Values and positions are never changed, so a cell reference in any report points at the
same cell here. Each flagged cell gets a fill by severity and a comment (code, message,
expected, clause, all from the finding, which the pipeline has already masked); the
first cell of each flagged row gets a light tint so a clerk scrolling sideways sees which
rows need work. A first sheet (`核查结果`) lists the findings with links to their cells.

An encrypted input gives an output encrypted with the same password: the copy carries the
same personal data as the original.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from ledgercheck import catalog, i18n
from ledgercheck.findings import Finding, Report, Severity
from ledgercheck.read import OLE_MAGIC, InputError, RawSheet, read_file
from ledgercheck.reporters.common import neutralise

# Excel's own "Bad", "Neutral" and an accent blue; the row tints are lighter versions.
CELL_FILL = {Severity.ERROR: "FFC7CE", Severity.WARNING: "FFEB9C", Severity.INFO: "BDD7EE"}
ROW_FILL = {Severity.ERROR: "FDEBEE", Severity.WARNING: "FFF7D9", Severity.INFO: "E6F0FA"}
HEADER_FILL = "D9D9D9"
SUMMARY_COLUMNS = (
    "rule",
    "rule_title",
    "severity",
    "sheet",
    "cell",
    "message",
    "expected",
    "clause",
)
WIDTHS = (10, 28, 8, 14, 10, 60, 24, 10)
BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


class AnnotateError(Exception):
    """The input cannot be copied (unreadable, or encrypted without a password)."""


@dataclass
class Copy:
    book: Workbook
    titles: dict[str, str]  # the reader's sheet name → the worksheet title in the copy
    encrypted: bool = False
    left_out: list[str] = field(default_factory=list)  # what the copy lacks (`_left_out`)


def render(
    source: Path, label: str, report: Report, lang: str = "zh", password: str | None = None
) -> bytes:
    """The annotated copy of `source` (shown in reports as `label`), as .xlsx bytes."""
    return render_copy(open_copy(source, password), label, report, lang, password)


def render_copy(
    copy: Copy, label: str, report: Report, lang: str = "zh", password: str | None = None
) -> bytes:
    """The annotated copy opened by `open_copy`, as .xlsx bytes."""
    # With one input, ledger-wide findings (POP, no file) are about this file too.
    findings = [f for f in report.findings if f.file in (label, None)]
    mark(copy, findings, lang)
    summary(copy, findings, lang)
    buffer = io.BytesIO()
    copy.book.save(buffer)
    data = buffer.getvalue()
    return encrypt(data, password) if copy.encrypted and password else data


# --- opening the copy ------------------------------------------------------------------


def open_copy(source: Path, password: str | None) -> Copy:
    data = source.read_bytes()
    encrypted = False
    if data.startswith(OLE_MAGIC):
        decrypted = _decrypt(data, password)
        if decrypted is None:  # a legacy .xls: no OOXML to keep
            return rebuild(_sheets(source, password))
        data, encrypted = decrypted, True
    if _is_ooxml(data):
        try:
            book = openpyxl.load_workbook(io.BytesIO(data))
        except Exception as exc:  # openpyxl raises many types on odd files
            raise AnnotateError(f"{source}: workbook cannot be copied ({exc})") from exc
        titles = {ws.title: ws.title for ws in book.worksheets}
        return Copy(book, titles, encrypted, _left_out(data, book))
    return rebuild(_sheets(source, password))


# A drawing part is a few kilobytes; reading more of one to look for shapes is pointless.
DRAWING_BYTES = 4 * 1024 * 1024
CHART_PART = re.compile(r"xl/charts/chart\d+\.xml")
SHAPE = re.compile(rb"<(?:\w+:)?sp[\s>]")  # a shape (text box, arrow…), not a picture


def _left_out(data: bytes, book: Workbook) -> list[str]:
    """What the workbook holds that openpyxl did not load, so the copy will lack it:
    macros always, images without Pillow, shapes always, charts it could not read."""
    sheets = [*book.worksheets, *book.chartsheets]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        shapes = sum(
            1
            for name in names
            if name.startswith("xl/drawings/drawing") and SHAPE.search(_head(zf, name))
        )
    images = sum(1 for n in names if n.startswith("xl/media/")) - sum(
        len(getattr(ws, "_images", [])) for ws in sheets
    )
    charts = sum(1 for n in names if CHART_PART.fullmatch(n)) - sum(
        len(getattr(ws, "_charts", [])) for ws in sheets
    )
    out = ["macros"] if "xl/vbaProject.bin" in names else []
    out += [f"{images} image(s)"] if images > 0 else []
    out += [f"{charts} chart(s)"] if charts > 0 else []
    return out + ([f"shapes on {shapes} sheet(s)"] if shapes else [])


def _head(zf: zipfile.ZipFile, name: str) -> bytes:
    with zf.open(name) as fh:
        return fh.read(DRAWING_BYTES)


def _decrypt(data: bytes, password: str | None) -> bytes | None:
    """Decrypted OOXML bytes of an encrypted workbook; None for a plain OLE (.xls) file."""
    import msoffcrypto

    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    try:
        if not office.is_encrypted():
            return None
    except Exception:
        return None
    if not password:
        raise AnnotateError("the workbook is encrypted: pass --password")
    out = io.BytesIO()
    try:
        office.load_key(password=password)
        office.decrypt(out)
    except Exception as exc:
        raise AnnotateError("the workbook is encrypted and the password is wrong") from exc
    return out.getvalue()


def _is_ooxml(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except zipfile.BadZipFile:
        return False


def _sheets(source: Path, password: str | None) -> list[RawSheet]:
    try:
        return read_file(source, password)
    except InputError as exc:
        raise AnnotateError(f"{source}: {exc.reason}") from exc


def rebuild(sheets: list[RawSheet]) -> Copy:
    """A new workbook holding the grids' values at the same row and column."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    titles: dict[str, str] = {}
    for sheet in sheets:
        ws = book.create_sheet(sheet_title(sheet.name, set(titles.values())))
        titles[sheet.name] = ws.title
        for r, row in enumerate(sheet.grid, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                _put(ws.cell(r, c), value)
    return Copy(book, titles)


def _put(cell: Cell, value: object) -> None:
    try:
        cell.value = value
    except (ValueError, TypeError):
        cell.value = str(value)
    if isinstance(value, str):
        # Kept as the text it was: a value starting with "=" stays text, not a formula.
        cell.data_type = "s"


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique worksheet title: at most 31 characters, none of []:*?/\\."""
    base = BAD_TITLE.sub("_", name).strip("'")[:31] or "Sheet"
    title, n = base, 2
    while title in taken:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    return title


# --- marking cells ---------------------------------------------------------------------


def _target(ws: Worksheet, coordinate: str) -> Cell:
    """The cell to mark; inside a merged range, its top-left cell (the one shown)."""
    cell = ws[coordinate]
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if coordinate in rng:
                return ws.cell(rng.min_row, rng.min_col)
    return cell


def worst(findings: Iterable[Finding]) -> Severity:
    return min((f.severity for f in findings), key=lambda s: s.rank)


def note(f: Finding, lang: str) -> str:
    w = i18n.words(lang)
    colon = w["colon"]
    title = catalog.text(f.code, "title", lang)
    lines = [f"{f.code} {title}（{i18n.severity(f.severity.value, lang)}）", f.message]
    if f.expected:
        lines.append(f"{w['expected']}{colon}{f.expected}")
    if f.clause:
        lines.append(f"{w['clause']}{colon}{f.clause}")
    return "\n".join(lines)


def flagged_cells(copy: Copy, findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    """(worksheet title, coordinate) → its findings; a row finding without a cell → column A."""
    cells: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        title = copy.titles.get(f.sheet or "")
        if title is None or f.row is None:
            continue
        cells[(title, f.cell or f"A{f.row}")].append(f)
    return cells


def mark(copy: Copy, findings: list[Finding], lang: str) -> None:
    author = i18n.words(lang)["annotate_author"]
    rows: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    marked: set[tuple[str, str]] = set()
    for (title, coordinate), found in flagged_cells(copy, findings).items():
        ws = copy.book[title]
        cell = _target(ws, coordinate)
        cell.fill = _fill(CELL_FILL[worst(found)])
        text = "\n\n".join(note(f, lang) for f in found)
        if cell.comment is not None:  # keep what the clerk wrote; ours follows
            text = f"{cell.comment.text}\n\n{text}"
        cell.comment = Comment(text, author, height=max(80, 18 * text.count("\n") + 40), width=320)
        marked.add((title, cell.coordinate))
        for f in found:
            rows[(title, cell.row)].append(f)
    for (title, row), found in rows.items():
        first = copy.book[title].cell(row, 1)
        if (title, first.coordinate) not in marked and not isinstance(first, MergedCell):
            first.fill = _fill(ROW_FILL[worst(found)])


def _fill(rgb: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=rgb, end_color=rgb)


# --- the summary sheet -----------------------------------------------------------------


def quote_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _link(copy: Copy, f: Finding, lang: str) -> tuple[str, str | None]:
    """(text of the cell column, internal link or None)."""
    w = i18n.words(lang)
    title = copy.titles.get(f.sheet or "")
    if title is None:
        return (w["file_level"] if f.file else w["whole_ledger"]), None
    if f.row is None:
        return w["sheet_level"], f"{quote_title(title)}!A1"
    coordinate = f.cell or f"A{f.row}"
    shown = f.cell or w["row_n"].format(n=f.row)
    return shown, f"{quote_title(title)}!{coordinate}"


def summary(copy: Copy, findings: list[Finding], lang: str) -> None:
    w = i18n.words(lang)
    ws = copy.book.create_sheet(sheet_title(w["summary_sheet"], set(copy.book.sheetnames)), 0)
    for sheet in copy.book.worksheets:  # only the summary is selected, so none are grouped
        sheet.sheet_view.tabSelected = sheet is ws
    copy.book.active = 0
    ws.append([w[k] for k in SUMMARY_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = _fill(HEADER_FILL)
    for f in sorted(findings, key=lambda f: (f.severity.rank, f.code, f.sort_key())):
        shown, link = _link(copy, f, lang)
        values = (
            f.code,
            catalog.text(f.code, "title", lang),
            i18n.severity(f.severity.value, lang),
            f.sheet or "",
            shown,
            f.message,
            f.expected or "",
            f.clause or "",
        )
        # Ledger text reaches these cells: none may start like a formula.
        ws.append([neutralise(v) for v in values])
        row = ws.max_row
        ws.cell(row, 3).fill = _fill(CELL_FILL[f.severity])
        if link is not None:
            cell = ws.cell(row, 5)
            cell.hyperlink = Hyperlink(ref=cell.coordinate, location=link, display=shown)
            cell.style = "Hyperlink"
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def encrypt(data: bytes, password: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()
