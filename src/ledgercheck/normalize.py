"""Raw sheet + layout → typed frames (one per table) and the findings for unreadable cells.

Each record keeps `_row`, the row number a person sees in Excel, so every later finding
can point at a cell without looking back at the grid.

The data region is read column by column, as pandas Series: Arrow columns (from Parquet,
a long CSV, or a workbook column of only text or only numbers) are tested and typed in C,
and where parsing leaves their values as they were, `raw` and the typed frame share one
copy. Other cells are parsed once per distinct value, and typed by indexing a typed table
of the outcomes with each cell's code.
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
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import infer_dtype

from ledgercheck import fingerprints, values
from ledgercheck.columns import Match, norm_label
from ledgercheck.findings import Draft
from ledgercheck.header import Layout, _keyed, _map, fallback_columns
from ledgercheck.read import (
    BIG_SHEET_ROWS,
    ColumnGrid,
    RawSheet,
    Rows,
    column_letter,
    release_memory,
)
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
    if isinstance(value, np.generic) and not isinstance(value, np.datetime64 | np.timedelta64):
        # A numpy scalar (from a numpy column) reads as its Python value: np.True_ as TRUE.
        value = value.item()
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


def data_rows(sheet: RawSheet, layout: Layout, region: Region | None = None) -> np.ndarray:
    """The rows that hold records: not blank, not 合计/小计, not a footer or a repeated header.

    Most rows are plain records; column-wise tests pick the few that need a closer look.
    Blank rows are told column-wise too, so a sheet of a million empty lines builds no row.
    """
    start = layout.data_start
    if start >= len(sheet.grid):
        return np.empty(0, dtype=np.int64)
    if region is None:
        region = region_columns(sheet.grid, start)
    suspects = np.flatnonzero(_suspect_rows(sheet, layout, region))
    mapped = list(layout.columns) + [c for cs in layout.fallbacks.values() for c in cs]
    header_texts = {c: norm_label(v) for c, v in layout.labels.items()}
    blank = _all_empty(region, mapped, suspects)
    keep = np.ones(len(sheet.grid) - start, dtype=bool)
    for i, empty in zip(suspects.tolist(), blank.tolist(), strict=True):
        keep[i] = not empty and _is_record(sheet, layout, start + i, mapped, header_texts)
    return start + np.flatnonzero(keep)


class Region:
    """The data region's columns, from the first data row down, as pandas Series.

    A columnar sheet's columns are wrapped as they are (Arrow strings stay Arrow strings);
    a row-wise sheet is transposed once, in C. A Series is made on first use: a wide sheet
    has many columns no table maps.
    """

    def __init__(self, arrays: Sequence[np.ndarray | pa.ChunkedArray]) -> None:
        self.arrays = arrays
        self._series: dict[int, pd.Series] = {}

    def __len__(self) -> int:
        return len(self.arrays)

    def __getitem__(self, c: int) -> pd.Series:
        if c not in self._series:
            self._series[c] = _series(self.arrays[c])
        return self._series[c]

    def blank(self, c: int) -> np.ndarray:
        """`_blank` of column `c`. A row-wise sheet's cells are tested as they are, in
        numpy: pandas' per-operation overhead outweighed the work on a village's 300 rows."""
        cells = self.arrays[c]
        if isinstance(cells, np.ndarray):
            return np.asarray(pd.isna(cells) | (cells == ""), dtype=bool)
        return _blank(self[c])

    def cells(self, c: int, rows: np.ndarray) -> list[Any]:
        """Column `c`'s cells at `rows`, as Python values (a missing one as None or '')."""
        cells = self.arrays[c]
        if isinstance(cells, np.ndarray):
            return list(cells[rows])
        return cells.take(pa.array(rows)).to_pylist()


def region_columns(grid: Rows, start: int) -> Region:
    """The data region as columns: every later test and parse reads columns."""
    if isinstance(grid, ColumnGrid):
        return Region(grid.region(start))
    rows = grid[start:]
    width = max((len(r) for r in rows), default=0)
    if any(len(r) != width for r in rows):
        rows = [list(r) + [""] * (width - len(r)) for r in rows]
    # Transposed once, in C: the rows go into one 2-D array whose columns are views.
    table = np.empty((len(rows), width), dtype=object)
    table[:] = rows
    return Region([table[:, c] for c in range(width)])


_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default `str`


def _series(array: np.ndarray | pa.ChunkedArray) -> pd.Series:
    """A column as a Series without copying its cells: object for a row-wise sheet's cells,
    `str` for Arrow text, an Arrow dtype for Arrow numbers, booleans and dates (whose
    values read back as the Python values a row-wise reader gives)."""
    if isinstance(array, np.ndarray):
        arrow = _as_arrow(array)
        if arrow is None:
            return pd.Series(array, dtype=object, copy=False)
        array = arrow
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return array.to_pandas(types_mapper=lambda _: _STR)
    if _plain_arrow(kind):
        return pd.Series(pd.arrays.ArrowExtensionArray(array), copy=False)
    # Lists, structs and the like: Python values, as the row-wise reader had them.
    cells = np.empty(len(array), dtype=object)
    cells[:] = array.to_pylist()
    return pd.Series(cells, dtype=object, copy=False)


def _as_arrow(cells: np.ndarray) -> pa.ChunkedArray | None:
    """A workbook column of only text, only numbers or only dates as Arrow: it then takes
    the same paths in C as a Parquet column (and is sent between processes as buffers, not
    pickled cell by cell). None for mixed cells, which stay Python objects."""
    kind = infer_dtype(cells, skipna=True)
    if kind == "mixed":  # numbers or dates with empty cells, which calamine reads as ''
        empty = np.asarray(cells == "", dtype=bool)
        rest = infer_dtype(cells[~empty], skipna=True) if empty.any() else kind
        if rest in ("floating", "date"):
            cells, kind = cells.copy(), rest
            cells[empty] = None
    if kind not in _ARROW_TYPES or (kind == "date" and not _only_dates(cells)):
        return None
    return pa.chunked_array([pa.array(cells, type=_ARROW_TYPES[kind], from_pandas=True)])


# Only exact types: Python ints may be too big for a float.
_ARROW_TYPES = {"string": pa.large_string(), "floating": pa.float64(), "date": pa.date32()}


def _only_dates(cells: np.ndarray) -> bool:
    """No datetime among the dates: pandas counts one as a date, and its time must show."""
    return all(type(v) is dt.date for v in cells if v is not None)


def _plain_arrow(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_boolean(kind)
        or pa.types.is_integer(kind)
        or (pa.types.is_floating(kind) and not pa.types.is_float16(kind))
        or pa.types.is_date(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_decimal(kind)
    )


def _textual(col: pd.Series) -> bool:
    """Cells that may hold text: a row-wise sheet's, or an Arrow text column."""
    return col.dtype == object or isinstance(col.dtype, pd.StringDtype)


def _blank(col: pd.Series) -> np.ndarray:
    """Empty as written: '' or missing. (Whitespace-only cells are caught by the full test.)"""
    if _textual(col):
        return np.asarray((col == "") | col.isna(), dtype=bool)
    return _missing(col)


def _missing(col: pd.Series) -> np.ndarray:
    """Missing cells of a column of numbers, dates or booleans."""
    missing = col.isna().to_numpy(dtype=bool)
    if isinstance(col.dtype, pd.ArrowDtype) and pa.types.is_floating(col.dtype.pyarrow_dtype):
        # Arrow tells NaN from null; a clerk sees both as an empty cell.
        missing = missing | np.isnan(col.to_numpy(dtype=np.float64, na_value=np.nan))
    return missing


def empty_cells(col: pd.Series) -> np.ndarray:
    """`values.is_empty` of each cell: text tested once per distinct value (whitespace-only
    counts as empty); numbers, dates and booleans empty only where missing."""
    return _per_distinct(col, values.is_empty) if _textual(col) else _missing(col)


def _equals(col: pd.Series, text: str) -> np.ndarray:
    """Cells that are `text` exactly (a number or date column holds none)."""
    if not _textual(col):
        return np.zeros(len(col), dtype=bool)
    return (col == text).to_numpy(dtype=bool, na_value=False)


def _per_distinct(col: pd.Series, test: Callable[[Any], bool]) -> np.ndarray:
    """`test` of each cell, called once per distinct value (and once for the missing)."""
    codes, distinct = _factorize(col)
    outcome = np.array([*(test(v) for v in distinct), test(None)], dtype=bool)
    return outcome[codes]  # code -1, the missing, takes the last slot


def _all_empty(region: Region, mapped: list[int], rows: np.ndarray) -> np.ndarray:
    """Per row of `rows`: every mapped cell empty, whitespace-only included. A few rows
    (the usual: row 0 and a total) are tested cell by cell, many once per distinct value."""
    mapped = [c for c in mapped if c < len(region)]
    if not mapped or not len(rows):
        return np.ones(len(rows), dtype=bool)
    if len(rows) <= FEW_ROWS:
        rows_cells = zip(*(region.cells(c, rows) for c in mapped), strict=True)
        return np.array([all(map(values.is_empty, cells)) for cells in rows_cells], dtype=bool)
    out = np.ones(len(rows), dtype=bool)
    for c in mapped:
        out &= _per_distinct(region[c].iloc[rows], values.is_empty)
    return out


def _suspect_rows(sheet: RawSheet, layout: Layout, region: Region) -> np.ndarray:
    """Rows that might be blank, a total, a footer, a 栏次 row or a repeated header."""
    n = len(sheet.grid) - layout.data_start
    filled = np.zeros(n, dtype=np.int64)
    for c in layout.columns:
        if c < len(region):
            filled += ~region.blank(c)
    # Blank, or all but one cell blank (a total or a footer line): a closer look.
    suspects = filled <= 1
    for c in range(min(NOTE_COLUMNS, len(region))):
        suspects |= _note_starts(region[c])
    first = next(iter(layout.columns))
    if first < len(region):
        suspects |= _equals(region[first], layout.labels[first])
    suspects[0] = True  # where a 栏次 row (1 2 3 …) would be
    return suspects


def _note_starts(col: pd.Series) -> np.ndarray:
    """`_note_start` of each cell. Of Arrow text only the first character after the
    leading spaces decides, found in C; numbers, dates and booleans never begin a note."""
    if isinstance(col.dtype, pd.StringDtype):
        return _per_distinct(col.str.lstrip(_NOTE_SPACE).str.slice(0, 1), _note_start)
    if col.dtype == object:
        return _per_distinct(col, _note_start)
    return np.zeros(len(col), dtype=bool)


FEW_ROWS = 64  # suspect rows tested cell by cell rather than column-wise

NOTE_COLUMNS = 4  # 合计 and 填表人 are written in the first cells of a row


_NOTE_SPACE = " \u3000\t\r\n"


def _note_start(v: object) -> bool:
    """Text that begins as 合计/填表人 do, or with a full-width mark (★, ※)."""
    if not isinstance(v, str):
        return False
    text = v.lstrip(_NOTE_SPACE)
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
    array = np.empty(len(parsed), dtype=object)
    array[:] = parsed
    return pd.Series(array)  # text as `str` (Arrow), as a DataFrame column infers it


@dataclass
class ColumnResult:
    series: pd.Series
    errors: list[tuple[int, str, str]]  # (position, code, reason)
    empty: np.ndarray  # True where the cell is empty as written
    # The typed column, where it reads as the cells did (every Arrow number, date or
    # boolean kept as it was): `raw` then shares it instead of holding a second copy.
    as_read: pd.Series | None = None


def parse_column(
    column: Column, cells: pd.Series, negated: bool, vocab_extra: dict[str, str]
) -> ColumnResult:
    """Parse a column: in C where an Arrow column already holds what the kind wants (plain
    text, numbers, booleans, dates), and each distinct value once in Python for the rest."""
    quick = _vectorised(column.kind, cells, negated)
    if quick is None:
        return _parse_distinct(column, cells, negated, vocab_extra)
    rest = np.flatnonzero(~quick.done)
    if not len(rest):
        as_read = quick.series if quick.reads_as_cells else None
        return ColumnResult(quick.series, [], quick.empty, as_read)
    slow = _parse_distinct(column, cells.iloc[rest].reset_index(drop=True), negated, vocab_extra)
    empty = quick.empty.copy()
    empty[rest] = slow.empty
    errors = [(int(rest[pos]), code, reason) for pos, code, reason in slow.errors]
    return ColumnResult(_overwrite(quick.series, rest, slow.series), errors, empty)


def _overwrite(series: pd.Series, rest: np.ndarray, parsed: pd.Series) -> pd.Series:
    """`series` with `parsed` at positions `rest`; the same Series where that changes
    nothing (an ID ending in 000 that is no truncation), so text stays shared with `raw`."""
    parsed = parsed.astype(series.dtype)
    now = series.iloc[rest].reset_index(drop=True)
    same = (now == parsed).fillna(False).to_numpy(dtype=bool) | (now.isna() & parsed.isna())
    change = ~np.asarray(same, dtype=bool)
    if not change.any():
        return series
    out = series.copy()
    out.iloc[rest[change]] = parsed[change].array
    return out


def _parse_distinct(
    column: Column, cells: pd.Series, negated: bool, vocab_extra: dict[str, str]
) -> ColumnResult:
    """Parse each distinct value once: a column of 100k cells holds few distinct 是/否/区.

    The typed column indexes a typed table of the distinct outcomes with the cells' codes,
    so no Python object is made per cell; text that parses to itself is the column itself.
    """
    parse = parser_for(column, vocab_extra)
    codes, uniques = _factorize(cells)
    # One slot per distinct value, and a last one for the missing (code -1).
    distinct = [*uniques, None]
    codes = np.where(codes < 0, len(distinct) - 1, codes)
    fast = FAST_PATHS.get(column.kind, _no_shortcut)
    outcomes = [out if (out := fast(v)) is not _MISS else _attempt(parse, v) for v in distinct]
    bad = np.array([isinstance(out, values.Unreadable) for out in outcomes], dtype=bool)
    settled = [_settle(out, negated) for out in outcomes]
    blank = np.array([v == "" or v is None or values.is_empty(v) for v in distinct], dtype=bool)
    failed = bad[codes]
    errors = [
        (pos, _error_code(outcomes[code]), str(outcomes[code]))
        for pos, code in zip(np.flatnonzero(failed).tolist(), codes[failed].tolist(), strict=True)
    ]
    if _unchanged(cells, distinct, settled, codes):
        return ColumnResult(cells, errors, blank[codes])
    table = _typed(column.kind, settled)
    return ColumnResult(table.take(codes).reset_index(drop=True), errors, blank[codes])


def _unchanged(
    cells: pd.Series, distinct: list[Any], settled: list[Any], codes: np.ndarray
) -> bool:
    """Arrow text that every value parses to itself: the typed column can share it."""
    if not isinstance(cells.dtype, pd.StringDtype) or not any(isinstance(v, str) for v in settled):
        return False
    missing_kept = settled[-1] is None or not (codes == len(distinct) - 1).any()
    return missing_kept and all(
        out is None if v is None else out == v
        for v, out in zip(distinct[:-1], settled[:-1], strict=True)
    )


@dataclass
class _Quick:
    series: pd.Series  # typed, in the column's final dtype: right where `done`
    done: np.ndarray  # cells whose typed value is settled
    empty: np.ndarray  # of those, the empty ones
    # The typed values read (shown, blank, keyed) as the cells do: a number as its float,
    # a date as its timestamp. Not so for text changed in case or a negated yes/no.
    reads_as_cells: bool = False


def _vectorised(kind: Kind, cells: pd.Series, negated: bool) -> _Quick | None:
    """The cells an Arrow column holds in the form the kind wants, typed in C.

    None where no shortcut applies (Python cells from a workbook, or a kind whose parser
    changes such values): every cell then goes through the parser.
    """
    if isinstance(cells.dtype, pd.StringDtype) and kind in _PLAIN_PATTERNS:
        return _quick_text(kind, cells)
    if isinstance(cells.dtype, pd.StringDtype) and kind is Kind.MONEY:
        return _quick_decimal(cells)
    if not isinstance(cells.dtype, pd.ArrowDtype) or (negated and kind is not Kind.BOOL):
        return None
    arrow = cells.dtype.pyarrow_dtype
    if kind is Kind.MONEY and (pa.types.is_floating(arrow) or pa.types.is_integer(arrow)):
        return _quick_money(cells)
    if kind is Kind.INT and (pa.types.is_signed_integer(arrow) or arrow in _SMALL_UNSIGNED):
        # Straight to Int64: pandas' astype goes through float64 where there are nulls.
        whole = pc.cast(pa.array(cells.array), pa.int64())
        return _quick(whole.to_pandas(types_mapper=lambda _: pd.Int64Dtype()), cells)
    if kind is Kind.BOOL and pa.types.is_boolean(arrow):
        typed = cells.astype("boolean")
        return _quick(~typed, cells, reads_as_cells=False) if negated else _quick(typed, cells)
    if kind is Kind.DATE and pa.types.is_date(arrow):
        return _quick(pc.cast(pa.array(cells.array), pa.timestamp("s")).to_pandas(), cells)
    return None


_SMALL_UNSIGNED = (pa.uint8(), pa.uint16(), pa.uint32())  # fit an Int64

# Text that the kind's parser returns unchanged. Every character Python strips, splits
# lines at or counts as whitespace is in Unicode's C or Z categories, so text without
# them (but single inner spaces) is already clean. For a key, which NFKC normalises, only
# ASCII and the CJK Unified Ideographs (which NFKC leaves alone) qualify.
_PLAIN_PATTERNS: dict[Kind, str] = {
    Kind.TEXT: r"^[^\p{C}\p{Z}]+(?: [^\p{C}\p{Z}]+)*$",
    Kind.KEY: r"^[!-~\x{4e00}-\x{9fff}]+(?: [!-~\x{4e00}-\x{9fff}]+)*$",
    # An ID as _fast_id takes it; one ending in 000 may be Excel's truncation (F008).
    Kind.ID: r"^[0-9]{17}[0-9Xx]$",
}


def _quick_text(kind: Kind, cells: pd.Series) -> _Quick | None:
    arrow = pa.array(cells.array)
    plain = _flags(pc.match_substring_regex(arrow, _PLAIN_PATTERNS[kind]))
    if kind is Kind.ID:
        plain &= ~_flags(pc.ends_with(arrow, "000"))
    if not plain.any():
        return None  # nothing to share: the parser alone decides the column's dtype
    missing = cells.isna().to_numpy(dtype=bool)
    series = cells
    if kind is Kind.ID and _flags(pc.ends_with(arrow, "x")).any():
        series = _series(pc.utf8_upper(arrow))
    return _Quick(series, plain | missing, missing)


# Money as a CSV export writes it: what parse_number reads as the decimal itself. Arrow's
# cast rounds it to the nearest float, as float(Decimal(text)) does; the rest (1,234.50,
# ¥150, 1.2万, full-width digits) takes the parser.
_PLAIN_DECIMAL = r"^-?[0-9]{1,15}(?:\.[0-9]{1,15})?$"


def _quick_decimal(cells: pd.Series) -> _Quick | None:
    arrow = pa.array(cells.array)
    plain = _flags(pc.match_substring_regex(arrow, _PLAIN_DECIMAL))
    if not plain.any():
        return None
    numbers = pc.cast(pc.if_else(plain, arrow, pa.scalar(None, arrow.type)), pa.float64())
    missing = cells.isna().to_numpy(dtype=bool)
    typed = pd.Series(numbers.to_numpy(zero_copy_only=False), dtype="float64")
    return _Quick(typed, plain | missing, missing)


def _quick_money(cells: pd.Series) -> _Quick:
    """A number is itself, NaN and the missing are empty; ±inf is left to the parser (F007)."""
    numbers = cells.to_numpy(dtype=np.float64, na_value=np.nan)
    empty = np.isnan(numbers)
    return _Quick(pd.Series(numbers), np.isfinite(numbers) | empty, empty, reads_as_cells=True)


def _quick(typed: pd.Series, cells: pd.Series, reads_as_cells: bool = True) -> _Quick:
    """Every cell settled: the missing are the empty ones."""
    missing = cells.isna().to_numpy(dtype=bool)
    done = np.ones(len(cells), dtype=bool)
    return _Quick(typed.reset_index(drop=True), done, missing, reads_as_cells)


def _flags(result: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A boolean Arrow result as numpy, null as False."""
    return np.asarray(pc.fill_null(result, False).to_numpy(zero_copy_only=False), dtype=bool)


def _factorize(cells: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Codes into the distinct values; -1 for None/NaN. True, 1 and 1.0 are one value here,
    which is harmless: no column reads them differently. The distinct values come back as
    the Python values a row-wise reader gives (an Arrow column's through pyarrow)."""
    try:
        codes, uniques = pd.factorize(cells, use_na_sentinel=True)
    except TypeError:  # an unhashable cell: one slot per cell
        return np.arange(len(cells)), list(cells)
    if isinstance(uniques.dtype, (pd.ArrowDtype, pd.StringDtype)):
        return np.asarray(codes), pa.array(uniques.array).to_pylist()
    return np.asarray(codes), list(uniques)


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
    built = _build(file, sheet, layout, vocab_extra or {})
    if len(sheet.grid) >= BIG_SHEET_ROWS:
        release_memory()  # a big sheet's temporaries, freed but still resident
    return built


def _build(
    file: str, sheet: RawSheet, layout: Layout, vocab_extra: dict[str, str]
) -> tuple[list[TableData], list[Draft]]:
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
        hh_map, _ = _map(HOUSEHOLDS, _keyed(layout.labels))
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
    rows: np.ndarray,
    vocab_extra: dict[str, str],
    region: Region,
    skip_keys: bool = False,
) -> tuple[TableData, list[Draft]]:
    table = layout.table
    excel_rows = np.asarray(rows, dtype=np.int64) + 1
    kept = excel_rows - 1 - layout.data_start
    typed: dict[str, Any] = {"_row": excel_rows}
    as_read: dict[str, Any] = {}
    place = _Place(file, sheet.name, table.name, {}, {})
    drafts: list[Draft] = []
    for c, match in layout.columns.items():
        column = table.by_name[match.column]
        cells = _cells(region, kept, c, layout.fallbacks.get(match.column, []))
        place.letters[column.name] = column_letter(c)
        place.headers[column.name] = layout.labels[c].replace("\n", "")
        result = parse_column(column, cells, match.negated, vocab_extra)
        typed[column.name] = result.series.array
        as_read[column.name] = _as_read(cells if result.as_read is None else result.as_read)
        if not (skip_keys and column.name == "household_id"):
            drafts.extend(_column_drafts(place, column, cells, result, excel_rows))
    frame = pd.DataFrame(typed, copy=False)
    raw = pd.DataFrame(as_read, index=frame.index, copy=False)
    drafts.extend(_formula_drafts(place, sheet, table, rows, layout))
    drafts = _with_keys(drafts, table.name, frame, raw)
    data = TableData(
        table,
        file,
        sheet.name,
        layout.header_row + 1,
        frame,
        raw,
        place.letters,
        place.headers,
        layout.flat,
    )
    return data, drafts


@dataclass
class _Place:
    """Where a table's cells are: what a cell draft names besides the cell itself."""

    file: str
    sheet: str
    table: str
    letters: dict[str, str]
    headers: dict[str, str]


def _column_drafts(
    place: _Place, column: Column, cells: pd.Series, result: ColumnResult, excel_rows: np.ndarray
) -> list[Draft]:
    """Unreadable cells (F007, F008) and, in a required column, empty ones (F006)."""
    drafts = [
        _cell_draft(
            code, place, int(excel_rows[pos]), column, cells.iat[pos], expected_form(column, code)
        )
        for pos, code, _reason in result.errors
    ]
    if column.required:
        drafts.extend(
            _cell_draft("F006", place, int(excel_rows[pos]), column, None, "非空")
            for pos in _empty_positions(cells, result)
        )
    return drafts


def _as_read(cells: pd.Series) -> Any:
    """The cells for `raw`: an Arrow column shared as it is; Python cells as the array a
    DataFrame column infers from them (`str` when all are text)."""
    if cells.dtype == object:
        return pd.Series(cells.to_numpy(dtype=object)).array
    return cells.array


def _with_keys(
    drafts: list[Draft], table: str, frame: pd.DataFrame, raw: pd.DataFrame
) -> list[Draft]:
    """Give each cell draft the subject key of its row, for its fingerprint."""
    if not drafts:
        return drafts
    rows = frame["_row"].to_numpy()  # ascending: data rows are kept in sheet order
    out = []
    for d in drafts:
        pos = int(np.searchsorted(rows, d.row)) if d.row is not None else len(rows)
        if pos < len(rows) and rows[pos] == d.row:
            d = replace(d, key=fingerprints.row_key(table, frame, raw, pos))
        out.append(d)
    return out


def _cells(region: Region, kept: np.ndarray, c: int, fallbacks: list[int]) -> pd.Series:
    """Column `c` at the kept rows; where it is empty, the first fallback column that is not."""
    if c >= len(region):
        return pd.Series([""] * len(kept), dtype=object)
    out = _at(region[c], kept)
    for alt in fallbacks:
        if alt >= len(region):
            continue
        other = _at(region[alt], kept)
        if out.dtype != other.dtype:
            out, other = out.astype(object), other.astype(object)
        out = out.where(~_per_distinct(out, values.is_empty), other)
    return out


def _at(col: pd.Series, kept: np.ndarray) -> pd.Series:
    """The column at the kept rows, shared rather than copied where they run unbroken."""
    if len(kept) and kept[-1] - kept[0] + 1 == len(kept):
        return col.iloc[int(kept[0]) : int(kept[-1]) + 1].reset_index(drop=True)
    return col.take(kept).reset_index(drop=True)


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


def _empty_positions(cells: pd.Series, result: ColumnResult) -> list[int]:
    failed = {pos for pos, _, _ in result.errors}
    return [int(pos) for pos in np.flatnonzero(result.empty) if pos not in failed]


def _cell_draft(
    code: str,
    place: _Place,
    row: int,
    column: Column,
    value: object,
    expected: str,
) -> Draft:
    shown = show(value)
    if code == "F008" and isinstance(value, float):
        shown = f"{value:.5E}".replace("E+", "E+")
    return Draft(
        code,
        place.file,
        place.sheet,
        place.table,
        row,
        column.name,
        place.headers.get(column.name),
        f"{place.letters[column.name]}{row}",
        shown,
        expected,
        pii=PII.get(column.name),
    )


def _formula_drafts(
    place: _Place, sheet: RawSheet, table: Table, rows: np.ndarray, layout: Layout
) -> list[Draft]:
    if not sheet.uncached_formulas:
        return []
    wanted = set(rows.tolist())
    out = []
    for r, c in sorted(sheet.uncached_formulas):
        match = layout.columns.get(c)
        if r in wanted and match is not None:
            column = table.by_name[match.column]
            out.append(_cell_draft("F009", place, r + 1, column, None, "保存计算结果"))
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
