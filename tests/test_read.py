"""Columnar reading: a Parquet file or a long CSV kept as Arrow columns, rows built on demand."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgercheck import read
from ledgercheck.read import ColumnGrid, InputError, Limits, read_file


def grid_of(top: list[list[object]], *columns: list[object], fill: object = None) -> ColumnGrid:
    return ColumnGrid(top, [pa.chunked_array([pa.array(c)]) for c in columns], fill)


def test_column_grid_reads_like_a_list_of_rows() -> None:
    grid = grid_of([["户编号", "年龄"]], ["H1", None, "H3"], [50, 48, None])
    rows = [["户编号", "年龄"], ["H1", 50], [None, 48], ["H3", None]]
    assert len(grid) == 4
    assert list(grid) == rows
    assert [grid[i] for i in range(-4, 4)] == rows + rows
    assert grid[1:3] == rows[1:3] and grid[::-1] == rows[::-1]
    with pytest.raises(IndexError):
        grid[4]


def test_column_grid_fills_nulls_and_walks_in_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ColumnGrid, "BLOCK", 2)
    grid = grid_of([], ["a", "b", None, "d", "e"], [None, "x", "y", "z", None], fill="")
    assert list(grid) == [["a", ""], ["b", "x"], ["", "y"], ["d", "z"], ["e", ""]]


def test_region_starts_below_the_top_rows() -> None:
    grid = grid_of([["h"]], [1, 2, 3])
    assert [c.to_pylist() for c in grid.region(2)] == [[2, 3]]
    with pytest.raises(ValueError, match="above"):
        grid.region(0)


def nan_as_text(row: list[object]) -> list[object]:
    return ["NaN" if isinstance(v, float) and v != v else v for v in row]


def test_parquet_cells_are_the_python_values_pyarrow_gives(tmp_path: Path) -> None:
    """The rows built from the columns are those the row-wise reader made with to_pylist."""
    table = pa.table(
        {
            "户编号": pa.array(["H1", None, "  "]),
            "年龄": pa.array([50, None, 7], pa.int64()),
            "收入": pa.array([1.5, float("nan"), None]),
            "是否参保": pa.array([True, None, False]),
            "日期": pa.array([dt.date(2020, 6, 30), None, dt.date(1999, 1, 1)]),
            "户类型": pa.array(["脱贫户", "脱贫户", None]).dictionary_encode(),
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path)
    (sheet,) = read_file(path)
    assert isinstance(sheet.grid, ColumnGrid)
    expected = [table.column_names, *map(list, zip(*table.to_pydict().values(), strict=True))]
    assert list(map(nan_as_text, sheet.grid)) == list(map(nan_as_text, expected))
    assert pa.types.is_large_string(sheet.grid.columns[5].type)  # decoded, as pandas holds text


def test_an_empty_parquet_table_is_its_header(tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    pq.write_table(pa.table({"户编号": pa.array([], pa.string())}), path)
    (sheet,) = read_file(path)
    assert list(sheet.grid) == [["户编号"]]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_a_short_csv_stays_a_list_of_rows(tmp_path: Path) -> None:
    rows = [["户编号", "姓名"], ["H1", "王大"]]
    (sheet,) = read_file(write_csv(tmp_path / "s.csv", rows))
    assert sheet.grid == rows


def test_a_long_csv_becomes_columns_short_rows_padded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read, "CSV_BLOCK_ROWS", 3)
    # A title row, a header, ragged rows, and a row wider than all before it in a later block.
    rows = [["台账"], [], ["户编号", "姓名"], ["H1", "王大"], ["H2"], ["H3", "李", "多", "更多"]]
    (sheet,) = read_file(write_csv(tmp_path / "l.csv", rows))
    assert isinstance(sheet.grid, ColumnGrid)
    width = max(map(len, rows))
    assert list(sheet.grid) == [r + [""] * (width - len(r)) for r in rows]


def test_a_long_csv_is_still_held_to_the_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read, "CSV_BLOCK_ROWS", 2)
    path = write_csv(tmp_path / "l.csv", [["a", "b"]] * 7)
    with pytest.raises(InputError, match="rows"):
        read_file(path, limits=Limits(max_rows=6))
    with pytest.raises(InputError, match="cells"):
        read_file(path, limits=Limits(max_cells=13))
    assert len(read_file(path, limits=Limits(max_rows=7, max_cells=14))[0].grid) == 7


@given(st.text(alphabet='ab,"\r\n', max_size=60), st.integers(1, 8))
def test_csv_lines_cut_in_slices_read_as_the_whole(text: str, size: int) -> None:
    """Slices cut after a newline give csv.reader the lines of one StringIO, \\r\\n and all."""
    whole = list(csv.reader(io.StringIO(text, newline="")))
    assert list(csv.reader(read._lines(text, size))) == whole


CSV_TEXT = st.lists(
    st.sampled_from(['a', '户', ' ', ',', '"', '""', '\n', '\r\n', '\r', '\t', ';', 'x"y', '","']),
    max_size=40,
).map("".join)


def python_rows(text: str, delimiter: str) -> list[list[str]]:
    return list(read._csv_grid(csv.reader(read._lines(text), delimiter=delimiter), Limits()))


@settings(max_examples=400, deadline=None)
@given(CSV_TEXT, st.integers(3, 8), st.sampled_from([",", "\t", ";"]))
def test_arrow_csv_reads_what_the_csv_module_reads(body: str, copies: int, delimiter: str) -> None:
    """Where Arrow's reader takes a CSV at all, its cells are the csv module's."""
    text = "\n".join([body] * copies)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(read, "CSV_BLOCK_ROWS", 2)
        fast = read._arrow_csv(text, delimiter, Limits())
        if fast is not None:
            assert list(fast) == python_rows(text, delimiter)


def test_a_long_rectangular_csv_is_read_by_arrow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read, "CSV_BLOCK_ROWS", 3)
    rows = [["台账", "", ""], ["户编号", "姓名", "备注"], *[["H1", '王"大', "a,\nb"]] * 5]
    path = write_csv(tmp_path / "r.csv", rows)
    assert read._arrow_csv(path.read_text(encoding="utf-8"), ",", Limits()) is not None
    (sheet,) = read_file(path)
    assert isinstance(sheet.grid, ColumnGrid) and list(sheet.grid) == rows


def test_a_ragged_csv_is_left_to_the_csv_module(tmp_path: Path) -> None:
    text = "a,b\n" + "c\n" * 10
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(read, "CSV_BLOCK_ROWS", 3)
        assert read._arrow_csv(text, ",", Limits()) is None


def counted_utf8(lines: list[bytes]) -> bool:
    """_mostly_utf8 as it was: every line counted."""
    readings = [read._utf8_reading(line) for line in lines if not line.isascii()]
    return sum(r is not None for r in readings) > sum(r is None for r in readings)


LINE = st.sampled_from(["a,b", "王大,户主", "元", "", "中文,备注,合计"]).flatmap(
    lambda text: st.sampled_from([text.encode("utf-8"), text.encode("gbk")])
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE, max_size=30))
def test_stopping_early_gives_the_count_of_every_line(lines: list[bytes]) -> None:
    assert read._mostly_utf8(lines) == counted_utf8(lines)


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods", ".et", ".xlsb", ".parquet"])
def test_a_workbook_name_on_text_is_a_broken_file_not_a_csv(suffix: str) -> None:
    assert read.detect_format(b"garbage text\nmore", suffix) == "bad"
    assert read.detect_format(b"garbage text\nmore", ".csv") == "csv"


# --- text a web system names .xls ---------------------------------------------------------


def _delimited(path: Path, delimiter: str, encoding: str) -> Path:
    rows = [["户编号", "户主姓名", "家庭人口数"], ["H001", "王大", "3"], ["H002", "李花", "1"]]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize(
    ("delimiter", "encoding"), [("\t", "gbk"), (",", "utf-8-sig"), ("\t", "utf-16")]
)
def test_text_named_xls_is_read_as_excel_opens_it(
    tmp_path: Path, delimiter: str, encoding: str
) -> None:
    exported = _delimited(tmp_path / "户信息.xls", delimiter, encoding)
    plain = _delimited(tmp_path / "户信息.csv", ",", "utf-8")
    (sheet,) = read_file(exported)
    assert list(sheet.grid) == list(read_file(plain)[0].grid)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("台账.xlsx", "户编号,户主姓名\nH001,王大\n".encode()),  # Excel refuses text as .xlsx
        ("台账.xls", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n\x00\x01"),
        ("台账.xls", "一段说明文字，没有分隔的列".encode("gbk")),
    ],
)
def test_what_excel_would_not_open_is_still_refused(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=r"not a valid \.xlsx? file"):
        read_file(path)
