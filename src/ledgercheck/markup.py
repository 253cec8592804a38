"""Workbooks that are markup: what web systems export under a .xls name.

Many government web systems "export to Excel" by sending an HTML table, or an Excel 2003
XML workbook (SpreadsheetML), named .xls. Excel and WPS open both (after a warning), so a
clerk knows them as workbooks; calamine reads neither. Here each becomes the grid calamine
would have given:

- HTML: each <table> a sheet, its cells as text (HTML has no cell types), colspan and
  rowspan as merged ranges with the value in the first cell, <br> as a line break. Parsed by
  the standard library's HTMLParser, which expands only character references.
- SpreadsheetML: each <Worksheet> a sheet, by its ss:Name; Number, DateTime and Boolean
  cells typed as calamine types .xlsx cells; ss:Index skips, ss:MergeAcross/MergeDown
  merges. Parsed by defusedxml: no entity expansion, no external references.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

import defusedxml.ElementTree as SafeET

if TYPE_CHECKING:  # read.py imports this module
    from ledgercheck.read import Cell, Grid, Merge

SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
MAX_ROWS = 1_048_576  # Excel's: no merge reaches further
SPREADSHEETML = b"urn:schemas-microsoft-com:office:spreadsheet"


class MarkupError(ValueError):
    """Markup that is not a readable table or workbook."""


@dataclass
class Sheet:
    """A sheet's cells by (row, column), 0-based; the grid is built once its extent is
    known to be within the limits."""

    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merged: list[Merge] = field(default_factory=list)

    def extent(self) -> tuple[int, int]:
        corners = [*self.cells, *(end for _, end in self.merged)]
        return (
            max((r for r, _ in corners), default=-1) + 1,
            max((c for _, c in corners), default=-1) + 1,
        )

    def grid(self) -> Grid:
        rows, cols = self.extent()
        grid: Grid = [[""] * cols for _ in range(rows)]
        for (r, c), value in self.cells.items():
            grid[r][c] = value
        return grid


def sniff(head: bytes) -> str | None:
    """'spreadsheetml' or 'html' for a file that starts as one; else None."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not text.startswith(b"<"):
        return None
    if SPREADSHEETML in text:
        return "spreadsheetml"
    if any(tag in text for tag in (b"<html", b"<table", b"<!doctype html")):
        return "html"
    return None


# --- HTML ----------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """The cells of every <table>, row by row, with their spans. A table inside a cell is
    read as a table of its own; its text is not the outer cell's."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self._open: list[list[list[tuple[str, int, int]]]] = []  # tables being read
        self._cell: list[str] | None = None
        self._span = (1, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._end_cell()
            self._open.append([])
        elif not self._open:
            return
        elif tag == "tr":
            self._end_cell()
            self._open[-1].append([])
        elif tag in ("td", "th"):
            self._end_cell()
            if not self._open[-1]:  # a cell before any <tr>: browsers open a row
                self._open[-1].append([])
            named = dict(attrs)
            spans = (named.get("rowspan"), named.get("colspan"))
            self._cell, self._span = [], (_bounded(spans[0], 1, SPAN), _bounded(spans[1], 1, SPAN))
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr"):
            self._end_cell()
        elif tag == "table" and self._open:
            self._end_cell()
            self.tables.append(self._open.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def close(self) -> None:
        super().close()
        while self._open:  # a page cut short: its open tables as far as they go
            self._end_cell()
            self.tables.append(self._open.pop())

    def _end_cell(self) -> None:
        if self._cell is not None and self._open and self._open[-1]:
            text = "\n".join(" ".join(line.split()) for line in "".join(self._cell).split("\n"))
            self._open[-1][-1].append((text.strip(), *self._span))
        self._cell = None


SPAN = 1000  # wider or taller spans no ledger has


def _bounded(value: str | None, low: int, high: int) -> int:
    """A count attribute as an int within [low, high]; `low` when absent or not a number."""
    try:
        return max(low, min(int(value or low), high))
    except ValueError:
        return low


def html_tables(text: str, name: str, max_cells: int) -> list[Sheet]:
    """Each table of the page with a cell in it, as a sheet: `name` for one, `name-1`,
    `name-2`… for more."""
    parser = _Tables()
    parser.feed(text)
    parser.close()
    tables = [rows for rows in parser.tables if any(rows)]
    return [
        _layout(rows, name if len(tables) == 1 else f"{name}-{n}", max_cells)
        for n, rows in enumerate(tables, start=1)
    ]


def _layout(rows: list[list[tuple[str, int, int]]], name: str, max_cells: int) -> Sheet:
    """Cells placed as a browser lays them out: a cell spanning rows below takes its
    columns there, and the next cell of those rows moves right."""
    sheet = Sheet(name)
    below: dict[int, set[int]] = {}  # columns that cells spanning down take in later rows
    spanned = 0
    for r, row in enumerate(rows):
        taken = below.pop(r, set())
        c = 0
        for text, down, across in row:
            while c in taken:
                c += 1
            if text:
                sheet.cells[(r, c)] = text
            if down > 1 or across > 1:
                sheet.merged.append(((r, c), (r + down - 1, c + across - 1)))
                spanned += down * across
                if spanned > max_cells:
                    raise MarkupError(f"table {name!r} spans over the limit of {max_cells} cells")
                for dr in range(1, down):
                    below.setdefault(r + dr, set()).update(range(c, c + across))
            c += across
    return sheet


# --- SpreadsheetML (Excel 2003 XML) --------------------------------------------------------


def spreadsheetml_sheets(data: bytes) -> list[Sheet]:
    try:
        root = SafeET.fromstring(data)
    except Exception as exc:  # defusedxml's refusals and ParseError alike
        raise MarkupError(f"not a readable Excel 2003 XML workbook ({type(exc).__name__})") from exc
    out = []
    for n, worksheet in enumerate(root.iter(f"{SS}Worksheet"), start=1):
        sheet = Sheet(worksheet.get(f"{SS}Name") or f"Sheet{n}")
        table = worksheet.find(f"{SS}Table")
        if table is not None:
            _ss_table(table, sheet)
        out.append(sheet)
    return out


def _ss_table(table: Any, sheet: Sheet) -> None:
    r = -1
    for row in table.iter(f"{SS}Row"):
        r = _index(row, r + 1)
        c = -1
        for cell in row.iter(f"{SS}Cell"):
            c = _index(cell, c + 1)
            value = _ss_value(cell.find(f"{SS}Data"))
            across = _bounded(cell.get(f"{SS}MergeAcross"), 0, MAX_ROWS)
            down = _bounded(cell.get(f"{SS}MergeDown"), 0, MAX_ROWS)
            if value != "":
                sheet.cells[(r, c)] = value
            if across or down:
                sheet.merged.append(((r, c), (r + down, c + across)))
            c += across


def _index(element: Any, default: int) -> int:
    """ss:Index, 1-based, as a 0-based position; the next one when absent."""
    value = element.get(f"{SS}Index")
    try:
        return max(default, int(value) - 1) if value else default
    except ValueError:
        return default


def _ss_value(data: Any) -> Cell:
    """A cell's value as calamine gives an .xlsx cell's: a float, a bool, a date (or a
    datetime when it has a time), or text."""
    if data is None:
        return ""
    text = "".join(data.itertext())
    kind = data.get(f"{SS}Type")
    try:
        if kind == "Number":
            return float(text)
        if kind == "Boolean":
            return text.strip() in ("1", "true", "TRUE")
        if kind == "DateTime":
            moment = dt.datetime.fromisoformat(text.strip()[:19])
            return moment.date() if moment.time() == dt.time() else moment
    except ValueError:
        return text  # as written: the checks report what they cannot read
    return text
