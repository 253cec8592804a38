"""Generate a corpus of broken and hostile inputs, each with the answer the CLI must give.

Nothing here is committed as a binary: every file is written by a real writer (openpyxl,
xlsxwriter, xlwt, msoffcrypto) or, where no writer would produce it, by patching or
assembling the bytes by hand. Run as a script to write the corpus somewhere and list it:

    .venv/bin/python tests/hostile/make_corpus.py /tmp/corpus
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msoffcrypto
import openpyxl
import pandas as pd
import xlsxwriter
import xlwt

# Importable from the tests and runnable as a script: either way tests/ must be on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest import (
    HOUSEHOLD_HEADER,
    MEMBER_HEADER,
    household_rows,
    member_rows,
    office_workbook,
    write_xlsx,
)

PASSWORD = "s3cret"
PASSWD_MARK = "root:x:0:0"  # the first line of /etc/passwd: must never reach any output
LAUGHS = "lol" * 8  # what an expanded "billion laughs" entity would print


@dataclass(frozen=True)
class Expect:
    """The answer for one corpus file.

    exit: 0 clean, 1 findings at error severity, 2 unreadable or, read, holding no ledger
    table (`nothing_checked`); then `reason` is a substring of the one stderr line. `argv`
    replaces the path on the command line (relative to the corpus folder, which is then the
    working directory) for names that look like options.
    """

    file: str
    exit: int
    reason: str | None = None
    args: tuple[str, ...] = ()
    argv: tuple[str, ...] | None = None
    codes: frozenset[str] = frozenset()  # finding codes the report must contain
    forbidden: tuple[str, ...] = ()  # text that must appear in no output
    slow: bool = False  # a big file: still well under the per-run timeout
    nothing_checked: bool = False  # read whole, and not one sheet is a ledger table


def make_corpus(folder: Path) -> dict[str, Expect]:
    """Write every corpus file into `folder`; case name → expected answer."""
    folder.mkdir(parents=True, exist_ok=True)
    cases: dict[str, Expect] = {}
    for build in BUILDERS:
        cases.update(build(folder))
    return cases


# --- shared builders ---------------------------------------------------------------------


def bad_members() -> list[list[Any]]:
    """The default ledger with one error: the son lacks critical-illness insurance (MED002)."""
    members = member_rows()
    members[2][7] = "×"
    return members


def sst_workbook(path: Path, sheets: dict[str, tuple[list[Any], Sequence[Sequence[Any]]]]) -> Path:
    """A ledger written by xlsxwriter: strings in xl/sharedStrings.xml, as Excel writes them."""
    book = xlsxwriter.Workbook(str(path))
    for name, (header, rows) in sheets.items():
        ws = book.add_worksheet(name)
        for r, row in enumerate([header, *rows]):
            for c, value in enumerate(row):
                ws.write(r, c, value)
    book.close()
    return path


def ledger_sheets(members: list[list[Any]] | None = None) -> dict[str, Any]:
    return {
        "户信息": (HOUSEHOLD_HEADER, household_rows()),
        "成员信息": (MEMBER_HEADER, member_rows() if members is None else members),
    }


def patch_zip(src: Path, dst: Path, member: str, edit: Callable[[bytes], bytes]) -> Path:
    """Copy a zip, rewriting one member (the others byte for byte)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, edit(data) if info.filename == member else data)
    return dst


def with_doctype(data: bytes, doctype: bytes, old: bytes, new: bytes) -> bytes:
    """Insert a DTD after the XML declaration and use one of its entities in a value."""
    decl_end = data.index(b"?>") + 2
    body = data[decl_end:]
    assert old in body, old
    return data[:decl_end] + doctype + body.replace(old, new, 1)


def write_xls(path: Path, members: list[list[Any]]) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    for name, header, rows in (
        ("户信息", HOUSEHOLD_HEADER, household_rows()),
        ("成员信息", MEMBER_HEADER, members),
    ):
        sheet = book.add_sheet(name)
        for r, row in enumerate([header, *rows]):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def with_households(path: Path, header: list[Any], households: list[list[Any]]) -> Path:
    """The office layout with these households and the default members."""
    return write_xlsx(
        path, {"户信息": (header, households), "成员信息": (MEMBER_HEADER, member_rows())}
    )


def csv_text(header: list[Any], rows: Sequence[Sequence[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *rows])
    return buf.getvalue()


# --- a zip written by hand: sizes and streams no zip library would write ------------------


@dataclass
class RawEntry:
    name: str
    stream: bytes  # raw deflate data
    size: int  # the uncompressed size the entry declares
    crc: int


def deflate_entry(name: str, data: bytes) -> RawEntry:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return RawEntry(name, c.compress(data) + c.flush(), len(data), zlib.crc32(data))


def write_raw_zip(path: Path, entries: list[RawEntry]) -> Path:
    out = io.BytesIO()
    central = io.BytesIO()
    for e in entries:
        name = e.name.encode()
        offset = out.tell()
        fields = (20, 0, 8, 0, 0x21, e.crc, len(e.stream), e.size, len(name))
        out.write(b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields, 0) + name + e.stream)
        central.write(
            b"PK\x01\x02"
            + struct.pack("<HHHHHHIIIHHHHHII", 20, *fields, 0, 0, 0, 0, 0, offset)
            + name
        )
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    n = len(entries)
    out.write(b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, n, n, len(directory), start, 0))
    path.write_bytes(out.getvalue())
    return path


def bomb_entry(name: str, gib: float, declared: int | None = None) -> RawEntry:
    """A sheet of identical rows, `gib` GiB inflated, in about 3 KB per MiB.

    After a full flush deflate restarts from scratch, so one compressed MiB repeated is a
    valid stream: the bomb is built in milliseconds, never inflated here.
    """
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxml'
        b'formats.org/spreadsheetml/2006/main"><sheetData>'
    )
    row = b'<row><c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAAAAAA</t></is></c></row>'
    chunk = row * (1024 * 1024 // len(row))
    tail = b"</sheetData></worksheet>"
    repeats = int(gib * 1024)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    part = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    stream = first + part * repeats + c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(repeats):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + len(chunk) * repeats + len(tail)
    return RawEntry(name, stream, size if declared is None else declared, crc)


def bomb_workbook(path: Path, sheet: RawEntry) -> Path:
    """A real one-sheet workbook whose sheet1.xml is replaced by `sheet`."""
    plain = io.BytesIO()
    book = xlsxwriter.Workbook(plain, {"in_memory": True})
    book.add_worksheet("S").write(0, 0, "x")
    book.close()
    entries = []
    with zipfile.ZipFile(plain) as z:
        for info in z.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                entries.append(sheet)
            else:
                entries.append(deflate_entry(info.filename, z.read(info)))
    return write_raw_zip(path, entries)


def sheet_part(rows_xml: str, dimension: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxml'
        f'formats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows_xml}</sheetData>'
        "</worksheet>"
    ).encode()


def one_sheet_workbook(path: Path, part: bytes) -> Path:
    """A minimal, valid workbook around a hand-written sheet1.xml."""
    plain = path.with_suffix(".tmp")
    book = xlsxwriter.Workbook(str(plain))
    book.add_worksheet("S").write(0, 0, 1)
    book.close()
    patch_zip(plain, path, "xl/worksheets/sheet1.xml", lambda _: part)
    plain.unlink()
    return path


# --- the cases ---------------------------------------------------------------------------


def broken_files(folder: Path) -> dict[str, Expect]:
    whole = office_workbook(folder / "whole.tmp.xlsx").read_bytes()
    (folder / "whole.tmp.xlsx").unlink()
    (folder / "truncated.xlsx").write_bytes(whole[: len(whole) // 2])
    (folder / "text-renamed.xlsx").write_text("户编号,姓名\nH001,王大\n", encoding="utf-8")
    (folder / "pdf-renamed.xlsx").write_bytes(MINIMAL_PDF)
    (folder / "empty.xlsx").write_bytes(b"")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "garbage.xls").write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8
    )
    # Cut inside the OLE directory: calamine 0.9 panics on it (a Rust panic, not an error);
    # the answer must still be one line.
    xls = write_xls(folder / "whole.tmp.xls", bad_members())
    (folder / "truncated.xls").write_bytes(xls.read_bytes()[:-240])
    xls.unlink()
    zip_only = folder / "not-a-workbook.xlsx"
    with zipfile.ZipFile(zip_only, "w") as z:
        z.writestr("readme.txt", "a zip, but no workbook in it")
    return {
        "truncated": Expect("truncated.xlsx", 2, "corrupt workbook"),
        "text-renamed": Expect("text-renamed.xlsx", 2, "not a valid .xlsx"),
        "pdf-renamed": Expect("pdf-renamed.xlsx", 2, "not a valid .xlsx"),
        "empty-xlsx": Expect("empty.xlsx", 2, "empty file"),
        "empty-csv": Expect("empty.csv", 2, "empty file"),
        "garbage-ole": Expect("garbage.xls", 2, "corrupt .xls"),
        "truncated-xls-rust-panic": Expect("truncated.xls", 2, "corrupt"),
        "zip-without-workbook": Expect("not-a-workbook.xlsx", 2, "workbook"),
    }


MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def bombs(folder: Path) -> dict[str, Expect]:
    bomb_workbook(folder / "bomb.xlsx", bomb_entry("xl/worksheets/sheet1.xml", 1))
    # The directory says 100 KB; the stream holds 1 GiB.
    lying = bomb_entry("xl/worksheets/sheet1.xml", 1, declared=100_000)
    bomb_workbook(folder / "bomb-lying-sizes.xlsx", lying)
    return {
        "zip-bomb": Expect("bomb.xlsx", 2, "zip bomb"),
        "zip-bomb-lying-sizes": Expect("bomb-lying-sizes.xlsx", 2, "more than the 100000 bytes"),
    }


def allocation_bombs(folder: Path) -> dict[str, Expect]:
    """Tiny files that make calamine reserve gigabytes (and abort) unless refused first."""
    first = '<row r="1"><c r="A1"><v>1</v></c></row>'
    far = '<row r="1048576"><c r="XFD1048576"><v>2</v></c></row>'
    one_sheet_workbook(folder / "far-cell.xlsx", sheet_part(first + far))
    # No r= on the cells: calamine places them by counting, so the guard must count too.
    refless = '<row r="1048576">' + "<c><v>1</v></c>" * 64 + "</row>"
    one_sheet_workbook(folder / "far-cell-no-refs.xlsx", sheet_part(first + refless))
    strings = sst_workbook(folder / "sst.tmp.xlsx", ledger_sheets())
    patch_zip(
        strings,
        folder / "sst-count.xlsx",
        "xl/sharedStrings.xml",
        lambda d: d.replace(b'uniqueCount="', b'uniqueCount="4000000000" x="', 1),
    )
    strings.unlink()
    _xls_dimensions(write_xls(folder / "dims.tmp.xls", member_rows()), folder / "dimensions.xls")
    _ods_repeats(folder / "repeated.ods")
    return {
        "far-cell": Expect("far-cell.xlsx", 2, "over the limit"),
        "far-cell-no-refs": Expect("far-cell-no-refs.xlsx", 2, "over the limit"),
        "sst-count": Expect("sst-count.xlsx", 2, "declares 4000000000 strings"),
        "xls-dimensions": Expect("dimensions.xls", 2, "corrupt .xls"),
        "ods-repeated-cells": Expect("repeated.ods", 2, "repeated cells"),
    }


def _xls_dimensions(src: Path, dst: Path) -> None:
    """Every DIMENSIONS record set to 4 billion rows × 65535 columns."""
    data = bytearray(src.read_bytes())
    at = data.find(struct.pack("<HH", 0x0200, 14))
    while at >= 0:
        struct.pack_into("<IIHH", data, at + 4, 0, 0xFFFFFFFF, 0, 0xFFFF)
        at = data.find(struct.pack("<HH", 0x0200, 14), at + 1)
    dst.write_bytes(bytes(data))
    src.unlink()


def _ods_repeats(path: Path) -> None:
    cell = (
        '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" '
        'office:value="1"><text:p>1</text:p></table:table-cell>'
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="S">'
        f'<table:table-row table:number-rows-repeated="100000">{cell}</table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as z:
        mimetype = "application/vnd.oasis.opendocument.spreadsheet"
        z.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


LAUGHS_DTD = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;'
    b'&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'
    b'&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
    b'<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
    b'<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
    b'<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
    b'<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
    b'<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
)
XXE_DTD = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def entities(folder: Path) -> dict[str, Expect]:
    """Entity declarations in sharedStrings.xml and in a sheet: refused, never expanded."""
    base = sst_workbook(folder / "entities.tmp.xlsx", ledger_sheets())
    out: dict[str, Expect] = {}
    number_cell, name_cell = b'<c r="A2"><v>1</v></c>', "王大".encode()
    for tag, dtd, ref in (("laughs", LAUGHS_DTD, b"&lol9;"), ("xxe", XXE_DTD, b"&xxe;")):
        in_strings, in_sheet = f"{tag}-shared-strings.xlsx", f"{tag}-sheet.xlsx"
        patch_zip(
            base,
            folder / in_strings,
            "xl/sharedStrings.xml",
            lambda d, dtd=dtd, ref=ref: with_doctype(d, dtd, name_cell, ref),
        )
        cell = b'<c r="A2" t="inlineStr"><is><t>' + ref + b"</t></is></c>"
        patch_zip(
            base,
            folder / in_sheet,
            "xl/worksheets/sheet1.xml",
            lambda d, dtd=dtd, cell=cell: with_doctype(d, dtd, number_cell, cell),
        )
        for case, name in ((f"{tag}-shared-strings", in_strings), (f"{tag}-sheet", in_sheet)):
            out[case] = Expect(name, 2, "unsafe XML", forbidden=(PASSWD_MARK, LAUGHS))
    base.unlink()
    return out


def encrypted(folder: Path) -> dict[str, Expect]:
    plain = office_workbook(folder / "plain.tmp.xlsx", members=bad_members())
    with plain.open("rb") as src, (folder / "encrypted.xlsx").open("wb") as dst:
        msoffcrypto.OfficeFile(src).encrypt(PASSWORD, dst)  # type: ignore[attr-defined]
    plain.unlink()
    refused = frozenset({"F002"})
    return {
        "encrypted-no-password": Expect("encrypted.xlsx", 2, "encrypted", codes=refused),
        "encrypted-wrong-password": Expect(
            "encrypted.xlsx", 2, "password is wrong", args=("--password", "wrong"), codes=refused
        ),
        "encrypted-with-password": Expect(
            "encrypted.xlsx", 1, args=("--password", PASSWORD), codes=frozenset({"MED002"})
        ),
    }


def renamed_formats(folder: Path) -> dict[str, Expect]:
    """Read by content, whatever the name says."""
    write_xls(folder / "xls-saved-as.xlsx", bad_members())
    office_workbook(folder / "xlsx-saved-as.xls", members=bad_members())
    office_workbook(folder / "xlsx-saved-as.csv", members=bad_members())
    return {
        "xls-named-xlsx": Expect("xls-saved-as.xlsx", 1, codes=frozenset({"MED002"})),
        "xlsx-named-xls": Expect("xlsx-saved-as.xls", 1, codes=frozenset({"MED002"})),
        "xlsx-named-csv": Expect("xlsx-saved-as.csv", 1, codes=frozenset({"MED002"})),
    }


def csv_files(folder: Path) -> dict[str, Expect]:
    """A households table alone is clean (exit 0, POP info only) when every byte is decoded
    right: a mangled 户类型 or 区 would be unreadable (F007, exit 1)."""
    rows = household_rows()
    text = csv_text(HOUSEHOLD_HEADER, rows)
    (folder / "nul-bytes.csv").write_bytes(
        text.replace("脱贫户", "脱\x00贫户").replace("王大", "王\x00\x00大").encode("utf-8")
    )
    lines = text.encode("utf-8").split(b"\r\n")
    lines[2] = text.split("\r\n")[2].encode("gbk")  # one household written by a GBK tool
    (folder / "mixed-encoding.csv").write_bytes(b"\r\n".join(lines))
    ragged = [rows[0][:5], [*rows[1], "多余", "列"]]
    (folder / "ragged.csv").write_text(csv_text(HOUSEHOLD_HEADER, ragged), encoding="utf-8")
    huge = [list(r) for r in rows]
    huge[0][7] = "王" * (10 * 1024 * 1024 // 3)  # one 10 MB cell
    (folder / "huge-cell.csv").write_text(csv_text(HOUSEHOLD_HEADER, huge), encoding="utf-8")
    (folder / "utf16-no-bom.csv").write_bytes(text.encode("utf-16-le"))
    clean = frozenset({"POP001"})
    return {
        "csv-nul-bytes": Expect("nul-bytes.csv", 0, codes=clean),
        "csv-mixed-encoding": Expect("mixed-encoding.csv", 0, codes=clean),
        "csv-ragged-rows": Expect("ragged.csv", 1, codes=clean),
        "csv-10mb-cell": Expect("huge-cell.csv", 0, codes=clean),
        "csv-utf16-no-bom": Expect("utf16-no-bom.csv", 0, codes=clean),
    }


def excel_row_limit(folder: Path) -> dict[str, Expect]:
    """A sheet at Excel's 1,048,576-row limit, its XML streamed straight into the zip."""
    path = folder / "row-limit.xlsx"
    plain = io.BytesIO()
    book = xlsxwriter.Workbook(plain, {"in_memory": True})
    book.add_worksheet("数据").write(0, 0, 1)
    book.close()
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                        compresslevel=1) as zout:  # fmt: skip
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                zout.writestr(info.filename, zin.read(info))
        with zout.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            _stream_rows(part, 1_048_576)
    return {
        "excel-row-limit": Expect(
            "row-limit.xlsx",
            2,
            "no ledger table found",
            codes=frozenset({"F003"}),
            slow=True,
            nothing_checked=True,
        ),
        "excel-row-limit-max-rows": Expect(
            "row-limit.xlsx", 2, "over the limit of 1000", args=("--max-rows", "1000"), slow=True
        ),
    }


def _stream_rows(part: Any, rows: int) -> None:
    part.write(sheet_part("").split(b"<sheetData>")[0] + b"<sheetData>")
    step = 65_536
    for start in range(1, rows + 1, step):
        stop = min(start + step, rows + 1)
        part.write(
            "".join(
                f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(start, stop)
            ).encode()
        )
    part.write(b"</sheetData></worksheet>")


def cell_troubles(folder: Path) -> dict[str, Expect]:
    # Formulas written by openpyxl carry no cached value: Excel shows a number, the file none.
    households = [list(r) for r in household_rows()]
    households[0][4] = "=1+2"
    with_households(folder / "formula-no-cache.xlsx", HOUSEHOLD_HEADER, households)
    errors = [list(r) for r in household_rows()]
    errors[0][4], errors[1][6] = "#N/A", "#DIV/0!"  # openpyxl writes these as error cells
    with_households(folder / "error-cells.xlsx", HOUSEHOLD_HEADER, errors)
    checked = ("1899-12-31", "2101-01-01")
    dated = [[*r, d] for r, d in zip(household_rows(), checked, strict=True)]
    dated[0][5], dated[1][5] = "1850年", "2150年"
    header = [*HOUSEHOLD_HEADER, "饮水第一次核查日期"]
    with_households(folder / "extreme-dates.xlsx", header, dated)
    _extreme_numbers(folder)
    return {
        "formula-without-cached-value": Expect(
            "formula-no-cache.xlsx", 1, codes=frozenset({"F009"})
        ),
        "error-cells": Expect("error-cells.xlsx", 1, codes=frozenset({"F007"})),
        "extreme-dates": Expect("extreme-dates.xlsx", 1, codes=frozenset({"F007"})),
        "extreme-numbers-xlsx": Expect("extreme-numbers.xlsx", 1, codes=frozenset({"F007"})),
        "extreme-numbers-parquet": Expect("extreme-numbers.parquet", 1, codes=frozenset({"F007"})),
    }


def _extreme_numbers(folder: Path) -> None:
    """Negative, NaN and infinite numbers: Excel cannot type them, a file can hold them."""
    households = [list(r) for r in household_rows()]
    households[0][4], households[0][6] = 777001, -5200
    households[1][4], households[1][6] = 777002, 777003
    path = with_households(folder / "extreme.tmp.xlsx", HOUSEHOLD_HEADER, households)
    marks = {b"777001": b"NaN", b"777002": b"INF", b"777003": b"-1e400"}

    def edit(data: bytes) -> bytes:
        for mark, value in marks.items():
            data = data.replace(b"<v>" + mark + b"</v>", b"<v>" + value + b"</v>")
        return data

    patch_zip(path, folder / "extreme-numbers.xlsx", "xl/worksheets/sheet1.xml", edit)
    path.unlink()
    frame = pd.DataFrame([[str(v) for v in r] for r in household_rows()], columns=HOUSEHOLD_HEADER)
    frame["家庭人口数"] = [float("nan"), float("inf")]
    frame["人均纯收入（元）"] = [-5200.0, float("-inf")]
    frame.to_parquet(folder / "extreme-numbers.parquet")


def layouts(folder: Path) -> dict[str, Expect]:
    path = office_workbook(folder / "merged-rows.xlsx", members=bad_members())
    book = openpyxl.load_workbook(path)
    sheet = book["成员信息"]
    for r in range(4, 6):  # the household number, once for its members, as clerks merge it
        sheet.cell(r, 1).value = None
    sheet.merge_cells("A3:A5")
    sheet.merge_cells("H6:H7")  # and a merge across two households' data
    book.save(path)
    many = openpyxl.Workbook()
    first = many.active
    first.title = "户信息"
    for row in [HOUSEHOLD_HEADER, *household_rows()]:
        first.append(row)
    for i in range(199):
        many.create_sheet(f"附表{i + 1}").append(["说明", f"第{i + 1}页"])
    many.save(folder / "200-sheets.xlsx")
    return {
        # A value merged down data rows belongs to each row, as a clerk sees it: the
        # household number fills its members' rows, and only the planted MED002 is left.
        "merged-across-rows": Expect("merged-rows.xlsx", 1, codes=frozenset({"MED002"})),
        "200-sheets": Expect("200-sheets.xlsx", 0, codes=frozenset({"F003"})),
    }


def path_names(folder: Path) -> dict[str, Expect]:
    for name in ("with space.xlsx", "扶贫台账 2020.xlsx", "-x.xlsx"):
        office_workbook(folder / name, members=bad_members())
    med = frozenset({"MED002"})
    return {
        "name-with-space": Expect("with space.xlsx", 1, codes=med),
        "name-chinese": Expect("扶贫台账 2020.xlsx", 1, codes=med),
        "name-leading-dash-after-separator": Expect(
            "-x.xlsx", 1, argv=("--", "-x.xlsx"), codes=med
        ),
        "name-leading-dash-dot-slash": Expect("-x.xlsx", 1, argv=("./-x.xlsx",), codes=med),
    }


def encodings(folder: Path) -> dict[str, Expect]:
    """XML parts calamine must not see: UTF-16 (markup our byte scans cannot see through)."""
    base = sst_workbook(folder / "enc.tmp.xlsx", ledger_sheets())

    def utf16(data: bytes) -> bytes:
        text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        return text.encode("utf-16")

    patch_zip(base, folder / "utf16-sheet.xlsx", "xl/worksheets/sheet1.xml", utf16)
    base.unlink()
    return {"utf16-sheet-xml": Expect("utf16-sheet.xlsx", 2, "unsupported XML encoding")}


BUILDERS: list[Callable[[Path], dict[str, Expect]]] = [
    broken_files,
    bombs,
    allocation_bombs,
    entities,
    encrypted,
    renamed_formats,
    csv_files,
    excel_row_limit,
    cell_troubles,
    layouts,
    path_names,
    encodings,
]


def main(argv: list[str]) -> int:
    folder = Path(argv[1] if len(argv) > 1 else "hostile-corpus")
    started = dt.datetime.now()
    for name, expect in make_corpus(folder).items():
        print(f"{name:40} exit {expect.exit}  {expect.file}  {expect.reason or ''}")
    print(f"written to {folder} in {(dt.datetime.now() - started).total_seconds():.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
