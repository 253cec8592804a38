"""File → raw sheet grids: rows of cells, or for a Parquet file or a long CSV, columns.

Calamine reads .xlsx/.xlsm/.xls/.ods (fast, values only, no formula evaluation, no XML
entities); CSV is decoded here because Chinese exports are often GBK, then parsed by
Arrow's CSV reader when long and rectangular, else by the csv module; Parquet through
pyarrow. The format is decided by the file's bytes, not its name, because clerks rename
files by hand. Before calamine sees a workbook, `guard` checks its container against
`Limits`: calamine trusts declared sizes, and a failed allocation in it kills the process.
A Parquet file, or a CSV of many rows, is kept as Arrow columns (`ColumnGrid`): as Python
objects its cells would take 5-10 times the memory.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, overload

import pyarrow as pa
import python_calamine as pc

from ledgercheck import guard, markup
from ledgercheck.mask import mask_ids_in

Cell = Any
Grid = list[list[Cell]]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
PARQUET_MAGIC = b"PAR1"
SNIFF_BYTES = 4096  # enough of a file's start to tell markup from CSV
# The reader calamine picks from a file's name; a file named otherwise is opened from its bytes.
NATURAL_SUFFIXES = {"xlsx": {".xlsx", ".xlsm"}, "ods": {".ods"}, "xls": {".xls"}}
# Names of workbooks, read by their content: WPS's own .et/.ett hold an .xls; .xlsb is
# refused (guard.prepare) in one line.
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".et", ".ett", ".xlsb"})
# Names under which Excel and WPS open tab- or comma-separated text (a web system's "Excel
# export" often is): read as CSV. Under .xlsx they refuse it, and so does ledgercheck.
TEXT_EXPORT_SUFFIXES = frozenset({".xls", ".et"})


def _use_malloc() -> None:
    """Arrow allocates with malloc, unless ARROW_DEFAULT_MEMORY_POOL says otherwise.

    Its default allocator (mimalloc) keeps the pages it frees for its own reuse, so the
    temporaries of reading and normalizing a million-row table would stay resident through
    the checks that follow; malloc's go back to the system with `release_memory`.
    """
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        pa.set_memory_pool(pa.system_memory_pool())


_use_malloc()

# A sheet this long leaves enough freed temporaries behind to be worth handing back.
BIG_SHEET_ROWS = 50_000


def release_memory() -> None:
    """Return freed heap pages to the system (malloc_trim under malloc: Arrow's and
    Python's alike)."""
    pa.default_memory_pool().release_unused()


class InputError(Exception):
    """An input that cannot be read at all (F001) or is encrypted (F002)."""

    def __init__(self, code: str, reason: str) -> None:
        reason = " ".join(reason.split())  # one line on stderr, whatever the cause said
        super().__init__(reason)
        self.code = code
        self.reason = reason


class ColumnGrid(Sequence[list[Cell]]):
    """A sheet whose rows are held as Arrow columns: what a big Parquet file or CSV becomes.

    A cell as a Python object costs 5-10 times its Arrow bytes, so a million-row table
    read as lists of cells takes gigabytes. The normalizer reads `region` column by column;
    a row is built only when asked for (header search, the few rows that look like a total),
    as the same Python values a row-wise reader gives: `fill` for a null (None, or '' for
    a CSV's short rows).
    """

    BLOCK = 4096  # rows built at once when the whole grid is walked

    def __init__(self, top: Grid, columns: list[pa.ChunkedArray], fill: Cell = None) -> None:
        self.top = top  # rows above the columns: a Parquet file's column names
        self.columns = columns
        self.fill = fill
        self.length = len(columns[0]) if columns else 0

    def __len__(self) -> int:
        return len(self.top) + self.length

    @overload
    def __getitem__(self, index: int) -> list[Cell]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[Cell]]: ...

    def __getitem__(self, index: int | slice) -> list[Cell] | list[list[Cell]]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            return [self[i] for i in range(start, stop, step)]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        if index < len(self.top):
            return self.top[index]
        return self._rows(index - len(self.top), 1)[0]

    def __iter__(self) -> Iterator[list[Cell]]:
        yield from self.top
        for start in range(0, self.length, self.BLOCK):
            yield from self._rows(start, min(self.BLOCK, self.length - start))

    def _rows(self, start: int, count: int) -> list[list[Cell]]:
        cells = [col.slice(start, count).to_pylist() for col in self.columns]
        if self.fill is not None:
            cells = [[self.fill if v is None else v for v in col] for col in cells]
        return [list(row) for row in zip(*cells, strict=True)]

    def region(self, start: int) -> list[pa.ChunkedArray]:
        """The columns from grid row `start` down, without copying them.

        `top` holds only rows above any data (a header), so a data region never starts in it.
        """
        if start < len(self.top):
            raise ValueError(f"row {start} is above the columns")
        return [col.slice(start - len(self.top)) for col in self.columns]


Rows = Grid | ColumnGrid


@dataclass
class RawSheet:
    name: str
    grid: Rows  # grid[0] is Excel row 1 (or CSV line 1)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # 0-based (row, col) of formula cells that carry no cached value (F009)
    uncached_formulas: set[tuple[int, int]] = field(default_factory=set)


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile file from exhausting the machine.

    The defaults let a province-sized export through: Excel's own row limit, and far more
    cells than any ledger sheet holds.
    """

    max_file_bytes: int = 2 * 1024**3
    max_uncompressed_bytes: int = 8 * 1024**3
    max_sheets: int = 1000
    max_rows: int = 1_048_576  # per sheet
    max_cells: int = 50_000_000  # per sheet, rows × columns as the grid holds them


def detect_format(head: bytes, suffix: str) -> str:
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    web = markup.sniff(head)  # a web system's "Excel export", whatever its name
    if web is not None:
        return web
    if suffix in TEXT_EXPORT_SUFFIXES and _delimited_text(head):
        return "csv"
    if suffix in WORKBOOK_SUFFIXES or suffix == ".parquet":
        # A spreadsheet name on bytes that are not a spreadsheet: truncated or renamed.
        return "bad"
    return "csv"


def _delimited_text(head: bytes) -> bool:
    """Text, not binary: it decodes (UTF-16, UTF-8 or GB18030), holds no control character
    but tab and line ends, and its first line is split by tabs or commas."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _bomless_utf16(head):
        text = decode_text(head)
    else:
        cut = head[: len(head) - 4] if len(head) == SNIFF_BYTES else head  # a split character
        try:
            text = cut.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = cut.decode("gb18030")
            except UnicodeDecodeError:
                return False
    if any(ch < " " and ch not in "\t\r\n" for ch in text):
        return False
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return "\t" in first or "," in first


def read_file(
    path: Path,
    password: str | None = None,
    limits: Limits | None = None,
    sheets: Selection | None = None,
) -> list[RawSheet]:
    """The file's sheets in workbook order; of a workbook, only the `sheets` selected
    (processes that share a workbook's sheets read a part each)."""
    limits = limits or Limits()
    kind = _probe(path, limits)
    try:
        if kind == "parquet":
            return [_read_parquet(path, limits)]
        if kind == "csv":
            return [_read_csv(path, limits)]
        if kind in ("html", "spreadsheetml"):
            return _read_markup(path, kind, limits)
        if kind == "ole":
            return _read_ole(path, password, limits, sheets)
        return _read_zip(path, path, limits, sheets)
    except guard.Refused as exc:
        raise InputError("F001", str(exc)) from exc


def _probe(path: Path, limits: Limits) -> str:
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise InputError("F001", f"cannot open file: {exc.strerror or exc}") from exc
    if size == 0:
        raise InputError("F001", "empty file (0 bytes)")
    if size > limits.max_file_bytes:
        raise InputError("F001", f"file larger than the limit of {limits.max_file_bytes} bytes")
    kind = detect_format(head, path.suffix.lower())
    if kind == "bad":
        raise InputError("F001", f"not a valid {path.suffix.lower()} file (corrupt or renamed)")
    return kind


# --- workbooks -----------------------------------------------------------------------


def _read_markup(path: Path, kind: str, limits: Limits) -> list[RawSheet]:
    """An HTML table or an Excel 2003 XML workbook, as a web system exports them (markup.py)."""
    try:
        if kind == "html":
            text = decode_text(path.read_bytes())
            sheets = markup.html_tables(text, path.stem, limits.max_cells)
            if not sheets:
                raise InputError("F001", "an HTML page with no table in it")
        else:
            sheets = markup.spreadsheetml_sheets(path.read_bytes())
    except markup.MarkupError as exc:
        raise InputError("F001", str(exc)) from exc
    if len(sheets) > limits.max_sheets:
        raise InputError("F001", f"{len(sheets)} sheets, over the limit of {limits.max_sheets}")
    out = []
    for sheet in sheets:
        rows, cols = sheet.extent()
        _check_extent(sheet.name, rows, cols, limits)
        out.append(RawSheet(sheet.name, sheet.grid(), _clip(sheet.merged, rows, cols)))
    return out


def _read_zip(
    source: Path | io.BytesIO, path: Path, limits: Limits, sheets: Selection | None = None
) -> list[RawSheet]:
    # The guard reads its own handle: its sheet scans come between calamine's reads.
    own = source if isinstance(source, Path) else io.BytesIO(source.getbuffer())
    with _binary(own) as fh:
        plan = guard.prepare(fh, limits)

        def clear(name: str) -> guard.PartScan | None:
            info = plan.deferred.get(name)
            return None if info is None else guard.scan_sheet(fh, info, limits, name)

        return _read_calamine(source, path, limits, plan.kind, clear, sheets)


def _read_ole(
    path: Path, password: str | None, limits: Limits, sheets: Selection | None = None
) -> list[RawSheet]:
    """An OLE file is either a legacy .xls or an encrypted OOXML (or .xls) workbook."""
    plain = _decrypt(path, password)
    if plain is None:
        with path.open("rb") as fh:
            guard.inspect_xls(fh, limits)
        return _read_calamine(path, path, limits, "xls", _cleared, sheets)
    size = plain.seek(0, io.SEEK_END)
    plain.seek(0)
    if size > limits.max_file_bytes:
        raise InputError("F001", "decrypted workbook larger than the file size limit")
    if plain.read(4) == ZIP_MAGIC:
        return _read_zip(plain, path, limits, sheets)
    plain.seek(0)
    guard.inspect_xls(plain, limits)
    return _read_calamine(plain, path, limits, "xls", _cleared, sheets)


def _cleared(name: str) -> guard.PartScan | None:
    """A legacy workbook is checked whole before calamine opens it: nothing left per sheet."""
    return None


def _decrypt(path: Path, password: str | None) -> io.BytesIO | None:
    """The decrypted workbook, or None when the file is not encrypted (or not Office at all)."""
    import msoffcrypto
    from msoffcrypto import exceptions as mexc

    try:
        with path.open("rb") as fh:
            office = msoffcrypto.OfficeFile(fh)
            if not office.is_encrypted():
                return None
            if not password:
                raise InputError("F002", "file is encrypted: pass --password")
            _load_key(office, password)
            buf = io.BytesIO()
            office.decrypt(buf)
    except InputError:
        raise
    except (mexc.InvalidKeyError, mexc.DecryptionError) as exc:
        raise InputError("F002", "file is encrypted and the password is wrong") from exc
    except Exception:  # msoffcrypto raises many types on malformed OLE: guard.inspect_xls decides
        return None
    buf.seek(0)
    return buf


def _load_key(office: Any, password: str) -> None:
    """Verify the password up front where the format allows: a wrong one must say so."""
    from msoffcrypto.format.ooxml import OOXMLFile

    if isinstance(office, OOXMLFile):
        office.load_key(password=password, verify_password=True)
    else:
        office.load_key(password=password)


@contextlib.contextmanager
def _binary(source: Path | io.BytesIO) -> Iterator[IO[bytes]]:
    if isinstance(source, Path):
        with source.open("rb") as fh:
            yield fh
    else:
        source.seek(0)
        yield source


def _open_workbook(
    source: Path | io.BytesIO, path: Path, kind: str, stack: contextlib.ExitStack
) -> pc.CalamineWorkbook:
    """From the path when the name tells calamine the right reader, else from the bytes."""
    if isinstance(source, Path) and path.suffix.lower() in NATURAL_SUFFIXES[kind]:
        return pc.CalamineWorkbook.from_path(os.fspath(source))
    return pc.CalamineWorkbook.from_filelike(stack.enter_context(_binary(source)))


Clearance = Callable[[str], "guard.PartScan | None"]


@dataclass(frozen=True)
class Selection:
    """Which of a workbook's sheets to read: those named (all when None), but not skipped."""

    only: Collection[str] | None = None
    skip: Collection[str] = ()

    def wants(self, name: str) -> bool:
        return (self.only is None or name in self.only) and name not in self.skip


def _read_calamine(
    source: Path | io.BytesIO,
    path: Path,
    limits: Limits,
    kind: str,
    clear: Clearance,
    sheets: Selection | None = None,
) -> list[RawSheet]:
    """`clear(name)` runs the guard over a sheet before calamine may parse it."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(_quiet_stderr())
        try:
            wb = _open_workbook(source, path, kind, stack)
            names = wb.sheet_names
            metas = [m for m in wb.sheets_metadata if _is_worksheet(m)]
        except pc.PasswordError as exc:
            raise InputError("F002", "file is encrypted: pass --password") from exc
        except BaseException as exc:
            raise _calamine_failure("corrupt or unsupported workbook", exc) from exc
        if len(names) > limits.max_sheets:
            raise InputError("F001", f"{len(names)} sheets, over the limit of {limits.max_sheets}")
        chosen = [m.name for m in metas if sheets is None or sheets.wants(m.name)]
        return _read_sheets(wb, chosen, limits, clear)


def _read_sheets(
    wb: pc.CalamineWorkbook, names: list[str], limits: Limits, clear: Clearance
) -> list[RawSheet]:
    # One sheet at a time, each scanned just before it is parsed. (python-calamine keeps
    # the GIL while it parses: a thread would not overlap the scan with the parse.)
    return [_read_sheet(name, clear(name), wb, limits) for name in names]


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Keep a Rust panic's own message off stderr while calamine runs.

    The panic becomes an exception (reported as F001 in one line), but Rust first prints
    "thread panicked at …" straight to file descriptor 2; it would break that one line.
    """
    try:
        fd = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr replaced by something fd-less
        yield
        return
    sys.stderr.flush()
    saved = os.dup(fd)
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), fd)
            try:
                yield
            finally:
                os.dup2(saved, fd)
    finally:
        os.close(saved)


def _is_worksheet(meta: pc.SheetMetadata) -> bool:
    return str(meta.typ) in {"SheetTypeEnum.WorkSheet", "WorkSheet"}


def _calamine_failure(what: str, exc: BaseException) -> BaseException:
    """calamine's errors, and its Rust panics, as F001. A panic reaches Python as
    pyo3's PanicException, a BaseException that `except Exception` would let through."""
    if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit, InputError)):
        return exc
    return InputError("F001", f"{what} ({_short(exc)})")


def _read_sheet(
    name: str, part: guard.PartScan | None, wb: pc.CalamineWorkbook, limits: Limits
) -> RawSheet:
    try:
        sheet = wb.get_sheet_by_name(name)
        rows, cols = _extent(sheet)
        _check_extent(name, rows, cols, limits)
        grid = sheet.to_python(skip_empty_area=False)
        merged = _clip(sheet.merged_cell_ranges or [], rows, cols)
    except BaseException as exc:
        raise _calamine_failure(f"sheet {name!r} cannot be read", exc) from exc
    if part is None:
        return RawSheet(name, grid, merged)
    _show_errors(grid, part.errors)
    return RawSheet(name, grid, merged, set(part.uncached))


def _extent(sheet: pc.CalamineSheet) -> tuple[int, int]:
    """Rows and columns of the grid to_python(skip_empty_area=False) is about to build."""
    end = sheet.end
    return (end[0] + 1, end[1] + 1) if end is not None else (0, 0)


def _check_extent(name: str, rows: int, cols: int, limits: Limits) -> None:
    if rows > limits.max_rows:
        raise InputError(
            "F001", f"sheet {name!r} has {rows} rows, over the limit of {limits.max_rows}"
        )
    if rows * cols > limits.max_cells:
        raise InputError(
            "F001",
            f"sheet {name!r} spans {rows} rows × {cols} columns, over the limit of "
            f"{limits.max_cells} cells",
        )


Merge = tuple[tuple[int, int], tuple[int, int]]


def _clip(merged: list[Merge], rows: int, cols: int) -> list[Merge]:
    """Merged ranges inside the grid: a hostile A1:XFD1048576 must not reach later stages."""
    out = []
    for (r0, c0), (r1, c1) in merged:
        if r0 < rows and c0 < cols:
            out.append(((r0, c0), (min(r1, rows - 1), min(c1, cols - 1))))
    return out


def _show_errors(grid: Grid, errors: dict[tuple[int, int], str]) -> None:
    """calamine shows #N/A and #DIV/0! as empty cells; put the error back where a clerk sees it.

    A typed column then reports it as unreadable (F007) instead of silently empty.
    """
    for (r, c), text in errors.items():
        if r < len(grid) and c < len(grid[r]) and grid[r][c] in ("", None):
            grid[r][c] = text


def _short(exc: BaseException) -> str:
    """The first line of a reader's message; an ID number it quotes from a cell is masked."""
    text = str(exc).strip().splitlines()
    return mask_ids_in(text[0] if text else type(exc).__name__)[:160]


# --- CSV -----------------------------------------------------------------------------

ENCODINGS = ("utf-8-sig", "gb18030")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, the superset of GBK and GB2312.

    A UTF-8 file with a few GBK lines pasted in (a merged export) is decoded line by line,
    so neither part turns into mojibake.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if (utf16 := _bomless_utf16(data)) is not None:
        return data.decode(utf16, errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = data.removeprefix(codecs.BOM_UTF8).split(b"\n")
    if _mostly_utf8(lines):
        return "\n".join(_decode_line(line) for line in lines)
    return data.decode("gb18030", errors="replace")


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: the high byte of every ASCII character is a NUL, always on the
    same side. (NULs sprinkled into UTF-8 or GBK are few and fall on both sides.)"""
    sample = data[:4096]
    nul = sample.count(0)
    if nul < max(2, len(sample) // 10):
        return None
    odd = sample[1::2].count(0)
    if odd >= 0.9 * nul:
        return "utf-16-le"
    if nul - odd >= 0.9 * nul:
        return "utf-16-be"
    return None


def _mostly_utf8(lines: list[bytes]) -> bool:
    """More lines that read as UTF-8 than lines that do not (ASCII lines count for neither).

    The count stops once the lines left could no longer change the answer: a GBK file is
    told after half its lines.
    """
    valid = invalid = 0
    for i, line in enumerate(lines):
        if line.isascii():
            continue
        if _utf8_reading(line) is not None:
            valid += 1
        else:
            invalid += 1
        left = len(lines) - i - 1
        if valid > invalid + left or invalid >= valid + left:
            break
    return valid > invalid


def _decode_line(line: bytes) -> str:
    text = _utf8_reading(line)
    return text if text is not None else line.decode("gb18030", errors="replace")


def _utf8_reading(line: bytes) -> str | None:
    """The line as UTF-8, unless it reads better as GBK.

    Short GBK text can be valid UTF-8 by accident (元, D4 AA, is the Armenian Ԫ). A UTF-8
    reading with letters of other scripts, where the GBK reading has none, is the accident.
    """
    try:
        utf8 = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        gbk = line.decode("gb18030")
    except UnicodeDecodeError:
        return utf8
    return None if _stray(utf8) and not _stray(gbk) else utf8


def _stray(text: str) -> int:
    """Non-ASCII characters that are not Chinese, CJK punctuation or full-width forms."""
    return sum(
        1
        for ch in text
        if not ch.isascii()
        and not (
            "\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
        )
    )


csv.field_size_limit(64 * 1024 * 1024)


# A CSV up to this many rows stays a list of rows; a longer one is kept as Arrow columns,
# built this many rows at a time so that Python holds one block's cells, not the file's.
CSV_BLOCK_ROWS = 50_000


def _read_csv(path: Path, limits: Limits) -> RawSheet:
    text = decode_text(path.read_bytes()).replace("\x00", "")
    delimiter = _delimiter(text)
    fast = _arrow_csv(text, delimiter, limits)
    if fast is not None:
        return RawSheet(path.stem, fast)
    try:
        return RawSheet(path.stem, _csv_grid(csv.reader(_lines(text), delimiter=delimiter), limits))
    except csv.Error as exc:
        raise InputError("F001", f"malformed CSV ({exc})") from exc


def _arrow_csv(text: str, delimiter: str, limits: Limits) -> ColumnGrid | None:
    """A long CSV whose every record has the first one's width (as office exports write
    them), parsed by Arrow's reader in C: the columns `_csv_grid` builds, a tenth of the time.

    None where the csv module must read it: a short file, one near the limits (whose
    messages it gives), or one Arrow rejects as written — a ragged or blank line.
    """
    lines = text.count("\n")
    if lines <= CSV_BLOCK_ROWS or lines >= limits.max_rows:
        return None
    try:
        width = len(next(csv.reader(_lines(text), delimiter=delimiter), []))
    except csv.Error:
        return None  # the csv module's reading reports it
    if width == 0 or (lines + 1) * width > limits.max_cells:
        return None
    names = [str(i) for i in range(width)]
    try:
        table = _arrow_read_csv(text, delimiter, names)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows <= CSV_BLOCK_ROWS:  # quoted line breaks: short after all
        return None
    return ColumnGrid([], [table.column(n) for n in names], fill="")


def _arrow_read_csv(text: str, delimiter: str, names: list[str]) -> pa.Table:
    """Every field as text, quoted or not, as the csv module's excel dialect reads it."""
    from pyarrow import csv as arrow_csv

    return arrow_csv.read_csv(
        pa.py_buffer(text.encode("utf-8")),
        read_options=arrow_csv.ReadOptions(column_names=names),
        parse_options=arrow_csv.ParseOptions(
            delimiter=delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=True,
            ignore_empty_lines=False,
        ),
        convert_options=arrow_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            null_values=[],
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _csv_grid(reader: Iterator[list[str]], limits: Limits) -> Rows:
    """The rows as read; past CSV_BLOCK_ROWS of them, Arrow columns built a block at a time."""
    block: Grid = []
    columns = _ColumnBuilder()
    rows = cells = 0
    for row in reader:
        block.append(row)
        rows, cells = rows + 1, cells + len(row)
        if rows > limits.max_rows:
            raise InputError("F001", f"more than {limits.max_rows} rows (the limit)")
        if cells > limits.max_cells:
            raise InputError("F001", f"more than {limits.max_cells} cells (the limit)")
        if len(block) == CSV_BLOCK_ROWS:
            columns.add(block)
            block = []
    if not columns.rows:
        return block
    columns.add(block)
    return columns.grid()


def _lines(text: str, size: int = 1 << 20) -> Iterator[str]:
    """The text's lines for csv.reader, one slice at a time, cut after a newline.

    io.StringIO over the whole text would first copy all of it, at 4 bytes a character.
    """
    start = 0
    while start < len(text):
        end = text.find("\n", start + size)
        end = len(text) if end < 0 else end + 1
        yield from io.StringIO(text[start:end], newline="")
        start = end


class _ColumnBuilder:
    """CSV rows in, Arrow text columns out (large_string, as pandas' `str` holds them)."""

    def __init__(self) -> None:
        self.chunks: list[list[pa.Array]] = []  # per column
        self.rows = 0

    def add(self, block: Grid) -> None:
        if not block:
            return
        width = max(len(row) for row in block)
        for _ in range(len(self.chunks), width):  # a wider row: earlier rows lack the column
            self.chunks.append([pa.nulls(self.rows, pa.large_string())] if self.rows else [])
        width = len(self.chunks)
        rows = [row if len(row) == width else row + [None] * (width - len(row)) for row in block]
        for chunks, cells in zip(self.chunks, zip(*rows, strict=True), strict=True):
            chunks.append(pa.array(cells, type=pa.large_string()))
        self.rows += len(block)

    def grid(self) -> ColumnGrid:
        columns = [pa.chunked_array(chunks, type=pa.large_string()) for chunks in self.chunks]
        # A short row's missing cells read as '', as the row-wise reader's region had them.
        return ColumnGrid([], columns, fill="")


def _delimiter(text: str) -> str:
    sample = text[:8192]
    cut = sample.rfind("\n")  # whole lines only: a cut line confuses the sniffer
    if cut > 0:
        sample = sample[:cut]
    with contextlib.suppress(csv.Error):
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    return ","


def _read_parquet(path: Path, limits: Limits) -> RawSheet:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        _check_parquet(path.stem, pf.metadata, limits)
        table = pf.read()
    except InputError:
        raise
    except Exception as exc:
        raise InputError("F001", f"corrupt parquet file ({_short(exc)})") from exc
    header: list[Cell] = list(table.column_names)
    return RawSheet(path.stem, ColumnGrid([header], [_plain(col) for col in table.columns]))


def _plain(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A dictionary-encoded column (a pandas category) as its values, and text as the
    large_string that pandas' `str` holds, so the normalizer's Series share these buffers."""
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_string(column.type):
        column = column.cast(pa.large_string())
    return column


def _check_parquet(name: str, meta: Any, limits: Limits) -> None:
    """The footer says how big the table is: refuse before pyarrow allocates it."""
    rows, cols = meta.num_rows + 1, meta.num_columns  # + the header row
    _check_extent(name, rows, cols, limits)
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > limits.max_uncompressed_bytes:
        raise InputError(
            "F001",
            f"table expands to {size} bytes, over the limit of {limits.max_uncompressed_bytes}",
        )


# --- cell references -----------------------------------------------------------------


def column_index(letters: str) -> int:
    return guard.col_number(letters) - 1


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
