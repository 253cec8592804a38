"""Time `verify --against` (spec §6) against merely reading the same files.

A synthetic ledger (synth.generate) and an insurance roster as the 医保 bureau exports
it: a title row, its own headers, two records (basic and critical-illness) per ledger
person plus persons outside the ledger. Three timings, best of --repeat, each a fresh
process: the read floor (fastexcel for .xlsx, pandas for .csv, both files), `verify` of
the ledger alone, and `verify --against` the roster. The difference between the last
two is what the roster costs: reading it plus the XR joins.

Run: .venv/bin/python benchmarks/bench_rosters.py [--members 100000] [--records 300000]
     [--format csv|xlsx] [--repeat 3]
Prints markdown table rows. Not part of the test suite (tests run `build` at a tiny size).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import xlsxwriter
from bench_verify import best_of  # run as a script: this folder is on sys.path
from installed import byte_compile

from ledgercheck import synth
from ledgercheck.idnumber import make_id

TITLE = "三亚市2020年度城乡居民基本医疗保险参保缴费明细表"
HEADER = [
    "序号",
    "姓名",
    "公民身份号码",
    "参保险种",
    "缴费状态",
    "个人缴费金额（元）",
    "财政补助（元）",
]
SCHEMES = ("城乡居民医保", "城乡居民大病保险")

READ_FLOOR = """
import sys
from pathlib import Path
import fastexcel, pandas as pd
for arg in sys.argv[1:]:
    path = Path(arg)
    if path.suffix == ".csv":
        pd.read_csv(path, header=None, skiprows=1, dtype=str)
        continue
    reader = fastexcel.read_excel(str(path))
    for name in reader.sheet_names:
        reader.load_sheet_by_name(name, header_row=None).to_pandas()
"""


def make_ledger(folder: Path, members: int) -> tuple[Path, list[str]]:
    """An office workbook of about `members` persons, and their ID numbers."""
    ledger = synth.generate(max(1, members // 4), seed=7)
    path = folder / f"ledger-{members}.xlsx"
    synth.write_workbook(ledger, path, layout="office", fmt="xlsx")
    ids = [str(v) for v in ledger.tables["members"]["id_number"].dropna()]
    return path, ids


def outside_ids(count: int) -> list[str]:
    """Distinct valid IDs of another region (海口): persons the ledger does not hold."""
    first = dt.date(1940, 1, 1)
    days = 25_000
    return [
        make_id("460100", first + dt.timedelta(days=n % days), n // days, "男" if n % 2 else "女")
        for n in range(count)
    ]


def roster_rows(ids: list[str], records: int) -> list[list[object]]:
    """Two records per ledger person (until `records`), the rest persons outside."""
    rows: list[list[object]] = []
    for who in ids:
        for scheme in SCHEMES:
            if len(rows) < records:
                rows.append([len(rows) + 1, "某某", who, scheme, "正常参保", 0, 380])
    for who in outside_ids(max(0, records - len(rows))):
        rows.append([len(rows) + 1, "某某", who, SCHEMES[0], "正常参保", 380, 0])
    return rows


def write_roster(path: Path, rows: list[list[object]]) -> Path:
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow([TITLE])
            writer.writerow(HEADER)
            writer.writerows(rows)
        return path
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("2020年城乡居民医保参保明细")
    sheet.write_row(0, 0, [TITLE])
    sheet.write_row(1, 0, HEADER)
    for r, row in enumerate(rows, start=2):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def build(folder: Path, members: int, records: int, fmt: str) -> tuple[Path, Path]:
    ledger, ids = make_ledger(folder, members)
    roster = write_roster(folder / f"insurance-{records}.{fmt}", roster_rows(ids, records))
    return ledger, roster


def verify_cmd(ledger: Path, out: Path, *against: Path) -> list[str]:
    cmd = [sys.executable, "-m", "ledgercheck", "verify", str(ledger), "-f", "json"]
    cmd += ["-o", str(out), "--jobs", "1"]
    for roster in against:
        cmd += ["--against", str(roster)]
    return cmd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    byte_compile()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ledger, roster = build(folder, args.members, args.records, args.format)
        out = folder / "report.json"
        floor = best_of([sys.executable, "-c", READ_FLOOR, str(ledger), str(roster)], args.repeat)
        alone = best_of(verify_cmd(ledger, out), args.repeat)
        against = best_of(verify_cmd(ledger, out, roster), args.repeat)
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {platform.machine()}, {platform.python_version()}, {cores} cores")
    print("| ledger + roster | read both | verify ledger | verify --against | roster cost |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| {args.members:,} members .xlsx + {args.records:,} records .{args.format} "
        f"| {floor:.2f} s | {alone:.2f} s | {against:.2f} s | {against - alone:.2f} s |"
    )


if __name__ == "__main__":
    main()
