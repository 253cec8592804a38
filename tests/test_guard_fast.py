"""The guard's cheap proofs against the exact regexes they stand in for.

`guard._fast_feed` clears most pieces with a narrow regex, one-byte scans and a count, and
asks `_SUSPECT` and the bound regexes only where a proof does not go through; `_pieces` cuts
chunks without joining them whole. Each is compared here, on real bytes, with the code it
replaced, kept below as the reference: same PartScan, same bounds, same Refused, same pieces.
"""

from __future__ import annotations

import random
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pytest

from hostile.make_corpus import RawEntry, write_raw_zip
from ledgercheck import guard
from ledgercheck.read import Limits

SEED = 20_240_605
LIMITS = {
    "default": Limits(),
    "small": Limits(max_rows=2_000, max_cells=40_000),  # a 7-digit row is past the cap
    "tiny": Limits(max_rows=9, max_cells=30),  # no row number has room: bounds always exact
}

# --- the reference: the guard's per-piece code before the cheap proofs ----------------


def reference_fast_feed(
    scan: guard.PartScan, bounds: guard._Bounds, piece: bytes, limits: Limits
) -> None:
    if guard._SUSPECT.search(piece) or guard._PREFIXED.search(piece):
        scan.canonical = False
        return
    cells = piece.count(b'<c r="')
    scan.cells += cells
    if scan.cells > limits.max_cells:
        guard._check_extent(scan, limits)
    if cells and not bounds.exact:
        guard._bound(bounds, piece, limits)
    if guard._HAS_FORMULA.search(piece) or guard._HAS_ERROR.search(piece):
        guard._formulas(scan, piece)


def reference_check_xml(piece: bytes, part: str) -> None:
    if b"\x00" in piece or piece.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise guard.Refused(f"unsupported XML encoding (UTF-16 or NUL bytes) in {part}")
    if guard._DECLARATION.search(piece):
        raise guard.Refused(f"unsafe XML (entity declaration) in {part}")


def reference_pieces(chunks: Iterable[bytes]) -> Iterator[bytes]:
    buf = b""
    for chunk in chunks:
        buf += chunk
        cut = reference_cut(buf)
        if cut:
            yield buf[:cut]
            buf = buf[cut:]
    if buf:
        yield buf


def reference_cut(buf: bytes) -> int:
    cell, row = buf.rfind(b"</c>"), buf.rfind(b"</row>")
    end = max(cell + 4 if cell >= 0 else 0, row + 6 if row >= 0 else 0)
    if end == 0 and len(buf) > 2 * guard.CHUNK:
        end = buf.rfind(b">") + 1 or len(buf) - 64
    return end


def reference_scan_member(
    fh: IO[bytes], info: zipfile.ZipInfo, limits: Limits, title: str
) -> guard.PartScan:
    scan = guard.PartScan(f"sheet {title!r}")
    sst = guard._SharedStrings(info.filename)
    bounds = guard._Bounds()
    merges = 0
    for piece in reference_pieces(guard.inflate(fh, info)):
        reference_check_xml(piece, info.filename)
        sst.feed(piece)
        merges += piece.count(b"mergeCell") - piece.count(b"mergeCells")
        if merges > 2 * guard.MAX_MERGES:
            raise guard.Refused(f"{scan.name} has over {guard.MAX_MERGES} merged ranges")
        if scan.canonical:
            reference_fast_feed(scan, bounds, piece, limits)
    sst.close()
    if not scan.canonical:
        scan = guard._slow_sheet(fh, info, limits, scan.name)
    elif bounds.exact:
        guard._exact_extent(fh, info, scan, limits)
    return scan


# --- running both --------------------------------------------------------------------

Outcome = tuple[Any, ...]


def fed(feed: Any, pieces: Sequence[bytes], limits: Limits) -> Outcome:
    """What feeding `pieces` in turn leaves behind: the scan and bounds, or the refusal."""
    scan, bounds = guard.PartScan("sheet 'x'"), guard._Bounds()
    try:
        for piece in pieces:
            if scan.canonical:
                feed(scan, bounds, piece, limits)
    except guard.Refused as exc:
        return ("refused", str(exc))
    return (scan, bounds)


def same_feed(pieces: Sequence[bytes], limits: Limits) -> None:
    want = fed(reference_fast_feed, pieces, limits)
    got = fed(guard._fast_feed, pieces, limits)
    assert got == want, (pieces, limits)


def scanned(scan_member: Any, fh: IO[bytes], info: zipfile.ZipInfo, limits: Limits) -> Outcome:
    try:
        return (scan_member(fh, info, limits, "x"),)
    except guard.Refused as exc:
        return ("refused", str(exc))


def sheet(rows: bytes, tail: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="'
        b'http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas'
        b'.openxmlformats.org/officeDocument/2006/relationships"><dimension ref="A1"/>'
        b'<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="2" width="9"/></cols>'
        b"<sheetData>" + rows + b"</sheetData>" + tail + b"</worksheet>"
    )


def member(tmp_path: Path, data: bytes) -> Path:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    entry = RawEntry("xl/worksheets/sheet1.xml", c.compress(data) + c.flush(), len(data), 0)
    return write_raw_zip(tmp_path / "w.xlsx", [entry])


def same_scan(tmp_path: Path, data: bytes, limits: Limits) -> Outcome:
    with member(tmp_path, data).open("rb") as fh, zipfile.ZipFile(fh) as zf:
        info = zf.infolist()[0]
        want = scanned(reference_scan_member, fh, info, limits)
        got = scanned(guard._scan_member, fh, info, limits)
    assert got == want, (data[:400], limits)
    return got


# --- pieces written by hand: each a way a cell can be plain or not ---------------------

ROW = b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="2"><v>1.5</v></c><c r="C1"/></row>'
INLINE = b'<c r="D7" t="inlineStr"><is><t>\xe4\xb8\x89\xe4\xba\x9a</t></is></c>'
CASES: dict[str, list[bytes]] = {
    "canonical": [ROW + INLINE],
    "second r after a value": [b'<c r="A1" s="1" r="B2"><v>1</v></c>'],
    "second r first": [b'<c r="A1" r="B2"><v>1</v></c>'],
    "second r spaced": [b'<c r="A1" s="1" r = "B2"><v>1</v></c>'],
    "second r after a tab": [b'<c r="A1"\tr="B2"><v>1</v></c>'],
    "second r after a newline": [b'<c r="A1" s="1"\nr="B2"><v>1</v></c>'],
    "second r, newline before =": [b'<c r="A1" r\n="B2"><v>1</v></c>'],
    "second r past a quoted >": [b'<c r="A1" x=">" r="B2"><v>1</v></c>'],
    "r spaced first": [b'<c r = "A1"><v>1</v></c>'],
    "r in single quotes": [b"<c r='A1'><v>1</v></c>"],
    "two spaces before r": [b'<c  r="A1"><v>1</v></c>'],
    "no r": [b'<c t="s"><v>1</v></c>', ROW],
    "bare c": [b"<c><v>1</v></c>"],
    "empty c": [ROW + b"<c/>"],
    "cell inside a cell tag": [b'<c r="A1" <c r="B2"><v>1</v></c>'],
    "quote running over cells": [b'<c r="A1" x="a></c><c r="B1" s=" r="><v>1</v></c>'],
    "unclosed quote": [b'<c r="A1" x="abc><v>1</v></c>' + ROW],
    "single-quoted value": [b"<c r=\"A1\" s='1'><v>1</v></c>"],
    "single-quoted r inside": [b'<c r="A1" x=\' r="B2"\'><v>1</v></c>'],
    "r= inside a double-quoted value": [b'<c r="A1" x=" r=1"><v>1</v></c>'],
    "attribute starting with r": [b'<c r="A1" rPh="1"><v>1</v></c>'],
    "attribute r only in name": [b'<c r="A1" tr="1"><v>1</v></c>'],
    "unusual attributes": [b'<c r="A1" s="1" t="s" cm="1" vm="2"><v>0</v></c>' + ROW],
    "attributes out of order": [b'<c r="A1" t="s" s="1"><v>0</v></c>'],
    "self-closing with style": [b'<c r="A1" s="4"/><c r="B1" s="4" />'],
    "lowercase ref": [b'<c r="a1"><v>1</v></c>'],
    "dollar ref": [b'<c r="$A$1"><v>1</v></c>'],
    "leading zero": [b'<c r="A01"><v>1</v></c>'],
    "row zero": [b'<c r="A0"><v>1</v></c>'],
    "space in ref": [b'<c r="A1 "><v>1</v></c>'],
    "empty ref": [b'<c r=""><v>1</v></c>'],
    "digits first": [b'<c r="1A"><v>1</v></c>'],
    "four letters": [b'<c r="AAAA1"><v>1</v></c>'],
    "eight digits": [b'<c r="A12345678"><v>1</v></c>'],
    "prefixed cell": [b'<x:c r="A1"><x:v>1</x:v></x:c>'],
    "prefixed self-closing": [b'<x:c r="A1"/>'],
    "cfRule with operator": [
        ROW,
        b'<conditionalFormatting sqref="A1"><cfRule type="cellIs" operator="equal" '
        b'priority="1"><formula>1</formula></cfRule></conditionalFormatting>',
    ],
    "columns and breaks": [b'<cols><col min="1" max="3"/></cols>' + ROW + b"<colBreaks/>"],
    "formula without value": [b'<c r="B2"><f>SUM(A1:A3)</f></c>' + ROW],
    "formula with value": [b'<c r="B2"><f>SUM(A1:A3)</f><v>6</v></c>'],
    "formula self-closing": [b'<c r="B2"><f t="shared" si="0"/></c>'],
    "formulas all cached": [
        b'<c r="B2"><f>1</f><v>1</v></c><c r="B3"><f t="shared" si="0"/>'
        b'<v>2</v></c><c r="B4"><f t="array" ref="B4">3</f><v>3</v></c>'
    ],
    "formula with an empty value": [b'<c r="B2"><f>1</f><v></v></c><c r="B3"><f>1</f><v/></c>'],
    "uncached formula beside a stray value": [
        b'<c r="B2"><f>1</f></c><c r="B3"><x/><v>5</v></c>',
        b'<c r="B2"><f>1</f></c><c r="B3"></f><v>5</v></c>',
    ],
    "formula in an inline string": [b'<c r="B2" t="inlineStr"><is><t>&lt;f&gt;x</t></is></c>'],
    "error cell": [b'<c r="C3" t="e"><v>#N/A</v></c><c r="D3" t="e"><v>#DIV/0!</v></c>'],
    "error text without t=e": [b'<c r="C3" t="str"><v>#N/A</v></c>'],
    "wide column XFD": [b'<c r="XFD1"><v>1</v></c>'],
    "last cell of Excel": [b'<c r="XFD1048576"><v>1</v></c>'],
    "row past Excel": [b'<c r="A1048577"><v>1</v></c>'],
    "row of 7 digits": [ROW, b'<row r="1000000"><c r="A1000000"><v>1</v></c></row>'],
    "two-letter columns": [b'<c r="A1"><v>1</v></c><c r="AB1"><v>1</v></c>'],
    "wider in a later piece": [ROW, b'<c r="AA2"><v>1</v></c>', b'<c r="ZZ3"><v>1</v></c>'],
    "three letters later": [b'<c r="BA1"><v>1</v></c>', b'<c r="AAA2"><v>1</v></c>'],
    "narrower later": [b'<c r="CA1"><v>1</v></c>', ROW, b'<c r="BZ2"><v>1</v></c>'],
    "first letter one higher later": [b'<c r="BA1"><v>1</v></c>', b'<c r="CA2"><v>1</v></c>'],
    "first letter the same later": [b'<c r="BA1"><v>1</v></c>', b'<c r="BZ2"><v>1</v></c>'],
    "two letters from Z": [b'<c r="ZA1"><v>1</v></c>', b'<c r="ZZ2"><v>1</v></c>', ROW],
    "first piece without cells": [b"<sheetData>", ROW],
    "empty piece then wide": [b"", b'<c r="ABC1"><v>1</v></c>'],
    "valueless cells": [b'<c r="A1"/><c r="B1" s="1"/><c r="C1"></c>'],
    "name character after c": [b'<cq r="A1"><v>1</v></cq><c.x r="A1"/><c-y/><c\xe4/>'],
    "many cells": [ROW * 40],
}


@pytest.mark.parametrize("limits", LIMITS.values(), ids=LIMITS.keys())
@pytest.mark.parametrize("name", CASES)
def test_hand_made_pieces_give_the_reference_verdict(name: str, limits: Limits) -> None:
    same_feed(CASES[name], limits)


def test_the_cases_take_every_path() -> None:
    """The hand-made cases reach each branch of the fast path, not only the easy one."""
    seen = {"bounded": 0, "plain": 0, "suspect": 0, "not suspect": 0}
    for pieces in CASES.values():
        bounds = guard._Bounds()
        for piece in pieces:
            cols = guard._cleared(bounds, piece, Limits())
            if cols:
                seen["bounded"] += 1
            elif cols == 0:
                seen["plain"] += 1
            else:
                seen["suspect" if guard._suspect(piece) else "not suspect"] += 1
            guard._fast_feed(guard.PartScan("x"), bounds, piece, Limits())
    assert all(seen.values()), seen


# --- random pieces from the same parts --------------------------------------------------

STARTS = [b'<c r="A1"', b'<c r="Z9"', b'<c r="AB12"', b'<c r="XFD1048576"', b'<c r="B999999"',
          b'<c r="C1000000"', b'<c r="a1"', b'<c r="$A$1"', b'<c r="A01"', b'<c r="A"',
          b'<c r=""', b"<c r='A1'", b'<c  r="A1"', b'<c\tr="A1"', b"<c", b'<c t="s"',
          b'<x:c r="A1"', b'<col min="1"', b"<cfRule", b'<c r="AAAA1"', b'<c r="A1 "',
          b'<c r = "A1"', b'<c r="ZZ7"', b'<c r="AAA7"']  # fmt: skip
ATTRS = [b"", b"", b' s="1"', b' t="s"', b' t="inlineStr"', b' t="e"', b' r="B2"', b' r = "B2"',
         b' x=">"', b' x="', b"'", b' cm="1"', b' rPh="1"', b'\nr="C3"', b' r\n="C3"', b' s="1" ',
         b'"', b" r", b"="]  # fmt: skip
ENDS = [b">", b">", b"/>", b" />", b"", b" >"]
BODIES = [b"<v>1</v>", b"<v>#N/A</v>", b"<f>A1</f>", b"<f>1</f><v>2</v>", b"<f/>", b"",
          b"<is><t>x</t></is>", b"<v>a r=1</v>", b"</c>", b"</row>", b'<row r="5">', b"<c",
          b'<mergeCell ref="A1:B2"/>', b"<!DOCTYPE x>", b":c ", b"<sst count='9'>",
          b'<f t="shared" si="0"/><v>3</v>', b"<f>1</f><v></v>", b"<f>1</f><v/>",
          b"</f><v>5</v>", b"<x/><v>5</v>", b'<f t="array" ref="A1">1</f><v>1</v>',
          b"<f>1</f><v>1</v><f>2</f>"]  # fmt: skip


def random_piece(rng: random.Random) -> bytes:
    out = []
    for _ in range(rng.randrange(1, 12)):
        if rng.random() < 0.7:
            out += [rng.choice(STARTS), *rng.choices(ATTRS, k=rng.randrange(3)), rng.choice(ENDS)]
        out += [rng.choice(BODIES), b"</c>" if rng.random() < 0.6 else b""]
    return b"".join(out)


@pytest.mark.parametrize("limits", LIMITS.values(), ids=LIMITS.keys())
def test_random_pieces_give_the_reference_verdict(limits: Limits) -> None:
    rng = random.Random(SEED)
    for _ in range(1500):
        same_feed([random_piece(rng) for _ in range(rng.randrange(1, 4))], limits)


def test_random_canonical_sheets_give_the_reference_bounds() -> None:
    """Plain cells only, over a few pieces: what is under test is the bounds, which depend on
    the widest column and the longest row number in each piece and on the limits."""
    rng = random.Random(SEED + 1)
    rows = [1, 9, 99, 2_000, 10**5, 10**6 - 1, 10**6, 1_048_577]
    for _ in range(400):
        letters = rng.choice(["A", "AZ", "ABC", "BCY", "XYZ"])
        pieces = []
        for _ in range(rng.randrange(1, 5)):
            refs = [
                "".join(rng.choices(letters, k=rng.choice([1, 1, 1, 2, 2, 3]))).encode()
                + b"%d" % rng.choice(rows)
                for _ in range(rng.randrange(0, 6))
            ]
            pieces.append(b"".join(b'<c r="%s" s="1"><v>1</v></c>' % ref for ref in refs))
        for limits in LIMITS.values():
            same_feed(pieces, limits)


# --- the one-byte scans ----------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, guard._FEW - 1, guard._FEW, guard._FEW + 1, 200])
@pytest.mark.parametrize("where", ["none", "first", "last"])
def test_found_agrees_with_a_search(count: int, where: str) -> None:
    """`_found` tries the rare byte's places one by one, then gives way to the search."""
    rng = random.Random(count)
    noise = [b"!x", b"<!-", b"a!", b"<f", b"f>", b"ff", b":", b"::c", b"g"]
    parts = [rng.choice(noise) for _ in range(count)]
    hit = {"none": [], "first": [0], "last": [len(parts)]}[where]
    for at in hit:
        parts.insert(at, b"<!DocType x>")
    piece = b"..".join(parts)
    for pattern, byte, at in [
        (guard._DECLARATION, b"!", 1),
        (guard._HAS_FORMULA, b"f", 1),
        (guard._PREFIXED, b":", 0),
        (guard._MERGE, b"g", 3),
    ]:
        assert guard._found(pattern, piece, byte, at) == bool(pattern.search(piece))


@pytest.mark.parametrize(
    "piece",
    [
        b"<!DOCTYPE x>",
        b"<!doctype x>",
        b"<!DocType x>",
        b"<!ENTITY e 'x'>",
        b"<!eNtItY e>",
        b"<!-- a comment -->",
        b"!" * 100 + b"<!DOCTYPE x>",
        b"<!" * 100,
        b"\x00",
        b"\xff\xfe<",
        b"<c>!</c>" * 40,
    ],
)
def test_check_xml_refuses_as_before(piece: bytes) -> None:
    def outcome(check: Any) -> str:
        try:
            check(piece, "part")
        except guard.Refused as exc:
            return str(exc)
        return "ok"

    assert outcome(guard._check_xml) == outcome(reference_check_xml)


# --- cutting ---------------------------------------------------------------------------


def random_chunks(rng: random.Random, data: bytes) -> list[bytes]:
    chunks, at = [], 0
    while at < len(data):
        size = rng.choice([1, 2, 3, 5, 8, 13, 40, 200])
        chunks.append(data[at : at + size])
        at += size
    return chunks


def test_pieces_are_cut_where_they_were(monkeypatch: pytest.MonkeyPatch) -> None:
    # Small enough that 2 × CHUNK bytes without a cell end occur, not so small that the cut
    # 64 bytes before the end (4 MiB in real use) falls before the start.
    monkeypatch.setattr(guard, "CHUNK", 32)
    rng = random.Random(SEED + 2)
    marks = [b"</c>", b"</row>", b">", b"<", b"/", b"c", b"row", b"xx", b"</", b"</ro", b"w>"]
    for _ in range(2000):
        data = b"".join(rng.choices(marks, k=rng.randrange(0, 40)))
        data += bytes(rng.randrange(256) for _ in range(rng.randrange(0, 160)))
        chunks = random_chunks(rng, data)
        assert list(guard._pieces(chunks)) == list(reference_pieces(chunks)), chunks


# --- whole parts, through the zip ------------------------------------------------------


def many_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(guard, "CHUNK", 256)  # a few cells a piece


@pytest.mark.parametrize("limits", LIMITS.values(), ids=LIMITS.keys())
@pytest.mark.parametrize("name", CASES)
def test_hand_made_sheets_scan_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, limits: Limits
) -> None:
    many_pieces(monkeypatch)
    rows = b"".join(b'<row r="%d">%s</row>' % (i + 1, p) for i, p in enumerate(CASES[name]))
    same_scan(tmp_path, sheet(ROW * 30 + rows + ROW * 30), limits)


@pytest.mark.parametrize(
    "extra",
    [
        b'<sst count="999999"><si><t>a</t></si></sst>',  # a string table inside a sheet
        b'<x:sst uniqueCount="150000">',
        b"<!DOCTYPE worksheet>",
        b"\x00",
        b'<mergeCells count="3"><mergeCell ref="A1:B1"/><mergeCell ref="A2:B2"/>'
        b'<mergeCell ref="A3:B3"/></mergeCells>',
    ],
)
def test_refusals_come_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: bytes
) -> None:
    many_pieces(monkeypatch)
    monkeypatch.setattr(guard, "MAX_MERGES", 1)
    for data in (sheet(ROW * 20 + extra + ROW * 20), sheet(ROW * 20, extra)):
        assert same_scan(tmp_path, data, Limits())[0] == "refused"


def test_random_sheets_scan_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    many_pieces(monkeypatch)
    rng = random.Random(SEED + 3)
    for _ in range(60):
        rows = b"".join(
            b'<row r="%d">%s</row>' % (i + 1, random_piece(rng) if rng.random() < 0.2 else ROW)
            for i in range(rng.randrange(1, 60))
        )
        for limits in LIMITS.values():
            same_scan(tmp_path, sheet(rows), limits)


def test_a_long_plain_sheet_is_cleared_without_the_slow_regex(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The point of it all: a canonical sheet never reaches _SUSPECT or the bound regexes."""
    many_pieces(monkeypatch)
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="s"><v>1</v></c><c r="B%d" s="1"><v>2</v></c></row>' % (i, i, i)
        for i in range(1, 2000)
    )
    same_scan(tmp_path, sheet(rows), Limits())
    asked: list[object] = []
    monkeypatch.setattr(guard, "_suspect", lambda piece: asked.append(piece) or True)
    monkeypatch.setattr(guard, "_bound", lambda *args: asked.append(args))
    with member(tmp_path, sheet(rows)).open("rb") as fh, zipfile.ZipFile(fh) as zf:
        scan = guard._scan_member(fh, zf.infolist()[0], Limits(), "x")
    assert not asked
    assert scan.canonical and scan.cells == 2 * 1999
