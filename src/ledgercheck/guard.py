"""Check a workbook's container before calamine parses it.

calamine never expands XML entities, but it believes what a file declares: one value cell at
XFD1048576 makes it allocate the whole dense range (17 billion cells), a sharedStrings
``uniqueCount`` is reserved up front, an .xls DIMENSIONS record is reserved as written — and a
failed Rust allocation aborts the process instead of raising. So every part calamine may parse
is inflated here first, in bounded chunks and without trusting the sizes the zip declares, and
checked against `Limits`. Anything unsafe raises `Refused` with a reason a clerk can read.
"""

from __future__ import annotations

import functools
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any
from xml.parsers import expat

if TYPE_CHECKING:
    from ledgercheck.read import Limits

CHUNK = 4 * 1024 * 1024  # inflated bytes per step: bounds memory whatever the part's size
EXCEL_ROWS = 1_048_576
EXCEL_COLS = 16_384
MAX_DIRECTORY_BYTES = 16 * 1024 * 1024  # a real workbook's zip directory is a few kilobytes
MAX_RATIO = 250  # real sheet XML deflates 5–20×; deflate itself tops out near 1032×
RATIO_FLOOR = 16 * 1024 * 1024  # a part this small cannot hurt, whatever its ratio
MAX_META_BYTES = 64 * 1024 * 1024  # workbook.xml and its rels: kilobytes in real files
SST_SLACK = 100_000  # how far a sharedStrings count may exceed the strings it holds
# python-calamine turns each merged range into Python tuples (~200 bytes); real sheets have
# hundreds, and a sheet's worth of merges is still far below this.
MAX_MERGES = 1_000_000
# calamine parses the fixed .xml/.rels parts and, as worksheets, whatever the workbook's rels
# point to under these folders, whatever its name; media and embeddings it never opens.
XML_SUFFIXES = (".xml", ".rels", ".vml")
SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/")


class Refused(Exception):
    """The file is unsafe or impossible to read; the message says why, in one line."""


@dataclass
class PartScan:
    """What one XML part holds, as far as calamine's memory is concerned."""

    name: str  # how messages name it: the sheet's name where known, else the zip entry
    cells: int = 0  # cell elements, valued or not
    rows: int = 0  # 1 + the last row index holding a value
    cols: int = 0  # 1 + the last column index holding a value
    canonical: bool = True  # every cell written <c r="A1" …>: the fast scan is exact
    uncached: set[tuple[int, int]] = field(default_factory=set)  # formulas without <v> (F009)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # #N/A, #DIV/0! …


# --- the zip container ---------------------------------------------------------------


@dataclass
class Plan:
    """A workbook whose container and every part calamine reads on opening are checked.

    Its worksheets are left for `scan_sheet`, each scanned just before calamine loads it:
    a process that reads some of a workbook's sheets scans only those.
    """

    kind: str  # "xlsx" or "ods": which reader calamine will pick
    deferred: dict[str, zipfile.ZipInfo] = field(default_factory=dict)  # sheet name → part


def prepare(fh: IO[bytes], limits: Limits) -> Plan:
    infos = _members(fh, limits)
    names = {i.filename for i in infos}
    if "xl/workbook.bin" in names:
        raise Refused("binary workbook (.xlsb) is not supported: save it as .xlsx")
    kind = "ods" if "content.xml" in names and "xl/workbook.xml" not in names else "xlsx"
    titles = _sheet_names(fh) if kind == "xlsx" else {}
    plan = Plan(kind)
    for info in infos:
        title = titles.get(info.filename)
        if title is not None:
            plan.deferred[title] = info
        else:
            _scan_member(fh, info, limits)
    return plan


def scan_sheet(fh: IO[bytes], info: zipfile.ZipInfo, limits: Limits, title: str) -> PartScan:
    """One worksheet's part, before calamine may load it."""
    return _scan_member(fh, info, limits, title)


def _members(fh: IO[bytes], limits: Limits) -> list[zipfile.ZipInfo]:
    _check_directory(fh)
    try:
        with zipfile.ZipFile(fh) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise Refused(f"corrupt workbook (bad zip: {exc})") from exc
    total = sum(i.file_size for i in infos)
    if total > limits.max_uncompressed_bytes:
        raise Refused(
            f"workbook expands to {total} bytes, over the limit of "
            f"{limits.max_uncompressed_bytes} (zip bomb?)"
        )
    for info in infos:
        _check_member(info)
    return infos


def _check_member(info: zipfile.ZipInfo) -> None:
    if info.flag_bits & 0x1:
        raise Refused(f"zip entry {info.filename} is encrypted")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
        raise Refused(f"zip bomb: {info.filename} expands {ratio:.0f}× (limit {MAX_RATIO}×)")


def _check_directory(fh: IO[bytes]) -> None:
    """One end record, at the very end, right after a small directory: one reading only.

    Python's zipfile and calamine's Rust zip must see the same entries, or the guard would
    check one workbook and calamine read another; data before the first entry or after the
    end record is where two readers disagree.
    """
    fh.seek(0, 2)
    end = fh.tell()
    start = max(0, end - 65_557)
    fh.seek(start)
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise Refused("corrupt workbook (bad zip: no end of central directory; truncated?)")
    size, offset, comment = struct.unpack_from("<IIH", tail, at + 12)
    if at + 22 + comment != len(tail):
        raise Refused("corrupt workbook (zip has bytes after its end record)")
    directory_end = start + at
    if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":  # zip64: many entries or big
        size, offset, directory_end = _zip64_directory(fh, start + at)
    if size > MAX_DIRECTORY_BYTES:
        raise Refused(f"corrupt workbook (zip directory of {size} bytes)")
    if offset + size != directory_end:
        raise Refused("corrupt workbook (zip directory is not where its end record says)")


def _zip64_directory(fh: IO[bytes], eocd: int) -> tuple[int, int, int]:
    """(size, offset, position of the zip64 end record that follows the directory)."""
    fh.seek(max(0, eocd - 20))
    locator = fh.read(20)
    if len(locator) < 20 or locator[:4] != b"PK\x06\x07":
        raise Refused("corrupt workbook (zip64 record missing)")
    (where,) = struct.unpack_from("<Q", locator, 8)
    fh.seek(where)
    record = fh.read(56)
    if len(record) < 56 or record[:4] != b"PK\x06\x06":
        raise Refused("corrupt workbook (zip64 record missing)")
    size, offset = struct.unpack_from("<QQ", record, 40)
    return size, offset, where


def inflate(fh: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A member's real bytes in chunks; more or fewer than its directory entry says is refused.

    The deflate stream is inflated by hand: zipfile stops at the declared size, calamine's
    reader may not, so only the stream itself tells how much it really holds.
    """
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise Refused(f"corrupt workbook (bad zip entry {info.filename})")
    name_len, extra_len = struct.unpack_from("<HH", local, 26)
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_STORED:
        yield from _stored(fh, info)
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        yield from _deflated(fh, info)
    else:
        raise Refused(f"unsupported compression in zip entry {info.filename}")


def _stored(fh: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    if info.compress_size != info.file_size:
        raise Refused(f"zip entry {info.filename} declares false sizes (corrupt or hostile)")
    left = info.file_size
    while left:
        data = fh.read(min(CHUNK, left))
        if not data:
            raise Refused(f"corrupt workbook (zip entry {info.filename} is truncated)")
        left -= len(data)
        yield data


def _deflated(fh: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-15)
    left = info.compress_size
    produced = 0
    while not inflater.eof:
        data = inflater.unconsumed_tail
        if not data and left > 0:
            data = fh.read(min(CHUNK, left))
            left -= len(data)
        try:
            out = inflater.decompress(data, CHUNK)  # b"" input drains pending output
        except zlib.error as exc:
            raise Refused(f"corrupt workbook (zip entry {info.filename}: {exc})") from exc
        if not out and not data:
            break  # input exhausted before the stream's end
        produced += len(out)
        if produced > info.file_size:
            raise Refused(
                f"zip entry {info.filename} holds more than the {info.file_size} bytes it "
                "declares (zip bomb?)"
            )
        if out:
            yield out
    if produced != info.file_size:
        raise Refused(f"corrupt workbook (zip entry {info.filename} is truncated)")


# --- one part ------------------------------------------------------------------------


def _parsed_as_xml(name: str) -> bool:
    return name.lower().endswith(XML_SUFFIXES) or name.startswith(SHEET_FOLDERS)


def _scan_member(
    fh: IO[bytes], info: zipfile.ZipInfo, limits: Limits, title: str | None = None
) -> PartScan:
    scan = PartScan(f"sheet {title!r}" if title is not None else info.filename)
    if not _parsed_as_xml(info.filename):
        return scan  # an image or embedding: calamine never inflates it
    sst = _SharedStrings(info.filename)
    bounds = _Bounds()
    merges = 0
    for piece in _pieces(inflate(fh, info)):
        _check_xml(piece, info.filename)
        sst.feed(piece)
        if _found(_MERGE, piece, b"g", 3):
            merges += piece.count(b"mergeCell") - piece.count(b"mergeCells")  # starts, ends
        if merges > 2 * MAX_MERGES:
            raise Refused(f"{scan.name} has over {MAX_MERGES} merged ranges")
        if scan.canonical:
            _fast_feed(scan, bounds, piece, limits)
    sst.close()
    if not scan.canonical:
        scan = _slow_sheet(fh, info, limits, scan.name)
    elif bounds.exact:
        _exact_extent(fh, info, scan, limits)
    if info.filename == "content.xml":
        _scan_ods(fh, info, limits)
    return scan


def _pieces(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Re-cut inflated chunks just after a cell or row end, so no cell straddles two pieces.

    The pieces are those of cutting `tail + chunk` at `_cut`, but each is copied once: the
    short tail left from one chunk is joined to the next chunk's head, never the whole.
    """
    tail = b""
    for chunk in chunks:
        cut = _cut(tail, chunk)
        if cut > len(tail):  # the usual case: the piece ends in this chunk
            head = cut - len(tail)
            piece = b"".join((tail, memoryview(chunk)[:head]))
            tail = chunk[head:]
        else:  # no cell or row end yet (0), or a cut inside a long tail
            piece, tail = tail[:cut], tail[cut:] + chunk
        if piece:
            yield piece
    if tail:
        yield tail


def _cut(tail: bytes, chunk: bytes) -> int:
    """Where a piece of `tail + chunk` ends: just after its last cell or row end (0: none)."""
    end = max(_end_of(b"</c>", tail, chunk), _end_of(b"</row>", tail, chunk))
    size = len(tail) + len(chunk)
    if end == 0 and size > 2 * CHUNK:  # no cell in 8 MiB: not a sheet, cut after a tag
        end = _end_of(b">", tail, chunk) or size - 64
    return end


def _end_of(mark: bytes, tail: bytes, chunk: bytes) -> int:
    """Where the last `mark` in `tail + chunk` ends (0: none), without joining the two."""
    at = chunk.rfind(mark)
    if at >= 0:
        return len(tail) + at + len(mark)
    if len(mark) > 1:  # one astride the seam comes after any in the tail
        left = tail[1 - len(mark) :]
        at = (left + chunk[: len(mark) - 1]).rfind(mark)
        if at >= 0:
            return len(tail) - len(left) + at + len(mark)
    at = tail.rfind(mark)
    return at + len(mark) if at >= 0 else 0


_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_MERGE = re.compile(b"mergeCell")
_FEW = 16  # places worth trying one by one before a pattern searches the whole piece


def _found(pattern: re.Pattern[bytes], piece: bytes, byte: bytes, at: int) -> bool:
    """Whether `pattern`, whose every match holds `byte` at offset `at`, matches in `piece`.

    A pattern search reads the piece byte by byte; a one-byte scan (memchr) is ten times as
    fast, and finds the only places a match could start. The bytes asked for are rare in cell
    data (a sheet's header or tail may hold a few): where one is common, the search decides.
    """
    i = piece.find(byte)
    for _ in range(_FEW):
        if i < 0:
            return False
        if i >= at and pattern.match(piece, i - at):
            return True
        i = piece.find(byte, i + 1)
    return pattern.search(piece) is not None


def _check_xml(piece: bytes, part: str) -> None:
    # A NUL never occurs in UTF-8 XML; it is the mark of UTF-16, which the byte scans here
    # would not see through — and real workbooks are always UTF-8.
    if b"\x00" in piece or piece.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Refused(f"unsupported XML encoding (UTF-16 or NUL bytes) in {part}")
    # calamine does not expand entities, but a DTD in a spreadsheet part is always hostile.
    if _found(_DECLARATION, piece, b"!", 1):
        raise Refused(f"unsafe XML (entity declaration) in {part}")


# --- cells, the fast way: exact when every cell is written <c r="A1" …> -------------------
#
# A full parse costs a microsecond a cell; these byte scans cost a few hundredths of a second
# per 100 MB. They prove the sheet's extent small enough, or fall back to exact counting.

# A cell start other than `<c r="A1"` with a plain ref, or one with a second r attribute
# (calamine would take that one). Quoted values are skipped whole: '>' may occur in them.
_SUSPECT = re.compile(
    rb'<c(?![\w.:\-\x80-\xff]| r="[A-Z]{1,3}[1-9][0-9]{0,6}"'
    rb'(?!(?:[^>"\']|"[^"]*"|\'[^\']*\')*?\sr\s*=))'
)
_PREFIXED = re.compile(rb":c[\s/>]")  # <x:c …>: calamine matches local names
_LETTERS2 = re.compile(rb'<c r="[A-Z]{2}')
_LETTERS3 = re.compile(rb'<c r="[A-Z]{3}')
# A cell with a value: calamine puts it in the range; a self-closing <c …/> it skips.
_VALUED_ROWS = re.compile(rb'<c r="[A-Z]+([0-9]+)"[^>]*(?<!/)>')
_VALUED_COLS = re.compile(rb'<c r="([A-Z]+)[0-9]+"[^>]*(?<!/)>')
_HAS_FORMULA = re.compile(rb"<f[\s>/]")
_HAS_ERROR = re.compile(rb't="e"')
# A whole cell, body bounded and possessive: linear time whatever the file.
_CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"([^>]*)>((?:[^<]++|<(?!/c>)){0,64}+)</c>')
_CACHED = re.compile(rb"<v>[^<]+</v>")
_ERROR_VALUE = re.compile(rb"<v>(#[^<]{1,16})</v>")

# What _SUSPECT asks, put so that an ordinary cell costs the regex engine a few steps instead
# of a walk over its attributes: a cell start that is not `<c r="A1"` with a plain ref, then
# attributes none named r, then the tag's end. Where this finds nothing, so does _SUSPECT: a
# start followed by a name character both skip; any other is found here unless such a tag
# follows, and on it every step of _SUSPECT's walk is a space before a name not starting
# with r, a name or '=' character, a quoted value skipped whole, or '/', until the '>' that
# ends the walk — never `\sr\s*=`. What this finds may be merely unusual: _SUSPECT decides.
# The tags writers write are tried in a pattern of their own first: the general one costs
# the engine more on every cell.
_USUAL_TAG_END = rb'(?: t="[^"]*+">| s="[^"]*+">|>| s="[^"]*+" t="[^"]*+">|/>| s="[^"]*+"/>)'
_ANY_TAG_END = rb'(?: [^\s"\'<>=/r][^\s"\'<>=/]*+="[^"]*+")*+/?>'


@dataclass
class _Bounds:
    """Upper bounds proven so far for one part; `exact` once they could not prove it small."""

    cols: int = 0
    pieces: int = 0
    exact: bool = False


def _fast_feed(scan: PartScan, bounds: _Bounds, piece: bytes, limits: Limits) -> None:
    cols = _cleared(bounds, piece, limits)
    if (cols is None and _suspect(piece)) or _prefixed(piece):
        scan.canonical = False
        return
    cells = piece.count(b'<c r="')
    scan.cells += cells
    if scan.cells > limits.max_cells:
        _check_extent(scan, limits)
    if cells and not bounds.exact:
        if cols:  # proven inside the bounds: all _bound would do is count the piece
            bounds.cols, bounds.pieces = cols, bounds.pieces + 1
        else:
            _bound(bounds, piece, limits)
    if _may_hold_formulas(piece) and not _all_cached(piece):
        _formulas(scan, piece)


def _suspect(piece: bytes) -> bool:
    """The exact verdict, by the regex that walks every cell's attributes: slow."""
    return _SUSPECT.search(piece) is not None


def _cleared(bounds: _Bounds, piece: bytes, limits: Limits) -> int | None:
    """A cheap proof that `piece` holds no cell _SUSPECT would find: None when there is none.
    Else the column bound the refs were shown to keep to, with row numbers too short for
    `_row_digits`, so that all `_bound` would do is count the piece; 0 if not shown."""
    at = 0
    if not bounds.exact:
        # A first piece: the narrowest bound, which is what `_col_bound` gives when it holds.
        cols = bounds.cols if bounds.pieces else 26
        digits = _row_digits_below(cols, limits)
        if digits:
            at = _first_unproven(piece, _letters_within(cols), digits)
            if at < 0:
                return cols
    # Cells before `at` were shown inside the bounds, so plain: asked again from there.
    return 0 if _first_unproven(piece, b"[A-Z]{1,3}", 7, at) < 0 else None


def _first_unproven(piece: bytes, letters: bytes, digits: int, start: int = 0) -> int:
    """Where the first cell start that could be one _SUSPECT finds is (-1: none), refs
    having `letters` and at most `digits` digits ([A-Z]{1,3} and 7: as _SUSPECT takes them)."""
    found = _unproven(letters, digits, _USUAL_TAG_END).search(piece, start)
    if found:  # a tag as writers do not write it: the general pattern, from there on
        found = _unproven(letters, digits, _ANY_TAG_END).search(piece, found.start())
    return found.start() if found else -1


@functools.lru_cache(maxsize=64)
def _unproven(letters: bytes, digits: int, tag_end: bytes) -> re.Pattern[bytes]:
    """A cell start not shown harmless, with refs of `letters` and 1 to `digits` digits."""
    ref = letters + b"[1-9][0-9]{0,%d}+" % (digits - 1)
    return re.compile(rb'<c(?! r="' + ref + b'"' + tag_end + rb")(?![\w.:\-\x80-\xff])")


def _letters_within(cols: int) -> bytes:
    """A ref's letters that `_wider` finds no wider than `cols`, a bound `_col_bound` gave."""
    if cols <= 26:
        return b"[A-Z]"
    if cols >= 18_278:
        return b"[A-Z]{1,3}"
    higher = cols // 26 - 1  # the first letter `_wider` looks for in two-letter refs
    return b"[A-Z]{1,2}" if higher >= 26 else b"[A-%c]?[A-Z]" % (64 + higher)


def _row_digits_below(cols: int, limits: Limits) -> int:
    """The most digits a row number may have for `_row_digits` to find none (0: no such)."""
    cap = min(limits.max_rows, limits.max_cells // max(cols, 1))
    return min(len(str(cap)) - 1, 7)


def _prefixed(piece: bytes) -> bool:
    return _found(_PREFIXED, piece, b":", 0)


def _may_hold_formulas(piece: bytes) -> bool:
    """Whether `_formulas` could find anything: a formula needs an f, an error value a #."""
    return _found(_HAS_FORMULA, piece, b"f", 1) or (
        b"#" in piece and _HAS_ERROR.search(piece) is not None
    )


# A formula element and the cached value right after it, as Excel and WPS save them.
_CACHED_FORMULA = re.compile(rb"<f(?:[\s/][^>]*)?(?:/>|>[^<]*</f>)<v>[^<]+</v>")


def _all_cached(piece: bytes) -> bool:
    """Nothing for `_formulas` to record, shown without parsing every cell of the piece (a
    microsecond a cell): no error cell, and each formula followed by its cached value.

    Each match of _CACHED_FORMULA starts at a formula start _HAS_FORMULA finds, so equal
    counts mean every formula is cached; its value then lies in the body _CELL takes, which
    ends at the first </c> and neither the formula nor the value holds one.
    """
    if b't="e"' in piece:
        return False
    return sum(1 for _ in _HAS_FORMULA.finditer(piece)) == sum(
        1 for _ in _CACHED_FORMULA.finditer(piece)
    )


def _bound(bounds: _Bounds, piece: bytes, limits: Limits) -> None:
    if bounds.pieces and _wider(piece, bounds.cols):
        bounds.exact = True  # earlier pieces were checked against a looser row cap
        return
    if not bounds.pieces:
        bounds.cols = _col_bound(piece)
    bounds.pieces += 1
    cap = min(limits.max_rows, limits.max_cells // max(bounds.cols, 1))
    # Most sheets have no row number as long as the cap's: one quick scan clears them.
    if _row_digits(len(str(cap))).search(piece) and _rows_above(cap).search(piece):
        bounds.exact = True


def _col_bound(piece: bytes) -> int:
    """An upper bound on the columns of `piece`'s cells: 26, <L>Z for two letters, or ZZZ."""
    if _LETTERS3.search(piece):
        return 18_278
    if not _LETTERS2.search(piece):
        return 26
    lo, hi = 0, 25  # the highest first letter among two-letter refs, by bisection
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _first_letter_at_least(mid).search(piece):
            lo = mid
        else:
            hi = mid - 1
    return 26 * (lo + 2)


def _wider(piece: bytes, cols: int) -> bool:
    """Whether `piece` has a cell beyond the bound `_col_bound` gave: one scan, not a bisection."""
    if cols == 26:
        return _LETTERS2.search(piece) is not None  # also finds three-letter refs
    if cols >= 18_278 or _LETTERS3.search(piece):
        return cols < 18_278
    higher = cols // 26 - 1  # the first letter after that of the widest two-letter ref
    return higher < 26 and _first_letter_at_least(higher).search(piece) is not None


@functools.lru_cache(maxsize=32)
def _first_letter_at_least(index: int) -> re.Pattern[bytes]:
    return re.compile(b'<c r="[' + bytes([65 + index]) + b"-Z][A-Z][0-9]")


@functools.lru_cache(maxsize=16)
def _row_digits(count: int) -> re.Pattern[bytes]:
    return re.compile(b'<c r="[A-Z]+[0-9]{%d}' % count)


@functools.lru_cache(maxsize=32)
def _rows_above(limit: int) -> re.Pattern[bytes]:
    """A valued cell whose row number exceeds `limit` (canonical refs: no leading zeros)."""
    digits = str(limit)
    alternatives = [f"[1-9][0-9]{{{len(digits)},}}"]
    for i, ch in enumerate(digits):
        if ch != "9":
            alternatives.append(f"{digits[:i]}[{int(ch) + 1}-9][0-9]{{{len(digits) - i - 1}}}")
    rows = "|".join(alternatives).encode()
    return re.compile(b'<c r="[A-Z]+(?:' + rows + b')"[^>]*(?<!/)>')


def _exact_extent(fh: IO[bytes], info: zipfile.ZipInfo, scan: PartScan, limits: Limits) -> None:
    """Every valued cell's ref, read again: for big sheets the bounds could not clear."""
    for piece in _pieces(inflate(fh, info)):
        rows = _VALUED_ROWS.findall(piece)
        if rows:
            scan.rows = max(scan.rows, max(map(int, rows)))
            scan.cols = max(scan.cols, max(map(col_number, set(_VALUED_COLS.findall(piece)))))
            _check_extent(scan, limits)


def _formulas(scan: PartScan, piece: bytes) -> None:
    for m in _CELL.finditer(piece):
        at = (int(m.group(2)) - 1, col_number(m.group(1)) - 1)
        attrs, body = m.group(3), m.group(4)
        if _HAS_FORMULA.search(body) and not _CACHED.search(body):
            scan.uncached.add(at)
        if b't="e"' in attrs and (err := _ERROR_VALUE.search(body)):
            scan.errors[at] = err.group(1).decode("ascii", "replace")


def _check_extent(scan: PartScan, limits: Limits) -> None:
    if scan.cells > limits.max_cells:
        raise Refused(f"{scan.name} holds over {limits.max_cells} cells, over the limit")
    if scan.rows > limits.max_rows:
        raise Refused(
            f"{scan.name} has data in row {scan.rows}, over the limit of {limits.max_rows} rows"
        )
    if scan.rows * scan.cols > limits.max_cells:
        raise Refused(
            f"{scan.name} spans at least {scan.rows} rows × {scan.cols} columns, over the "
            f"limit of {limits.max_cells} cells"
        )


def col_number(letters: bytes | str) -> int:
    """A1-style column letters → 1-based number (case-insensitive, as calamine reads them)."""
    text = letters.decode("ascii", "replace") if isinstance(letters, bytes) else letters
    n = 0
    for ch in text.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


# --- cells, the slow way: parse, placing cells exactly as calamine does -------------------


def _expat(
    start: Callable[[str, dict[str, str]], None], end: Callable[[str], None]
) -> expat.XMLParserType:
    """An expat parser that refuses any DTD, as defusedxml does."""

    def forbid(*_: Any) -> Any:
        raise Refused("unsafe XML (entity declaration)")

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = forbid
    parser.EntityDeclHandler = forbid
    parser.UnparsedEntityDeclHandler = forbid
    parser.ExternalEntityRefHandler = forbid
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    return parser


def _parse(fh: IO[bytes], info: zipfile.ZipInfo, parser: expat.XMLParserType) -> None:
    try:
        for chunk in inflate(fh, info):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise Refused(f"malformed XML in {info.filename} ({exc})") from exc


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _SheetWalk:
    """calamine's placement: a cell's r="A1" if it has one, else the running row and column."""

    def __init__(self, scan: PartScan, limits: Limits) -> None:
        self.scan, self.limits = scan, limits
        self.row = self.col = 0
        self.cell: tuple[int, int] | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "row" and (r := _number(attrs.get("r"))) is not None:
            self.row = r - 1
        elif local == "c":
            ref = _ref(attrs.get("r")) if "r" in attrs else None
            if ref is not None:
                self.col = ref[1]
            self.cell = ref or (self.row, self.col)
            self.col += 1
            self.scan.cells += 1
            _check_extent(self.scan, self.limits)
        elif local in ("v", "is") and self.cell is not None:
            self.scan.rows = max(self.scan.rows, self.cell[0] + 1)
            self.scan.cols = max(self.scan.cols, self.cell[1] + 1)
            _check_extent(self.scan, self.limits)

    def end(self, name: str) -> None:
        local = _local(name)
        if local == "row":
            self.row, self.col = self.row + 1, 0
        elif local == "c":
            self.cell = None


_REF = re.compile(r"([A-Za-z]+)([0-9]+)")


def _ref(text: str | None) -> tuple[int, int] | None:
    m = _REF.fullmatch(text or "")
    if not m or int(m.group(2)) == 0:
        return None  # calamine fails on such a sheet; nothing gets allocated
    return int(m.group(2)) - 1, col_number(m.group(1)) - 1


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isascii() and text.isdigit() and int(text) > 0 else None


def _slow_sheet(fh: IO[bytes], info: zipfile.ZipInfo, limits: Limits, name: str) -> PartScan:
    scan = PartScan(name, canonical=False)
    walk = _SheetWalk(scan, limits)
    _parse(fh, info, _expat(walk.start, walk.end))
    return scan


# --- OpenDocument: repeated rows and columns ---------------------------------------------


class _OdsWalk:
    """Rows and cells as calamine expands them: repeats counted, trailing empties dropped."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.depth = 0
        self.cell_depth = -1
        self.row = self.last = self.width = 0
        self.reps = 1
        self.col = self.row_width = 0
        self.cell_has_data = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        local = _local(name)
        if local == "table":
            self.row, self.last, self.width = 0, 0, 0
        elif local == "table-row":
            self.reps = _repeat(attrs, "number-rows-repeated", EXCEL_ROWS)
            self.col, self.row_width = 0, 0
        elif local in ("table-cell", "covered-table-cell"):
            self.cell_depth = self.depth
            self.col += _repeat(attrs, "number-columns-repeated", EXCEL_COLS)
            self.cell_has_data = any(_local(k) == "value-type" for k in attrs)
        elif self.cell_depth >= 0:
            self.cell_has_data = True  # <text:p> inside a cell

    def end(self, name: str) -> None:
        local = _local(name)
        if local in ("table-cell", "covered-table-cell"):
            if self.cell_has_data:
                self.row_width = min(self.col, EXCEL_COLS)
            self.cell_depth = -1
        elif local == "table-row":
            if self.row_width:
                self.last = min(self.row + self.reps, EXCEL_ROWS)
                self.width = max(self.width, self.row_width)
                self._check()
            self.row += self.reps
        self.depth -= 1

    def _check(self) -> None:
        if self.last > self.limits.max_rows:
            raise Refused(
                f"content.xml reaches row {self.last}, over the limit of "
                f"{self.limits.max_rows} rows"
            )
        if self.last * self.width > self.limits.max_cells:
            raise Refused(
                f"content.xml spans {self.last} rows × {self.width} columns (repeated "
                f"cells), over the limit of {self.limits.max_cells} cells"
            )


def _repeat(attrs: dict[str, str], key: str, cap: int) -> int:
    for k, v in attrs.items():
        if _local(k) == key:
            n = _number(v.strip())
            return min(n, cap) if n else 1
    return 1


def _scan_ods(fh: IO[bytes], info: zipfile.ZipInfo, limits: Limits) -> None:
    walk = _OdsWalk(limits)
    _parse(fh, info, _expat(walk.start, walk.end))


# --- sharedStrings: the count calamine reserves up front ---------------------------------

_SST_ROOT = re.compile(rb"<(?:[\w.\-]+:)?sst\b([^>]*)>")
_COUNT = re.compile(rb"""\b(?:[\w.\-]+:)?(?:uniqueCount|count)\s*=\s*["']\s*([0-9]+)""")
_SI = re.compile(rb"<(?:[\w.\-]+:)?si[\s/>]")
_SST = re.compile(rb"sst")


class _SharedStrings:
    def __init__(self, part: str) -> None:
        self.part = part
        self.declared: int | None = None
        self.held = 0

    def feed(self, piece: bytes) -> None:
        if self.declared is None:
            root = _SST_ROOT.search(piece) if _SST.search(piece) else None
            if root is None:
                return
            self.declared = max((int(n) for n in _COUNT.findall(root.group(1))), default=0)
            piece = piece[root.end() :]
        self.held += piece.count(b"<si>") + piece.count(b"<si ")
        if b":si" in piece:
            self.held += sum(1 for m in _SI.finditer(piece) if not m.group().startswith(b"<si"))

    def close(self) -> None:
        if self.declared is not None and self.declared > self.held + SST_SLACK:
            raise Refused(
                f"{self.part} declares {self.declared} strings but holds {self.held} "
                "(corrupt or hostile)"
            )


# --- which part is which sheet (xlsx) ----------------------------------------------------

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _sheet_names(fh: IO[bytes]) -> dict[str, str]:
    """Zip entry → sheet name (for F009, error cells and messages); empty when unclear."""
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as DET

    try:
        with zipfile.ZipFile(fh) as zf:
            workbook = DET.fromstring(_small(zf, "xl/workbook.xml"))
            rels = DET.fromstring(_small(zf, "xl/_rels/workbook.xml.rels"))
    except (
        KeyError,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        NotImplementedError,
        DefusedXmlException,
        SyntaxError,
        ValueError,
    ):
        return {}  # a broken part is refused by the scan that follows, with its reason
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id")) or ""
        out[_resolve(target)] = sheet.get("name", "")
    return out


def sheet_sizes(fh: IO[bytes]) -> dict[str, int]:
    """Each worksheet's uncompressed bytes by sheet name, from the zip directory alone: how
    to share a workbook's sheets among workers. Empty when unclear; nothing is trusted here,
    the scan before calamine checks every part."""
    try:
        with zipfile.ZipFile(fh) as zf:
            sizes = {i.filename: i.file_size for i in zf.infolist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return {}
    return {title: sizes.get(part, 0) for part, title in _sheet_names(fh).items()}


def _resolve(target: str) -> str:
    """A workbook relationship's target as calamine resolves it."""
    if target.startswith("/xl/"):
        return target[1:]
    return target if target.startswith("xl/") else f"xl/{target}"


def _small(zf: zipfile.ZipFile, name: str) -> bytes:
    if zf.getinfo(name).file_size > MAX_META_BYTES:
        raise ValueError(f"{name} is too large")
    return zf.read(name)


# --- legacy .xls (BIFF in an OLE container) ----------------------------------------------

BIFF_EOF = 0x000A
BIFF_BOUNDSHEET = 0x0085
BIFF_DIMENSIONS = 0x0200
BIFF_MERGEDCELLS = 0x00E5
BIFF_VALUES = {0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x00BD}  # + MULRK
BIFF_BLANKS = {0x0201, 0x00BE}
BIFF_MULTI = {0x00BD, 0x00BE}  # MULRK, MULBLANK: last column in the record's last 2 bytes
XLS_ROWS, XLS_COLS = 65_536, 256


def inspect_xls(source: IO[bytes], limits: Limits) -> None:
    """Refuse an .xls whose records would make calamine reserve or fill a huge range."""
    import olefile

    try:
        ole = olefile.OleFileIO(source)
    except Exception as exc:  # olefile raises many types on a broken container
        raise Refused(f"corrupt .xls file (bad OLE container: {exc})") from exc
    with ole:
        streams = [s for s in ("Workbook", "Book") if ole.exists(s)]
        if not streams:
            raise Refused("not an Excel workbook (OLE file without a Workbook stream)")
        for stream in streams:
            try:
                data = ole.openstream(stream).read()
            except Exception as exc:
                raise Refused(f"corrupt .xls file ({exc})") from exc
            _walk_biff(data, limits)


def _walk_biff(data: bytes, limits: Limits) -> None:
    # calamine reads each sheet from the offset its BOUNDSHEET record gives; walk the same
    # way, with a budget so that overlapping sheets cannot multiply the work.
    budget = [len(data) // 2 + 1024]
    starts = _biff_records(data, 0, budget, limits, collect_sheets=True)
    for offset in sorted(set(starts)):
        _biff_records(data, offset, budget, limits)


def _biff_records(
    data: bytes, pos: int, budget: list[int], limits: Limits, collect_sheets: bool = False
) -> list[int]:
    sheets: list[int] = []
    rows = cols = merges = 0
    unpack = struct.unpack_from
    while pos + 4 <= len(data):
        rtype, rlen = unpack("<HH", data, pos)
        body, pos = pos + 4, pos + 4 + rlen
        budget[0] -= 1
        if budget[0] < 0:
            raise Refused("corrupt .xls file (overlapping sheets)")
        if rtype == BIFF_EOF or pos > len(data):
            break
        if rtype in BIFF_VALUES or rtype in BIFF_BLANKS:
            row, col = _biff_cell(data, body, rlen, rtype)
            if rtype in BIFF_VALUES:
                rows, cols = max(rows, row + 1), max(cols, col + 1)
        elif rtype == BIFF_DIMENSIONS:
            _biff_dimensions(data, body, rlen)
        elif rtype == BIFF_MERGEDCELLS and rlen >= 2:
            merges += unpack("<H", data, body)[0]
            if merges > MAX_MERGES:
                raise Refused(f"sheet has over {MAX_MERGES} merged ranges")
        elif rtype == BIFF_BOUNDSHEET and collect_sheets and rlen >= 4:
            sheets.append(unpack("<I", data, body)[0])
    if rows * cols > limits.max_cells:
        raise Refused(
            f"sheet spans {rows} rows × {cols} columns, over the limit of {limits.max_cells} cells"
        )
    return sheets


def _biff_cell(data: bytes, body: int, rlen: int, rtype: int) -> tuple[int, int]:
    if rlen < 4:
        return 0, 0
    row, col = struct.unpack_from("<HH", data, body)
    if rtype in BIFF_MULTI and rlen >= 6:
        col = max(col, struct.unpack_from("<H", data, body + rlen - 2)[0])
    if col >= XLS_COLS:
        raise Refused(f"corrupt .xls file (a cell in column {col + 1}, beyond IV)")
    return row, col


def _biff_dimensions(data: bytes, body: int, rlen: int) -> None:
    """calamine reserves (last - first) rows × columns, unsigned: first > last wraps round."""
    if rlen >= 14:
        first_row, rows, first_col, cols = struct.unpack_from("<IIHH", data, body)
    elif rlen >= 8:
        first_row, rows, first_col, cols = struct.unpack_from("<HHHH", data, body)
    else:
        return
    if rows > XLS_ROWS or cols > XLS_COLS or first_row > rows or first_col > cols:
        raise Refused(
            f"corrupt .xls file (sheet declares rows {first_row}–{rows}, "
            f"columns {first_col}–{cols})"
        )
