"""The columnar path (Parquet, long CSV) gives what the row-wise path gives for the same cells.

The row-wise path is the reference: a workbook's sheets still take it, and a ColumnGrid
walked as rows is exactly the grid the row-wise Parquet reader used to build.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import HEAD, OTHER_HEAD, SON, WIFE
from ledgercheck import packs, read, synth, values
from ledgercheck.findings import Draft
from ledgercheck.header import locate
from ledgercheck.normalize import TableData, build, parse_column, region_columns, show
from ledgercheck.pipeline import Options, verify
from ledgercheck.read import ColumnGrid, RawSheet, read_file
from ledgercheck.tables import TABLES, Column

Built = tuple[list[TableData], list[Draft]]


def build_both(path: Path) -> tuple[Built, Built]:
    """The file's sheet built from its columns, and from the same cells as rows."""
    (sheet,) = read_file(path)
    assert isinstance(sheet.grid, ColumnGrid)
    rows = RawSheet(sheet.name, list(sheet.grid))
    layout, row_layout = locate(sheet), locate(rows)
    assert layout is not None and layout == row_layout
    return build(path.name, sheet, layout), build(path.name, rows, row_layout)


def assert_same(columnar: Built, by_rows: Built) -> None:
    (tables, drafts), (row_tables, row_drafts) = columnar, by_rows
    assert drafts == row_drafts
    for got, want in zip(tables, row_tables, strict=True):
        assert (got.table, got.header_row, got.letters, got.headers, got.flat) == (
            want.table,
            want.header_row,
            want.letters,
            want.headers,
            want.flat,
        )
        pd.testing.assert_frame_equal(got.frame, want.frame)
        assert list(got.raw.columns) == list(want.raw.columns)
        for c in got.raw.columns:  # the raw cells read (show, blank) as the row-wise ones
            assert [show(v) for v in got.raw[c]] == [show(v) for v in want.raw[c]], c
            assert (
                got.raw[c].map(values.is_empty).tolist()
                == want.raw[c].map(values.is_empty).tolist()
            )


LOWER_X = HEAD[:-1] + "x"
TRUNCATED = HEAD[:15] + "000"


def members_table() -> pa.Table:
    """Members as a system exports them, typed, with every oddity clerks leave in."""
    text = {
        "户编号": ["1", "H001", " H001 ", "Ｈ００１", "H002", None, "户编号", "合计", "  ", None,
                   "H3"],
        "姓名": ["2", "王大", "陈\u3000小", "王子\n", "李花", None, "姓名", None, "  ", None, "x"],
        "证件号码": ["3", HEAD, LOWER_X, TRUNCATED, "4.60203E+17", None, "证件号码", None, None,
                     None, OTHER_HEAD],
        "性别": ["4", "男", "女", "1", "未知", None, "性别", None, None, None, "女"],
        "与户主关系": ["5", "户主", "妻子", "之子", "户主", None, "与户主关系", None, None, None,
                       "长子"],
    }  # fmt: skip
    typed = {
        "年龄": pa.array([6, 50, 48, 12, None, None, None, None, None, None, 3], pa.int64()),
        "个人缴费金额": pa.array(
            [7.0, 1.5, float("inf"), float("nan"), None, None, None, None, None, None, 1e16]
        ),
        "是否参加城乡居民基本医疗保险": pa.array(
            [True, True, False, None, True, None, None, None, None, None, False]
        ),
        "务工月数": pa.array([8.0, 6.0, 6.5, None, 1e300, None, None, None, None, None, 0.0]),
    }
    footer = {"户编号": "填表人：张三"}
    columns = {k: pa.array([*v, footer.get(k)]) for k, v in text.items()}
    columns |= {k: pa.concat_arrays([v, pa.nulls(1, v.type)]) for k, v in typed.items()}
    return pa.table(columns)


def households_table() -> pa.Table:
    return pa.table(
        {
            "户编号": ["H001", "H002", "H003"],
            "户类型": pa.array(["脱贫户", "边缘户", None]).dictionary_encode(),
            "家庭人口数": pa.array([3, None, 2], pa.uint8()),
            "是否危房户": [True, False, None],  # negated: housing_safe
            "饮水第一次核查日期": pa.array([dt.date(2020, 6, 30), None, dt.date(1999, 1, 1)]),
            "人均纯收入": pa.array([5200, None, -1], pa.int32()),
            "户主证件号码": pa.array([460203197001010011, None, 1], pa.int64()),
            "脱贫年度": pa.array([2019.0, float("nan"), 1850.0]),
        }
    )


@pytest.mark.parametrize("table", [members_table, households_table])
def test_parquet_columns_build_as_rows_do(tmp_path: Path, table: Any) -> None:
    path = tmp_path / "t.parquet"
    pq.write_table(table(), path)
    columnar, by_rows = build_both(path)
    assert_same(columnar, by_rows)
    codes = {d.code for d in columnar[1]}
    assert codes >= ({"F007"} if table is households_table else {"F006", "F007", "F008"})


def test_clean_columns_are_not_held_twice(tmp_path: Path) -> None:
    """Text that parses to itself, and Arrow numbers, booleans and dates: `raw` shares the
    typed column's memory instead of keeping the cells a second time."""
    path = tmp_path / "m.parquet"
    frame = pd.DataFrame(
        {"户编号": ["H1", "H2"], "姓名": ["王大", "李花"], "证件号码": [HEAD, WIFE],
         "性别": ["男", "女"], "年龄": [50, 48], "个人缴费金额": [1.5, None],
         "是否参加大病保险": [True, False]}
    )  # fmt: skip
    frame.to_parquet(path)
    (sheet,) = read_file(path)
    layout = locate(sheet)
    assert layout is not None
    (data,), _ = build(path.name, sheet, layout)
    for column in data.raw.columns:
        assert text_buffers(data.frame[column]) == text_buffers(data.raw[column]), column
        if data.frame[column].dtype != "str":
            typed, raw = data.frame[column].to_numpy(), data.raw[column].to_numpy()
            assert np.shares_memory(typed, raw), column


def text_buffers(series: pd.Series) -> list[int]:
    """Where an Arrow text column's characters are."""
    if series.dtype != "str":
        return []
    array = pa.array(series.array)
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    return [chunk.buffers()[2].address for chunk in chunks]


def test_flat_parquet_export_builds_as_rows_do(tmp_path: Path) -> None:
    header = ["户编号", "姓名", "证件号码", "与户主关系", "性别", "贫困户属性", "当前家庭人口数"]
    rows = [
        ["H001", "王大", HEAD, "户主", "男", "脱贫户", 3],
        ["H001", "陈小", WIFE, "配偶", "女", "边缘户", 3],  # a differing repeat: HH008
        ["H001", "王子", SON, "之子", "男", "脱贫户", 3],
        ["H002", "李花", OTHER_HEAD, "户主", "女", "脱贫户", None],
    ]
    path = tmp_path / "flat.parquet"
    pd.DataFrame(rows, columns=header).astype({"当前家庭人口数": "Int64"}).to_parquet(path)
    columnar, by_rows = build_both(path)
    assert_same(columnar, by_rows)
    assert [t.table.name for t in columnar[0]] == ["households", "members"]
    assert "HH008" in {d.code for d in columnar[1]}


def findings(path: Path) -> set[tuple[str, str | None, int | None, str | None]]:
    report = verify([(f, f.name) for f in sorted(path.iterdir())], Options(packs.load()))
    return {(f.code, f.sheet, f.row, f.column) for f in report.findings}


@pytest.mark.parametrize("layout", ["office", "flat"])
def test_long_csv_read_as_columns_finds_the_planted_truth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str
) -> None:
    ledger = synth.generate(60, seed=11, inject=synth.INJECTABLE_CODES)
    truth = synth.write_workbook(ledger, tmp_path / "csv", layout=layout, fmt="csv")
    expected = {(e["code"], e["sheet"], e["row"], e["column"]) for e in truth}
    monkeypatch.setattr(read, "CSV_BLOCK_ROWS", 7)  # every table several blocks long
    got = {f for f in findings(tmp_path / "csv") if not f[0].startswith("POP")}
    assert got == expected


@pytest.mark.parametrize("layout", ["office", "flat"])
def test_parquet_of_text_finds_the_planted_truth(tmp_path: Path, layout: str) -> None:
    """Each CSV table as a Parquet file of text, its header the column names: the same
    breaches, on rows moved up by the title rows the Parquet file no longer has."""
    ledger = synth.generate(60, seed=11, inject=synth.INJECTABLE_CODES)
    truth = synth.write_workbook(ledger, tmp_path / "csv", layout=layout, fmt="csv")
    shift = {}
    (tmp_path / "pq").mkdir()
    for path in sorted((tmp_path / "csv").iterdir()):
        shift[path.stem] = as_parquet(path, tmp_path / "pq" / f"{path.stem}.parquet")
    expected = {
        (e["code"], e["sheet"], e["row"] - shift[e["sheet"]] if e["row"] else None, e["column"])
        for e in truth
    }
    got = {f for f in findings(tmp_path / "pq") if not f[0].startswith("POP")}
    assert got == expected


def as_parquet(csv_path: Path, out: Path) -> int:
    """The CSV's table as Parquet text columns; the rows it moves up by."""
    (sheet,) = read_file(csv_path)
    layout = locate(sheet)
    assert layout is not None and layout.data_start == layout.header_row + 1
    header = [str(v) for v in sheet.grid[layout.header_row]]
    body = sheet.grid[layout.data_start :]
    columns = [
        pa.array([row[c] if c < len(row) else "" for row in body]) for c in range(len(header))
    ]
    pq.write_table(pa.Table.from_arrays(columns, names=header), out)
    return layout.header_row


# --- the vectorised parsers against the Python ones -------------------------------------

MEMBERS = TABLES["members"].by_name
HOUSEHOLDS = TABLES["households"].by_name
# Spaces of every kind, line breaks, invisible marks, full-width and compatibility forms.
CHARS = [*"aAxX09 -.\u3000\t\n\r\u00a0\u200b\ufeff\u2028\x1c\u0301王大Ｈ１,，、★", "ﬁ", "㈠"]
CELL_TEXT = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(CHARS), max_size=12),
    st.from_regex(r"[0-9]{17}[0-9Xx]", fullmatch=True),
    st.from_regex(r"[0-9]{15}000", fullmatch=True),
)


def python_cells(cells: list[Any]) -> pd.Series:
    array = np.empty(len(cells), dtype=object)
    array[:] = cells
    return pd.Series(array, dtype=object)


def arrow_cells(cells: list[Any], kind: pa.DataType) -> pd.Series:
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array([pa.array(cells, kind)])))


def assert_parsed_alike(column: Column, fast: pd.Series, slow: pd.Series, negated: bool) -> None:
    got = parse_column(column, fast, negated, {})
    want = parse_column(column, slow, negated, {})
    pd.testing.assert_series_equal(got.series, want.series, check_exact=True)
    assert got.errors == want.errors
    assert got.empty.tolist() == want.empty.tolist()


@settings(max_examples=150, deadline=None)
@given(st.lists(CELL_TEXT, max_size=10), st.sampled_from(["name", "household_id", "id_number"]))
def test_arrow_text_parses_as_python_text(cells: list[str | None], name: str) -> None:
    assert_parsed_alike(MEMBERS[name], pd.Series(cells, dtype="str"), python_cells(cells), False)


MONEY_TEXT = st.one_of(
    st.none(),
    st.from_regex(r"-?[0-9]{1,20}(\.[0-9]{0,20})?", fullmatch=True),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["", " 12 ", "1,234.50", "¥150", "1.2万", "１２", "1e5", "-0", "12元", "—"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(MONEY_TEXT, max_size=10))
def test_arrow_money_text_parses_as_python_text(cells: list[str | None]) -> None:
    """A CSV's money column, read as text: plain decimals are cast in C, the rest parsed."""
    fast = pd.Series(cells, dtype="str")
    assert_parsed_alike(MEMBERS["personal_premium"], fast, python_cells(cells), False)


NUMBER = st.one_of(st.none(), st.floats(), st.integers(-(2**53), 2**53).map(float))


@settings(max_examples=100, deadline=None)
@given(st.lists(NUMBER, max_size=10), st.sampled_from(["personal_premium", "months_worked"]))
def test_arrow_doubles_parse_as_python_floats(cells: list[float | None], name: str) -> None:
    fast = arrow_cells(cells, pa.float64())
    assert_parsed_alike(MEMBERS[name], fast, python_cells(cells), False)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), max_size=10))
def test_arrow_integers_parse_as_python_ints(cells: list[int | None]) -> None:
    for name in ("age", "personal_premium"):
        fast = arrow_cells(cells, pa.int64())
        assert_parsed_alike(MEMBERS[name], fast, python_cells(cells), False)


@given(st.lists(st.one_of(st.none(), st.booleans()), max_size=8), st.booleans())
def test_arrow_booleans_parse_as_python_bools(cells: list[bool | None], negated: bool) -> None:
    column = HOUSEHOLDS["housing_safe"]
    assert_parsed_alike(column, arrow_cells(cells, pa.bool_()), python_cells(cells), negated)


@given(st.lists(st.one_of(st.none(), st.dates()), max_size=8))
def test_arrow_dates_parse_as_python_dates(cells: list[dt.date | None]) -> None:
    column = HOUSEHOLDS["water_check_1"]
    assert_parsed_alike(column, arrow_cells(cells, pa.date32()), python_cells(cells), False)


WORKBOOK_CELL = st.one_of(
    st.none(),
    st.just(""),
    st.floats(),
    st.sampled_from(["是", " 否", "1", "12.5元", "合计", "★注", HEAD, "4.60203E+17"]),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(WORKBOOK_CELL, min_size=1, max_size=10),
    st.sampled_from(["name", "household_id", "id_number", "age", "personal_premium",
                     "basic_medical_insurance", "sex"]),
)  # fmt: skip
def test_workbook_columns_of_one_type_parse_as_python_cells(cells: list[Any], name: str) -> None:
    """A workbook column of only text (or only numbers and blanks) is read through Arrow;
    it must parse as the same cells left as Python objects."""
    (column,) = region_columns([[v] for v in cells], 0).arrays
    as_region = region_columns([[v] for v in cells], 0)[0]
    assert_parsed_alike(MEMBERS[name], as_region, python_cells(list(column)), False)


DATE_CELL = st.one_of(st.none(), st.just(""), st.dates(), st.datetimes())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(DATE_CELL, min_size=1, max_size=10),
    st.sampled_from([HOUSEHOLDS["water_check_1"], MEMBERS["name"], MEMBERS["age"]]),
)
def test_workbook_date_columns_parse_as_python_cells(cells: list[Any], column: Column) -> None:
    """A column of only dates (and blanks) is read as Arrow dates: it must parse, and show,
    as the Python cells would."""
    as_region = region_columns([[v] for v in cells], 0)[0]
    assert_parsed_alike(column, as_region, python_cells(cells), False)


def test_dates_become_arrow_dates_but_not_beside_datetimes() -> None:
    day, moment = dt.date(2020, 1, 5), dt.datetime(2020, 1, 5, 10, 30)
    dates = region_columns([[day], [""], [None], [day]], 0)[0]
    mixed = region_columns([[day], [moment]], 0)[0]
    assert dates.dtype == pd.ArrowDtype(pa.date32()) and dates.tolist()[0] == day
    assert mixed.dtype == object and mixed.tolist() == [day, moment]
