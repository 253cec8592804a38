"""The same ledger read from every format offices send: xlsx, xls, ods, CSV (GBK, BOM), parquet."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import xlwt

from conftest import (
    HOUSEHOLD_HEADER,
    MEMBER_HEADER,
    SON,
    hits,
    household_rows,
    member_rows,
    run,
)


def bad_members() -> list[list[Any]]:
    members = member_rows()
    members[2][7] = "×"  # the son: no critical-illness insurance
    return members


def write_xls(path: Path) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    for name, header, rows in (
        ("户信息", HOUSEHOLD_HEADER, household_rows()),
        ("成员信息", MEMBER_HEADER, bad_members()),
    ):
        sheet = book.add_sheet(name)
        sheet.write_merge(0, 0, 0, len(header) - 1, f"{name}台账")
        for r, row in enumerate([header, *rows], start=1):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def write_ods(path: Path) -> Path:
    with pd.ExcelWriter(path, engine="odf") as writer:
        for name, header, rows in (
            ("户信息", HOUSEHOLD_HEADER, household_rows()),
            ("成员信息", MEMBER_HEADER, bad_members()),
        ):
            frame = pd.DataFrame([[str(v) for v in row] for row in rows], columns=header)
            frame.to_excel(writer, sheet_name=name, index=False, startrow=1)
    return path


def write_csv(folder: Path, encoding: str) -> Path:
    folder.mkdir()
    for name, header, rows in (
        ("户信息", HOUSEHOLD_HEADER, household_rows()),
        ("成员信息", MEMBER_HEADER, bad_members()),
    ):
        with (folder / f"{name}.csv").open("w", encoding=encoding, newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
    return folder


def run_folder(folder: Path) -> set[tuple[str, str | None, int | None]]:
    from ledgercheck import packs
    from ledgercheck.pipeline import Options, verify

    files = sorted(folder.iterdir())
    return hits(verify([(f, f.name) for f in files], Options(packs.load())))


def test_xls_written_by_xlwt(tmp_path: Path) -> None:
    report = run(write_xls(tmp_path / "ledger.xls"))
    assert hits(report) == {("MED002", "成员信息", 5)}


def test_ods_written_by_odfpy(tmp_path: Path) -> None:
    report = run(write_ods(tmp_path / "ledger.ods"))
    assert hits(report) == {("MED002", "成员信息", 5)}


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_csv_encodings(tmp_path: Path, encoding: str) -> None:
    found = run_folder(write_csv(tmp_path / "csv", encoding))
    # CSV rows are line numbers: header on line 1, the son on line 4.
    assert found == {("MED002", "成员信息", 4)}


def test_parquet(tmp_path: Path) -> None:
    path = tmp_path / "成员信息.parquet"
    rows = [[str(v) for v in r] for r in member_rows()]
    rows[2][2] = SON[:-1] + ("0" if SON[-1] != "0" else "1")
    pd.DataFrame(rows, columns=MEMBER_HEADER).to_parquet(path)
    report = run(path)
    assert hits(report) == {("ID002", "成员信息", 4)}
    # Without a households table nobody is known to be "in the ledger": not run, not passed.
    assert {"HH001", "MED001", "MED002"} <= {n.code for n in report.rules_not_run}


def test_short_gbk_text_that_is_also_valid_utf8_reads_as_gbk() -> None:
    """元 in GBK (D4 AA) is valid UTF-8 for the Armenian Ԫ: the GBK reading is the clerk's."""
    from ledgercheck.read import decode_text

    text = "户编号,户主姓名,单位\r\n0,0,元\r\n0,0,元\r\n"
    assert decode_text(text.encode("gbk")) == text
    assert decode_text(text.encode("utf-8")) == text
