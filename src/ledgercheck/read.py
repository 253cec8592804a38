"""File → raw sheet grids.

Calamine reads .xlsx/.xlsm/.xls/.ods (fast, values only, no formula evaluation, no XML
entities); CSV is decoded here because Chinese exports are often GBK; Parquet through
pyarrow. The format is decided by the file's bytes, not its name, because clerks rename
files by hand.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as pc

Cell = Any
Grid = list[list[Cell]]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
PARQUET_MAGIC = b"PAR1"


class InputError(Exception):
    """An input that cannot be read at all (F001) or is encrypted (F002)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class RawSheet:
    name: str
    grid: Grid  # grid[0] is Excel row 1 (or CSV line 1)
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # 0-based (row, col) of formula cells that carry no cached value (F009)
    uncached_formulas: set[tuple[int, int]] = field(default_factory=set)


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile file from exhausting the machine."""

    max_file_bytes: int = 2 * 1024**3
    max_uncompressed_bytes: int = 8 * 1024**3
    max_sheets: int = 1000


def detect_format(head: bytes, suffix: str) -> str:
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if suffix in {".xlsx", ".xlsm", ".xls", ".ods", ".parquet"}:
        # A spreadsheet name on bytes that are not a spreadsheet: truncated or renamed.
        return "bad"
    return "csv"


def read_file(
    path: Path, password: str | None = None, limits: Limits | None = None
) -> list[RawSheet]:
    limits = limits or Limits()
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise InputError("F001", f"cannot open file: {exc.strerror or exc}") from exc
    if size == 0:
        raise InputError("F001", "empty file (0 bytes)")
    if size > limits.max_file_bytes:
        raise InputError("F001", f"file larger than the limit of {limits.max_file_bytes} bytes")
    kind = detect_format(head, path.suffix.lower())
    if kind == "bad":
        raise InputError("F001", f"not a valid {path.suffix.lower()} file (corrupt or renamed)")
    if kind == "parquet":
        return [_read_parquet(path)]
    if kind == "csv":
        return [_read_csv(path)]
    if kind == "ole":
        return _read_ole(path, password, limits)
    _check_zip(path, limits)
    return _read_calamine(path, path, limits)


def _check_zip(path: Path, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError("F001", f"corrupt workbook (bad zip: {exc})") from exc
    if total > limits.max_uncompressed_bytes:
        raise InputError(
            "F001",
            f"workbook expands to {total} bytes, over the limit of "
            f"{limits.max_uncompressed_bytes} (zip bomb?)",
        )


def _read_ole(path: Path, password: str | None, limits: Limits) -> list[RawSheet]:
    """An OLE file is either a legacy .xls or an encrypted OOXML workbook."""
    import msoffcrypto
    from msoffcrypto import exceptions as mexc

    try:
        with path.open("rb") as fh:
            office = msoffcrypto.OfficeFile(fh)
            encrypted = office.is_encrypted()
            if not encrypted:
                return _read_calamine(path, path, limits)
            if not password:
                raise InputError("F002", "file is encrypted: pass --password")
            office.load_key(password=password)
            buf = io.BytesIO()
            office.decrypt(buf)
    except InputError:
        raise
    except (mexc.InvalidKeyError, mexc.DecryptionError) as exc:
        raise InputError("F002", "file is encrypted and the password is wrong") from exc
    except Exception as exc:  # msoffcrypto raises many types on malformed OLE files
        if path.suffix.lower() == ".xls":
            return _read_calamine(path, path, limits)
        raise InputError("F001", f"corrupt workbook ({type(exc).__name__})") from exc
    buf.seek(0)
    return _read_calamine(buf, path, limits)


def _read_calamine(source: Path | io.BytesIO, path: Path, limits: Limits) -> list[RawSheet]:
    try:
        if isinstance(source, Path):
            wb = pc.CalamineWorkbook.from_path(os.fspath(source))
        else:
            wb = pc.CalamineWorkbook.from_filelike(source)
    except pc.PasswordError as exc:
        raise InputError("F002", "file is encrypted: pass --password") from exc
    except Exception as exc:
        raise InputError("F001", f"corrupt or unsupported workbook ({_short(exc)})") from exc
    names = wb.sheet_names
    if len(names) > limits.max_sheets:
        raise InputError("F001", f"{len(names)} sheets, over the limit of {limits.max_sheets}")
    formulas = _uncached_formulas(source) if isinstance(source, Path) else {}
    sheets = []
    for meta in wb.sheets_metadata:
        if str(meta.typ) not in {"SheetTypeEnum.WorkSheet", "WorkSheet"}:
            continue
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            grid = sheet.to_python(skip_empty_area=False)
            merged = list(sheet.merged_cell_ranges or [])
        except Exception as exc:
            raise InputError("F001", f"sheet {meta.name!r} cannot be read ({_short(exc)})") from exc
        sheets.append(RawSheet(meta.name, grid, merged, formulas.get(meta.name, set())))
    return sheets


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:160]


# --- CSV -----------------------------------------------------------------------------

ENCODINGS = ("utf-8-sig", "gb18030")


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, then GB18030, the superset of GBK and GB2312."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for enc in ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("gb18030", errors="replace")


def _read_csv(path: Path) -> RawSheet:
    text = decode_text(path.read_bytes()).replace("\x00", "")
    sample = text[:8192]
    delimiter = ","
    with contextlib.suppress(csv.Error):
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    csv.field_size_limit(64 * 1024 * 1024)
    grid: Grid = [
        list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    ]
    return RawSheet(path.stem, grid)


def _read_parquet(path: Path) -> RawSheet:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:
        raise InputError("F001", f"corrupt parquet file ({_short(exc)})") from exc
    header: list[Cell] = list(table.column_names)
    rows = zip(*(col.to_pylist() for col in table.columns), strict=True)
    return RawSheet(path.stem, [header, *(list(r) for r in rows)])


# --- formulas without a cached value (F009) -----------------------------------------

_CELL_RE = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_REF_RE = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE_RE = re.compile(rb"<v>[^<]+</v>")


def _uncached_formulas(path: Path) -> dict[str, set[tuple[int, int]]]:
    """Cells with <f> but no <v>: calamine shows them empty, a person sees a formula."""
    if path.suffix.lower() not in {".xlsx", ".xlsm"}:
        return {}
    try:
        with zipfile.ZipFile(path) as zf:
            return {name: cells for name, cells in _sheet_formulas(zf)}
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return {}


def _sheet_formulas(zf: zipfile.ZipFile) -> Iterator[tuple[str, set[tuple[int, int]]]]:
    from defusedxml import ElementTree as DET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    workbook = DET.fromstring(zf.read("xl/workbook.xml"))
    rels = DET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    for sheet in workbook.iter(f"{ns_main}sheet"):
        target = targets.get(sheet.get(f"{ns_rel}id"), "")
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        data = zf.read(member)
        if b"<f" not in data:
            continue
        cells = set()
        for match in _CELL_RE.finditer(data):
            body = match.group(2) or b""
            if b"<f" in body and not _VALUE_RE.search(body):
                ref = _REF_RE.search(match.group(1))
                if ref:
                    cells.add((int(ref.group(2)) - 1, column_index(ref.group(1).decode())))
        yield sheet.get("name", ""), cells


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
