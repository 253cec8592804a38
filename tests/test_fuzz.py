"""Bounded-time fuzzing of the readers, and properties of decoding and the zip guard.

The fuzz mutates real files (bytes of the container, and bytes inside the XML parts, where
the guard and calamine actually parse) with a fixed seed: ~200 cases, a few seconds. Every
case must come back from `load_file` as a result — read, or refused as F001/F002 in one line
— with `debug=True`, so an exception anywhere in reading or normalizing fails the test.
"""

from __future__ import annotations

import codecs
import csv
import io
import random
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import HOUSEHOLD_HEADER, household_rows, office_workbook
from hostile.make_corpus import RawEntry, bad_members, csv_text, write_raw_zip, write_xls
from ledgercheck import guard, packs
from ledgercheck.pipeline import Options, load_file
from ledgercheck.read import (
    OLE_MAGIC,
    PARQUET_MAGIC,
    ZIP_MAGIC,
    InputError,
    Limits,
    column_index,
    column_letter,
    decode_text,
    read_file,
)

SEED = 20_200_101
# Tokens that steer the XML towards the guard's edge cases.
TOKENS = [b'<c r="XFD1048576"><v>1</v></c>', b"<!DOCTYPE x>", b"<c>", b'r="A0"', b"\x00",
          b'<row r="4294967296">', b'uniqueCount="99999999999"', b"&amp;", b"</c>", b't="e"',
          b"<f>1+1</f>", b'<x:c r="B2">', b'r="b2" r="Z9"', b"\xff\xfe"]  # fmt: skip


def flip(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice([1, 2, 4, 16])):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(1, len(data))]


def splice(data: bytes, rng: random.Random) -> bytes:
    at, size = rng.randrange(len(data)), rng.randrange(1, 512)
    return data[:at] + data[rng.randrange(len(data)) :][:size] + data[at:]


def token(data: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + rng.choice(TOKENS) + data[at:]


MUTATIONS: list[Callable[[bytes, random.Random], bytes]] = [flip, truncate, splice, token]


def mutate_part(src: Path, rng: random.Random) -> bytes:
    """Mutate the inflated bytes of one XML part and zip it again: past the CRC and deflate."""
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        infos = zin.infolist()
        target = rng.choice([i.filename for i in infos if i.filename.endswith((".xml", ".rels"))])
        for info in infos:
            data = zin.read(info)
            if info.filename == target:
                data = rng.choice(MUTATIONS)(data, rng)
            zout.writestr(info.filename, data)
    return buf.getvalue()


def write_ods(path: Path) -> Path:
    with pd.ExcelWriter(path, engine="odf") as writer:
        frame = pd.DataFrame([[str(v) for v in r] for r in household_rows()])
        frame.to_excel(writer, sheet_name="户信息", header=HOUSEHOLD_HEADER, index=False)
    return path


def fuzz_cases(folder: Path) -> list[Path]:
    """200 files: bytes of each format mutated, and the XML inside the zips mutated."""
    rng = random.Random(SEED)
    xlsx = office_workbook(folder / "seed.xlsx", members=bad_members())
    xls = write_xls(folder / "seed.xls", bad_members())
    ods = write_ods(folder / "seed.ods")
    csv_path = folder / "seed.csv"
    csv_path.write_text(csv_text(HOUSEHOLD_HEADER, household_rows()), encoding="utf-8")
    cases: list[tuple[str, bytes]] = []
    for seed, count in ((xlsx, 50), (xls, 30), (ods, 10), (csv_path, 40)):
        data = seed.read_bytes()
        cases += [(seed.suffix, rng.choice(MUTATIONS)(data, rng)) for _ in range(count)]
    for seed, count in ((xlsx, 50), (ods, 20)):
        cases += [(seed.suffix, mutate_part(seed, rng)) for _ in range(count)]
    paths = []
    for n, (suffix, data) in enumerate(cases):
        path = folder / f"case{n:03}{suffix}"
        path.write_bytes(data)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def mutated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return fuzz_cases(tmp_path_factory.mktemp("fuzz"))


def test_fuzzed_files_always_get_an_answer(mutated: list[Path]) -> None:
    options = Options(packs.load(), debug=True, limits=Limits(max_cells=2_000_000))
    outcomes = {"read": 0, "F001": 0, "F002": 0}
    for path in mutated:
        result = load_file(path, path.name, options)  # debug=True: any exception fails here
        if result.info.error is None:
            outcomes["read"] += 1
        else:
            assert "\n" not in result.info.error, path.name
            outcomes[result.drafts[0].code] += 1
    assert sum(outcomes.values()) == len(mutated) >= 200
    assert outcomes["read"] and outcomes["F001"], outcomes  # both paths were exercised


def test_fuzzed_files_never_print_a_traceback(mutated: list[Path]) -> None:
    sample = random.Random(SEED).sample(mutated, 6)

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ledgercheck", "verify", str(path)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=10,
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        for path, result in zip(sample, pool.map(run, sample), strict=True):
            assert result.returncode in (0, 1, 2), (path.name, result.stderr)
            assert "Traceback" not in result.stdout + result.stderr, path.name
            if result.returncode == 2:
                assert len(result.stderr.strip().splitlines()) == 1, (path.name, result.stderr)


# --- properties ------------------------------------------------------------------------

TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff"), max_size=200
)
CJK = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=4, max_size=30)


@settings(max_examples=200, deadline=None)
@given(TEXT, st.sampled_from([b"", codecs.BOM_UTF8]))
def test_utf8_round_trips(text: str, bom: bytes) -> None:
    assert decode_text(bom + text.encode("utf-8")) == text


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_utf16_with_bom_round_trips(text: str) -> None:
    assert decode_text(text.encode("utf-16")) == text


@settings(max_examples=100, deadline=None)
@given(st.lists(CJK, min_size=3, max_size=8), st.data())
def test_gbk_line_inside_utf8_keeps_both(lines: list[str], data: st.DataObject) -> None:
    """A merged export: mostly UTF-8, one line GBK. Neither may turn into mojibake."""
    gbk_at = data.draw(st.integers(0, len(lines) - 1))
    gbk = lines[gbk_at].encode("gbk")
    assume(not _valid_utf8(gbk))
    raw = b"\n".join(gbk if i == gbk_at else line.encode() for i, line in enumerate(lines))
    assert decode_text(raw) == "\n".join(lines)


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


CELL = st.text(
    st.sampled_from("户主王李花脱贫边缘abcXYZ0123456789 ,\"'元．"), min_size=1, max_size=12
)
# Real ledgers open with Chinese headers. Without any, a few GBK bytes can be valid UTF-8
# by accident ("元" is D4 AA, UTF-8 for "Ԫ"): no decoder can tell, so none is promised.
LEDGER_HEADER = ["户编号", "户主姓名", "人均纯收入"]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8),
    st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"]),
)
def test_csv_cells_survive_reading(tmp_path: Path, rows: list[list[str]], encoding: str) -> None:
    """Every cell comes back as written, quotes, commas and all, whatever the encoding."""
    path = tmp_path / "ledger.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([LEDGER_HEADER, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    (sheet,) = read_file(path)
    assert sheet.grid == [LEDGER_HEADER, *rows]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(min_size=1, max_size=4096), st.integers(-64, 64))
def test_inflate_yields_exactly_what_is_declared(tmp_path: Path, data: bytes, lie: int) -> None:
    declared = max(0, len(data) + lie)
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    entry = RawEntry("xl/worksheets/sheet1.xml", c.compress(data) + c.flush(), declared, 0)
    path = write_raw_zip(tmp_path / "z.zip", [entry])
    with path.open("rb") as fh, zipfile.ZipFile(fh) as zf:
        info = zf.infolist()[0]
        if declared == len(data):
            assert b"".join(guard.inflate(fh, info)) == data
        else:
            with pytest.raises(guard.Refused):
                b"".join(guard.inflate(fh, info))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from([b"", ZIP_MAGIC, OLE_MAGIC, PARQUET_MAGIC, b"\xef\xbb\xbf", b"\xff\xfe"]),
    st.binary(max_size=2048),
    st.sampled_from([".xlsx", ".xls", ".ods", ".csv", ".parquet", ".txt"]),
)
def test_any_bytes_are_read_or_refused(
    tmp_path: Path, magic: bytes, body: bytes, suffix: str
) -> None:
    path = tmp_path / f"f{suffix}"
    path.write_bytes(magic + body)
    try:
        sheets = read_file(path)
    except InputError as exc:
        assert exc.code in {"F001", "F002"} and "\n" not in exc.reason
    else:
        assert all(isinstance(s.grid, list) for s in sheets)


@given(st.integers(0, 18_277))
def test_column_letters_round_trip(index: int) -> None:
    assert column_index(column_letter(index)) == index
