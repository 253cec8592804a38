"""Raw sheet + layout → typed frames (one per table) and the findings for unreadable cells.

Each record keeps `_row`, the row number a person sees in Excel, so every later finding
can point at a cell without looking back at the grid.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ledgercheck import fingerprints, values
from ledgercheck.columns import Match, norm_label
from ledgercheck.findings import Draft
from ledgercheck.header import Layout, _map, fallback_columns
from ledgercheck.read import RawSheet, column_letter
from ledgercheck.tables import (
    FLAT_HOUSEHOLD_COLUMNS,
    GRADE_PREFIXES,
    HOUSEHOLDS,
    PII,
    VARIANTS,
    Column,
    Kind,
    Table,
)

TOTAL_WORDS = ("合计", "小计", "总计", "总数", "共计")
FOOTER_WORDS = (
    "填表人",
    "审核人",
    "制表人",
    "填报人",
    "负责人",
    "填表日期",
    "填报日期",
    "制表日期",
    "审核日期",
    "注:",
    "说明:",
    "备注:",
    "单位负责人",
    "分管领导",
    "经办人",
)


@dataclass
class TableData:
    table: Table
    file: str
    sheet: str
    header_row: int  # 1-based
    frame: pd.DataFrame  # canonical typed columns + _row
    raw: pd.DataFrame  # the cells as read, same index and columns
    letters: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    flat: bool = False

    @property
    def present(self) -> set[str]:
        return set(self.letters)

    def cell(self, column: str | None, row: int | None) -> str | None:
        if column is None or row is None or column not in self.letters:
            return None
        return f"{self.letters[column]}{row}"


def show(value: object) -> str | None:
    """A cell value as a person would read it in the sheet."""
    if values.is_empty(value):
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if math.isfinite(value) and abs(value) >= 1e15:
            return f"{value:.5E}".replace("E+", "E+")
        return repr(value)
    return str(value)


# --- row filtering ---------------------------------------------------------------------

_SEQ_RE = re.compile(r"^\d+$")


def _leading_texts(row: list[Any], n: int = 3) -> list[str]:
    """The first few non-empty cells, normalised: where 合计 and 填表人 are written."""
    out: list[str] = []
    for v in row:
        if isinstance(v, str) and v.strip():
            out.append(norm_label(v))
        elif not values.is_empty(v):
            out.append("")
        if len(out) == n:
            break
    return out


_NOTE_FIRST = frozenset(w[0] for w in (*TOTAL_WORDS, *FOOTER_WORDS))


def _may_be_note(row: list[Any]) -> bool:
    """Cheap pre-test: does one of the first cells begin like 合计 or 填表人?"""
    seen = 0
    for v in row:
        if _note_start(v):
            return True
        if not values.is_empty(v):
            seen += 1
        if seen >= 3:
            return False
    return False


def _is_total(texts: list[str]) -> bool:
    return any(t.startswith(TOTAL_WORDS) for t in texts)


def _is_footer(texts: list[str]) -> bool:
    return any(t.startswith(FOOTER_WORDS) for t in texts[:2])


def _is_column_numbers(row: list[Any], mapped: Iterable[int]) -> bool:
    """The 栏次 row (1 2 3 …) some forms print under the header."""
    cells = [norm_label(row[c]) if c < len(row) else "" for c in sorted(mapped)]
    nums = [int(t) for t in cells if _SEQ_RE.match(t)]
    return (
        len(nums) >= 3
        and len(nums) == len([t for t in cells if t])
        and nums == sorted(nums)
        and len(set(nums)) == len(nums)
        and nums[0] <= 2
    )


def data_rows(sheet: RawSheet, layout: Layout, region: Region | None = None) -> list[int]:
    """The rows that hold records: not blank, not 合计/小计, not a footer or a repeated header.

    Most rows are plain records; column-wise tests pick the few that need a closer look.
    """
    start = layout.data_start
    if start >= len(sheet.grid):
        return []
    if region is None:
        region = region_columns(sheet.grid, start)
    suspects = _suspect_rows(sheet, layout, region)
    mapped = list(layout.columns) + [c for cs in layout.fallbacks.values() for c in cs]
    header_texts = {c: norm_label(v) for c, v in layout.labels.items()}
    return [
        start + i
        for i, suspect in enumerate(suspects)
        if not suspect or _is_record(sheet, layout, start + i, mapped, header_texts)
    ]


Region = list[np.ndarray]  # the data region's columns, from the first data row down


def region_columns(grid: list[list[Any]], start: int) -> Region:
    """Transpose the data region once, in C: every later test and parse reads columns."""
    rows = grid[start:]
    width = max((len(r) for r in rows), default=0)
    if any(len(r) != width for r in rows):
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    out: Region = []
    for col in zip(*rows, strict=True):
        array = np.empty(len(col), dtype=object)
        array[:] = col
        out.append(array)
    return out


def _blank(col: np.ndarray) -> np.ndarray:
    """Empty as written: '' or missing. (Whitespace-only cells are caught by the full test.)"""
    return np.asarray((col == "") | pd.isna(col), dtype=bool)


def _suspect_rows(sheet: RawSheet, layout: Layout, region: Region) -> np.ndarray:
    """Rows that might be blank, a total, a footer, a 栏次 row or a repeated header."""
    n = len(sheet.grid) - layout.data_start
    filled = np.zeros(n, dtype=np.int64)
    for c in layout.columns:
        if c < len(region):
            filled += ~_blank(region[c])
    # Blank, or all but one cell blank (a total or a footer line): a closer look.
    suspects = filled <= 1
    for col in region[:NOTE_COLUMNS]:
        suspects |= np.fromiter((_note_start(v) for v in col), dtype=bool, count=n)
    first = next(iter(layout.columns))
    if first < len(region):
        suspects |= np.asarray(region[first] == layout.labels[first], dtype=bool)
    suspects[0] = True  # where a 栏次 row (1 2 3 …) would be
    return suspects


NOTE_COLUMNS = 4  # 合计 and 填表人 are written in the first cells of a row


def _note_start(v: object) -> bool:
    """Text that begins as 合计/填表人 do, or with a full-width mark (★, ※)."""
    if not isinstance(v, str):
        return False
    text = v.lstrip(" \u3000\t\r\n")
    if not text:
        return False
    first = text[0]
    return first in _NOTE_FIRST or (not first.isascii() and not first.isalnum())


def _is_record(
    sheet: RawSheet, layout: Layout, r: int, mapped: list[int], header_texts: dict[int, str]
) -> bool:
    """The full test, for a suspect row."""
    row = sheet.grid[r]
    cells = [row[c] if c < len(row) else "" for c in mapped]
    if all(v == "" or v is None or values.is_empty(v) for v in cells):
        return False
    if _may_be_note(row):
        texts = _leading_texts(row)
        if _is_total(texts) or _is_footer(texts):
            return False
    if r == layout.data_start and _is_column_numbers(row, layout.columns):
        return False
    return not _repeats_header(row, layout, header_texts)


def _repeats_header(row: list[Any], layout: Layout, header_texts: dict[int, str]) -> bool:
    """A header printed again on every page of a long export."""
    first = next(iter(layout.columns))
    cell = row[first] if first < len(row) else ""
    if not isinstance(cell, str) or norm_label(cell) != header_texts[first]:
        return False
    same = sum(1 for c in layout.columns if c < len(row) and norm_label(row[c]) == header_texts[c])
    return same * 2 > len(layout.columns)


# --- cell parsing ----------------------------------------------------------------------

_SPLIT_RE = re.compile(r"[,，、;；/]+")


def canon_vocab(column: Column, value: object) -> str | None:
    text = values.clean_text(value)
    if text is None:
        return "非在校生" if column.name == "school_status" else None
    if text in column.vocab:
        return text
    mapped = VARIANTS.get(text)
    if mapped in column.vocab:
        return mapped
    if column.name in ("school_status", "level"):  # level: the students roster's 学段
        for prefix, level in GRADE_PREFIXES:
            if text.startswith(prefix):
                return level
    raise values.Unreadable(f"not one of {'/'.join(column.vocab[:6])}…")


def canon_multi(column: Column, value: object) -> str | None:
    text = values.clean_text(value)
    if text is None:
        return None
    parts = [p if p in column.vocab else VARIANTS.get(p, p) for p in _SPLIT_RE.split(text) if p]
    bad = [p for p in parts if p not in column.vocab]
    if bad:
        raise values.Unreadable(f"{bad[0]!r} is not one of {'/'.join(column.vocab)}")
    return ",".join(v for v in column.vocab if v in parts)


Parser = Callable[[object], Any]

PARSERS: dict[Kind, Parser] = {
    Kind.TEXT: values.parse_text,
    Kind.KEY: values.clean_text,
    Kind.ID: values.parse_id_number,
    Kind.BOOL: values.parse_bool,
    Kind.INT: values.parse_int,
    Kind.MONEY: values.parse_number,
    Kind.RATIO: values.parse_ratio,
    Kind.DATE: values.parse_date,
    Kind.YEAR: values.parse_year,
}


def parser_for(column: Column, vocab_extra: dict[str, str]) -> Parser:
    if column.kind is Kind.VOCAB:

        def parse_vocab(v: object) -> str | None:
            text = values.clean_text(v)
            if text is not None and text in vocab_extra and vocab_extra[text] in column.vocab:
                return vocab_extra[text]
            return canon_vocab(column, v)

        return parse_vocab
    if column.kind is Kind.MULTI:
        return lambda v: canon_multi(column, v)
    return PARSERS[column.kind]


DTYPES: dict[Kind, str] = {
    Kind.BOOL: "boolean",
    Kind.INT: "Int64",
    Kind.YEAR: "Int64",
    Kind.MONEY: "float64",
    Kind.RATIO: "float64",
}


def _typed(kind: Kind, parsed: list[Any]) -> pd.Series:
    if kind in DTYPES:
        if DTYPES[kind] == "float64":
            return pd.Series([math.nan if v is None else v for v in parsed], dtype="float64")
        return pd.Series(parsed, dtype=DTYPES[kind])
    if kind is Kind.DATE:
        return pd.Series(pd.to_datetime(pd.Series(parsed, dtype=object), errors="coerce"))
    return pd.Series(parsed, dtype=object)


@dataclass
class ColumnResult:
    series: pd.Series
    errors: list[tuple[int, str, str]]  # (position, code, reason)
    empty: np.ndarray  # True where the cell is empty as written


def parse_column(
    column: Column, cells: Sequence[Any], negated: bool, vocab_extra: dict[str, str]
) -> ColumnResult:
    """Parse each distinct value once: a column of 100k cells holds few distinct 是/否/区."""
    parse = parser_for(column, vocab_extra)
    array = np.empty(len(cells), dtype=object)
    array[:] = list(cells)
    codes, uniques = _factorize(array)
    # One slot per distinct value, and a last one for the missing (code -1 indexes it).
    distinct = [*uniques, None]
    fast = FAST_PATHS.get(column.kind, _no_shortcut)
    outcomes = [out if (out := fast(v)) is not _MISS else _attempt(parse, v) for v in distinct]
    bad = [i for i, out in enumerate(outcomes) if isinstance(out, values.Unreadable)]
    table = np.empty(len(outcomes), dtype=object)
    table[:] = [_settle(out, negated) for out in outcomes]
    blank = np.array([v == "" or v is None or values.is_empty(v) for v in distinct], dtype=bool)
    errors = [
        (int(pos), _error_code(outcomes[codes[pos]]), str(outcomes[codes[pos]]))
        for pos in np.flatnonzero(np.isin(codes, bad))
    ]
    return ColumnResult(_typed(column.kind, list(table[codes])), errors, blank[codes])


def _factorize(array: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Codes into the distinct values; -1 for None/NaN. True, 1 and 1.0 are one value here,
    which is harmless: no column reads them differently."""
    try:
        codes, uniques = pd.factorize(array, use_na_sentinel=True)
        return np.asarray(codes), list(uniques)
    except TypeError:  # an unhashable cell: one slot per cell
        return np.arange(len(array)), list(array)


def _settle(out: Any, negated: bool) -> Any:
    if isinstance(out, values.Unreadable):
        return None
    if negated and out is not None:
        return not out
    return out


def _error_code(out: Any) -> str:
    return "F008" if isinstance(out, values.DigitsLost) else "F007"


_MISS = object()
_PLAIN_TEXT = re.compile(r"[^\s\u3000\u00a0\u200b\ufeff]+(?: [^\s\u3000\u00a0\u200b\ufeff]+)*")


def _fast_number(v: object) -> Any:
    """A finite float cell is already a number: the common case, without the general parser."""
    if type(v) is float and math.isfinite(v):
        return v
    return None if v == "" else _MISS


def _fast_text(v: object) -> Any:
    """Text with no edge or odd whitespace needs no cleaning; anything else takes the parser."""
    if type(v) is str:
        if v == "":
            return None
        if _PLAIN_TEXT.fullmatch(v) and v.isprintable():
            return v
    return _MISS


_PLAIN_ID = re.compile(r"[0-9]{17}[0-9Xx]")


def _fast_id(v: object) -> Any:
    """An ID typed as 18 plain characters is already in its final form, but for an x.

    One ending in 000 goes to the parser: it may be Excel's 15-digit truncation (F008)."""
    if type(v) is str and _PLAIN_ID.fullmatch(v) and not v.endswith("000"):
        return v.upper()
    return _MISS


def _no_shortcut(v: object) -> Any:
    return _MISS


# Shortcuts for the cells most sheets are made of; each returns _MISS to defer to the parser.
FAST_PATHS: dict[Kind, Callable[[object], Any]] = {
    Kind.MONEY: _fast_number,
    Kind.TEXT: _fast_text,
    Kind.ID: _fast_id,
}


def _attempt(parse: Parser, v: object) -> Any:
    try:
        return parse(v)
    except values.Unreadable as exc:
        return exc
    except (ValueError, TypeError, OverflowError) as exc:
        return values.Unreadable(str(exc))


# --- sheet → tables --------------------------------------------------------------------


def fill_merged(sheet: RawSheet, data_start: int) -> None:
    """A value merged down a household's rows (户编号, 户主姓名 …) belongs to every row.

    Excel keeps it in the top-left cell only; a clerk sees it on each row. Header and title
    merges are left alone: header location has already read them.
    """
    grid = sheet.grid
    for (r0, c0), (r1, c1) in sheet.merged:
        if r0 < data_start or r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        value = grid[r0][c0]
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if (r, c) != (r0, c0) and values.is_empty(row[c]):
                    row[c] = value


def build(
    file: str, sheet: RawSheet, layout: Layout, vocab_extra: dict[str, str] | None = None
) -> tuple[list[TableData], list[Draft]]:
    vocab_extra = vocab_extra or {}
    fill_merged(sheet, layout.data_start)
    region = region_columns(sheet.grid, layout.data_start)
    rows = data_rows(sheet, layout, region)
    drafts: list[Draft] = [
        Draft(
            "F005",
            file,
            sheet.name,
            layout.table.name,
            value=f"{kept} / {dropped}",
            column=col,
            header=dropped,
            expected=col,
        )
        for col, kept, dropped in layout.duplicates
    ]
    if layout.flat:
        hh_map, _ = _map(HOUSEHOLDS, layout.labels)
        hh_map = {
            c: m
            for c, m in hh_map.items()
            if m.column in FLAT_HOUSEHOLD_COLUMNS or m.column == "household_id"
        }
        hh_layout = Layout(
            HOUSEHOLDS,
            layout.header_row,
            layout.data_start,
            hh_map,
            layout.labels,
            [],
            True,
            fallback_columns(HOUSEHOLDS, layout.labels, hh_map),
        )
        members, d1 = _table(file, sheet, layout, rows, vocab_extra, region)
        households, d2 = _table(file, sheet, hh_layout, rows, vocab_extra, region, skip_keys=True)
        first, d3 = split_flat(households)
        return [first, members], drafts + d1 + d2 + d3
    data, found = _table(file, sheet, layout, rows, vocab_extra, region)
    return [data], drafts + found


def _table(
    file: str,
    sheet: RawSheet,
    layout: Layout,
    rows: list[int],
    vocab_extra: dict[str, str],
    region: Region,
    skip_keys: bool = False,
) -> tuple[TableData, list[Draft]]:
    table = layout.table
    excel_rows = [r + 1 for r in rows]
    frame = pd.DataFrame({"_row": pd.Series(excel_rows, dtype="int64")})
    raw = pd.DataFrame(index=frame.index)
    letters: dict[str, str] = {}
    headers: dict[str, str] = {}
    drafts: list[Draft] = []
    kept = np.asarray(rows, dtype=np.int64) - layout.data_start
    columns = [col[kept] for col in region]
    for c, match in layout.columns.items():
        column = table.by_name[match.column]
        cells = _cells(columns, len(rows), c, layout.fallbacks.get(match.column, []))
        letters[column.name] = column_letter(c)
        headers[column.name] = layout.labels[c].replace("\n", "")
        result = parse_column(column, cells, match.negated, vocab_extra)
        frame[column.name] = result.series.values
        raw[column.name] = pd.Series(cells, dtype=object).values
        if skip_keys and column.name == "household_id":
            continue
        for pos, code, _reason in result.errors:
            drafts.append(
                _cell_draft(
                    code,
                    file,
                    sheet.name,
                    table.name,
                    excel_rows[pos],
                    column,
                    letters,
                    headers,
                    cells[pos],
                    expected_form(column, code),
                )
            )
        if column.required:
            for pos in _empty_positions(cells, result):
                drafts.append(
                    _cell_draft(
                        "F006",
                        file,
                        sheet.name,
                        table.name,
                        excel_rows[pos],
                        column,
                        letters,
                        headers,
                        None,
                        "非空",
                    )
                )
    drafts.extend(_formula_drafts(file, sheet, table, rows, layout, letters, headers))
    drafts = _with_keys(drafts, table.name, frame, raw)
    return TableData(
        table, file, sheet.name, layout.header_row + 1, frame, raw, letters, headers, layout.flat
    ), drafts


def _with_keys(
    drafts: list[Draft], table: str, frame: pd.DataFrame, raw: pd.DataFrame
) -> list[Draft]:
    """Give each cell draft the subject key of its row, for its fingerprint."""
    position = {int(r): pos for pos, r in enumerate(frame["_row"].to_numpy())}
    return [
        replace(d, key=fingerprints.row_key(table, frame, raw, position[d.row]))
        if d.row in position
        else d
        for d in drafts
    ]


def _cells(columns: Sequence[np.ndarray], n: int, c: int, fallbacks: list[int]) -> list[Any]:
    out = list(columns[c]) if c < len(columns) else [""] * n
    for alt in fallbacks:
        if alt >= len(columns):
            continue
        other = columns[alt]
        out = [other[i] if values.is_empty(v) else v for i, v in enumerate(out)]
    return out


# What a clerk should type instead of an unreadable value, in the clerks' own words.
FORMS: dict[Kind, str] = {
    Kind.BOOL: "是/否",
    Kind.INT: "整数",
    Kind.MONEY: "金额（如 1234.50）",
    Kind.RATIO: "比例（如 90%）",
    Kind.DATE: "日期（如 2020-06-30）",
    Kind.YEAR: "年份（如 2019）",
    Kind.ID: "以文本格式保存的18位证件号码",
}


def expected_form(column: Column, code: str) -> str:
    if code == "F008":
        return FORMS[Kind.ID]
    if column.vocab:
        return "/".join(column.vocab)
    return FORMS.get(column.kind, "文本")


def _empty_positions(cells: Sequence[Any], result: ColumnResult) -> list[int]:
    failed = {pos for pos, _, _ in result.errors}
    return [int(pos) for pos in np.flatnonzero(result.empty) if pos not in failed]


def _cell_draft(
    code: str,
    file: str,
    sheet: str,
    table: str,
    row: int,
    column: Column,
    letters: dict[str, str],
    headers: dict[str, str],
    value: object,
    expected: str,
) -> Draft:
    shown = show(value)
    if code == "F008" and isinstance(value, float):
        shown = f"{value:.5E}".replace("E+", "E+")
    return Draft(
        code,
        file,
        sheet,
        table,
        row,
        column.name,
        headers.get(column.name),
        f"{letters[column.name]}{row}",
        shown,
        expected,
        pii=PII.get(column.name),
    )


def _formula_drafts(
    file: str,
    sheet: RawSheet,
    table: Table,
    rows: list[int],
    layout: Layout,
    letters: dict[str, str],
    headers: dict[str, str],
) -> list[Draft]:
    if not sheet.uncached_formulas:
        return []
    wanted = set(rows)
    out = []
    for r, c in sorted(sheet.uncached_formulas):
        match = layout.columns.get(c)
        if r in wanted and match is not None:
            column = table.by_name[match.column]
            out.append(
                _cell_draft(
                    "F009",
                    file,
                    sheet.name,
                    table.name,
                    r + 1,
                    column,
                    letters,
                    headers,
                    None,
                    "保存计算结果",
                )
            )
    return out


def split_flat(households: TableData) -> tuple[TableData, list[Draft]]:
    """One row per 户编号 from a one-row-per-person sheet; differing repeats are HH008."""
    frame, raw = households.frame, households.raw
    if "household_id" not in frame:
        return households, []
    keys = frame["household_id"]
    firsts = ~keys.duplicated() | keys.isna()
    drafts: list[Draft] = []
    fields = [c for c in frame.columns if c not in {"_row", "household_id"}]
    first_index = frame.index.to_series().groupby(keys.fillna("")).transform("first")
    for col in fields:
        drafts.extend(_hh008(households, col, first_index, keys))
    sub = TableData(
        households.table,
        households.file,
        households.sheet,
        households.header_row,
        frame[firsts].reset_index(drop=True),
        raw[firsts].reset_index(drop=True),
        households.letters,
        households.headers,
        True,
    )
    return sub, drafts


def _hh008(data: TableData, col: str, first_index: pd.Series, keys: pd.Series) -> list[Draft]:
    series = data.frame[col]
    firsts = series.reindex(first_index.values).reset_index(drop=True)
    firsts.index = series.index
    differs = ~((series == firsts).fillna(False) | (series.isna() & firsts.isna()))
    differs &= keys.notna()
    if not differs.any():
        return []
    out = []
    seen: set[Any] = set()
    for idx in series.index[differs.to_numpy(dtype=bool)]:
        key = keys.iat[idx]
        if key in seen:
            continue
        seen.add(key)
        row = int(data.frame["_row"].to_numpy()[idx])
        out.append(
            Draft(
                "HH008",
                data.file,
                data.sheet,
                "members",
                row,
                col,
                data.headers.get(col),
                data.cell(col, row),
                show(data.raw[col].iat[idx]),
                show(data.raw[col].iat[int(first_index.to_numpy()[idx])]),
                pii=PII.get(col),
                expected_is_pii=True,
                key=fingerprints.row_key("households", data.frame, data.raw, idx),
            )
        )
    return out


__all__ = ["Match", "TableData", "build", "show"]
