"""How `ledgercheck verify` scales: 10k, 100k and 1M member rows, 1 vs 2 jobs, vs frictionless.

Run:  .venv/bin/python benchmarks/bench_scale.py [--quick] [--out benchmarks/RESULTS.md]
Needs the `bench` extra (frictionless) for the comparison column; the rest needs only `dev`.

Every measurement runs in a child process, timed from outside by GNU time (/usr/bin/time):
wall time, CPU time (user + system) and peak resident memory. CPU time is reported next
to wall time because a shared machine's wall clock says as much about its neighbours as
about us. The 1M-row ledger is written as CSV and Parquet only: writing it as .xlsx takes
several minutes and no office hands over a million-row workbook (Excel's limit is 1,048,576).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from installed import byte_compile

from ledgercheck import synth

HERE = Path(__file__).resolve().parent
GNU_TIME = "/usr/bin/time"  # Debian package `time`
MEMBERS_PER_HOUSEHOLD = 3.745  # what synth.generate makes on average
FULL = {
    "sizes": (10_000, 100_000, 1_000_000),
    "xlsx_max": 100_000,
    "folder": (20, 5_000),  # district workbooks: the scaling budget's
    "villages": (60, 350),  # an auditor's folder of village workbooks
}
QUICK = {
    "sizes": (2_000, 10_000, 20_000),
    "xlsx_max": 10_000,
    "folder": (20, 500),
    "villages": (10, 100),
}
FRICTIONLESS_MAX = 100_000  # validating 1M rows with frictionless takes far too long

# The "read floor": only reading the same file into pandas, nothing checked.
READ_XLSX = """
import sys, fastexcel
reader = fastexcel.read_excel(sys.argv[1])
for name in reader.sheet_names:
    reader.load_sheet_by_name(name, header_row=None).to_pandas()
"""
READ_CSV = """
import sys, pathlib, pandas as pd
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.csv")):
    enc = "gb18030" if f.stem in ("成员信息", "家庭成员明细") else "utf-8-sig"
    pd.read_csv(f, dtype=str, header=None, encoding=enc, keep_default_na=False)
"""
READ_PARQUET = """
import sys, pathlib, pyarrow.parquet as pq
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.parquet")):
    pq.read_table(f).to_pandas()
"""
FRICTIONLESS = """
import json, pathlib, sys
from frictionless import Dialect, Resource, Schema, formats
path = pathlib.Path(sys.argv[1])  # frictionless refuses absolute paths: give a base
for sheet, descriptor in json.loads(sys.argv[2]).items():
    resource = Resource(path.name, basepath=str(path.parent), format="xlsx",
                        schema=Schema.from_descriptor(descriptor),
                        control=formats.ExcelControl(sheet=sheet),
                        dialect=Dialect(header_rows=[3]))
    report = resource.validate(limit_errors=10**9)
    assert report.tasks[0].stats["rows"] > 0, report.flatten(["type", "note"])[:3]
"""


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: float
    code: int

    def cell(self) -> str:
        return f"{self.wall:.2f} s ({self.cpu:.2f} s CPU)"


def measure(cmd: Sequence[str], timeout: float = 3600) -> Run:
    """Wall, CPU and peak RSS of one child process, as GNU time reports them.

    Not os.wait4 from here: a child forked from this process (which holds a generated
    million-row ledger) starts with this process's high-water RSS, and Linux keeps it
    across exec, so its ru_maxrss would be ours. GNU time's own child starts small.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".time") as stats:
        timed = [GNU_TIME, "-f", "%e %U %S %M", "-o", stats.name, *cmd]
        proc = subprocess.run(timed, capture_output=True, timeout=timeout, check=False)
        wall, user, system, peak_kib = stats.read().split()[-4:]
    if proc.returncode not in (0, 1):
        err = proc.stderr.decode(errors="replace")[-800:]
        print(f"  ! {' '.join(cmd[:4])}… exited {proc.returncode}: {err}", file=sys.stderr)
    return Run(float(wall), float(user) + float(system), int(peak_kib) / 1024, proc.returncode)


def best(cmd: Sequence[str], repeat: int) -> Run:
    return min((measure(cmd) for _ in range(repeat)), key=lambda r: r.wall)


def verify_cmd(target: Path, jobs: int = 1) -> list[str]:
    out = target.parent / f"{target.name}.report.json"
    return [sys.executable, "-m", "ledgercheck", "verify", str(target), "-f", "json",
            "-o", str(out), "--jobs", str(jobs)]  # fmt: skip


# --- writing the inputs ----------------------------------------------------------------


def generate(members: int, seed: int = 7, districts: list[str] | None = None) -> synth.SynthLedger:
    households = max(1, round(members / MEMBERS_PER_HOUSEHOLD))
    return synth.generate(households, seed=seed, districts=districts)


def write_parquet(ledger: synth.SynthLedger, folder: Path) -> Path:
    """One Parquet file per table, headed as the national system exports them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in ledger.tables.items():
        headed = frame.rename(columns=synth.HEADERS[name])
        headed.to_parquet(folder / f"{synth.SHEET_NAMES[name]}.parquet", index=False)
    return folder


def frame_mib(folder: Path) -> float:
    """The ledger as pandas holds it when read plainly: the yardstick for peak memory."""
    import pyarrow.parquet as pq

    total = sum(
        int(pq.read_table(f).to_pandas().memory_usage(deep=True).sum())
        for f in folder.glob("*.parquet")
    )
    return total / 2**20


# --- frictionless: each sheet as a Table Schema ------------------------------------------


def workbook_schemas(path: Path) -> dict[str, dict[str, object]]:
    """What Table Schema can say of every sheet: required, types, enums, unique IDs."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for ws in wb.worksheets:
        header = next(ws.iter_rows(min_row=3, max_row=3, values_only=True))
        unique_ids = ws.title in ("户信息", "成员信息")  # a claim's ID repeats; a person's not
        out[ws.title] = {"fields": [_field(str(h), unique_ids) for h in header if h is not None]}
    wb.close()
    return out


def _field(name: str, unique_ids: bool = True) -> dict[str, object]:
    yes_no = {"type": "boolean", "trueValues": ["是", "√"], "falseValues": ["否", "×"]}
    if "证件号码" in name or "身份证" in name:
        return {"name": name, "type": "string", "constraints": {
            "required": True, "unique": unique_ids, "pattern": "[0-9]{17}[0-9X]"}}  # fmt: skip
    if name in ("户编号", "姓名", "户主姓名", "患者姓名", "领取人", "行政村"):
        return {"name": name, "type": "string", "constraints": {"required": True}}
    if name in ("区", "户类型", "就诊类型", "项目", "贷款类型"):
        return {"name": name, "type": "string", "constraints": {"required": True}}
    if "日期" in name:
        return {"name": name, "type": "datetime"}
    if "率" in name:
        return {"name": name, "type": "number", "constraints": {"minimum": 0, "maximum": 1}}
    if any(w in name for w in ("（元）", "报销", "起付线", "救助", "千伏安")):
        return {"name": name, "type": "number", "constraints": {"minimum": 0}}
    if name == "性别":
        return {"name": name, "type": "string", "constraints": {"enum": ["男", "女"]}}
    if name == "序号" or any(w in name for w in ("年龄", "月数", "次数", "人口数", "天数", "年度")):
        return {"name": name, "type": "integer", "constraints": {"minimum": 0}}
    if "金额" in name:
        return {"name": name, "type": "number", "constraints": {"minimum": 0}}
    if name.startswith("是否") or name in ("家庭医生签约", "肺结核是否治愈"):
        return {"name": name, **yes_no}
    if name == "在校生状况":
        levels = ["学前教育", "小学", "初中", "高中", "中职", "高职高专", "本科及以上",
                  "送教上门", "非在校生", "辍学"]  # fmt: skip
        return {"name": name, "type": "string", "constraints": {"enum": levels}}
    return {"name": name, "type": "string"}


# --- the benchmark ---------------------------------------------------------------------


# What each budget of issue 5 is measured on, filled in as the runs go.
Budgets = dict[str, float]


def size_rows(
    tmp: Path, sizes: Sequence[int], xlsx_max: int, repeat: int, budgets: Budgets
) -> list[str]:
    rows = []
    for n in sizes:
        print(f"- {n:,} member rows", file=sys.stderr)
        ledger = generate(n)
        members = len(ledger.tables["members"])
        total = sum(len(t) for t in ledger.tables.values())
        if n <= xlsx_max:
            rows.append(_xlsx_row(tmp, n, ledger, members, total, repeat, budgets))
            continue
        csv_dir = tmp / f"ledger-{n}-csv"
        synth.write_workbook(ledger, csv_dir, layout="office", fmt="csv")
        floor = best([sys.executable, "-c", READ_CSV, str(csv_dir)], 1)
        one, two = best(verify_cmd(csv_dir), 1), best(verify_cmd(csv_dir, 2), 1)
        rows.append(_row(f"{members:,} CSV", total, floor, one, two, "—", "— (too slow)"))
        pq_dir = write_parquet(ledger, tmp / f"ledger-{n}-parquet")
        mib = frame_mib(pq_dir)
        floor = best([sys.executable, "-c", READ_PARQUET, str(pq_dir)], 1)
        one, two = best(verify_cmd(pq_dir), 1), best(verify_cmd(pq_dir, 2), 1)
        budgets[f"memory {n}"] = one.peak_mib / mib
        mem = f"{mib:,.0f} MiB frame → {one.peak_mib / mib:.1f}×"
        rows.append(_row(f"{members:,} Parquet", total, floor, one, two, mem, "— (too slow)"))
    return rows


def _xlsx_row(
    tmp: Path,
    n: int,
    ledger: synth.SynthLedger,
    members: int,
    total: int,
    repeat: int,
    budgets: Budgets,
) -> str:
    path = tmp / f"ledger-{n}.xlsx"
    synth.write_workbook(ledger, path, layout="office", fmt="xlsx")
    floor = best([sys.executable, "-c", READ_XLSX, str(path)], repeat)
    one, two = best(verify_cmd(path), repeat), best(verify_cmd(path, 2), repeat)
    budgets[f"xlsx {n}"] = two.wall / floor.wall
    fl = "—"
    if n <= FRICTIONLESS_MAX and _has_frictionless():
        schema = json.dumps(workbook_schemas(path), ensure_ascii=False)
        f = measure([sys.executable, "-c", FRICTIONLESS, str(path), schema])
        budgets[f"frictionless {n}"] = f.wall / two.wall
        fl = (
            f"{f.cell()}: {f.wall / two.wall:.1f}× verify ({f.cpu / two.cpu:.1f}× CPU)"
            if f.code == 0
            else "failed"
        )
    return _row(f"{members:,} .xlsx", total, floor, one, two, "—", fl)


def _row(name: str, total: int, floor: Run, one: Run, two: Run, mem: str, fl: str) -> str:
    return (
        f"| {name} | {total:,} | {floor.cell()} | {one.cell()} | {two.cell()} "
        f"| {two.wall / floor.wall:.2f}× ({one.wall / floor.wall:.2f}×) "
        f"| {total / two.wall:,.0f} | {one.peak_mib:,.0f} MiB | {mem} | {fl} |"
    )


def budget_rows(budgets: Budgets) -> list[str]:
    """Issue 5's budgets against what this run measured, on its largest input of each kind
    (the budgets speak of 100k .xlsx and 1M Parquet: `--quick` runs smaller ones)."""
    checks = [
        ("xlsx", "verify ≤ 1.5× the read floor", 1.5, "≤"),
        ("frictionless", "≥ 10× faster than frictionless", 10.0, "≥"),
        ("memory", "Parquet peak memory ≤ 3× the frame", 3.0, "≤"),
        ("scaling", "20 files: --jobs 2 ≥ 1.7× --jobs 1", 1.7, "≥"),
    ]
    out = []
    for kind, name, limit, sense in checks:
        keys = [k for k in budgets if k.startswith(kind)]
        if not keys:
            continue
        key = max(keys, key=lambda k: int(k.split()[-1]) if k != "scaling" else 0)
        size = f" ({int(key.split()[-1]):,} members)" if key != "scaling" else ""
        value = budgets[key]
        met = value <= limit if sense == "≤" else value >= limit
        out.append(f"| {name}{size} | {value:.2f}× | {'met' if met else 'not met'} |")
    return out


def _has_frictionless() -> bool:
    try:
        import frictionless  # noqa: F401
    except ImportError:
        return False
    return True


def split(ledger: synth.SynthLedger, parts: int) -> list[synth.SynthLedger]:
    """One city's ledger cut into `parts` office workbooks by household, every row of a
    household (its members, their claims, payments and loans) in the same one."""
    t = ledger.tables
    out = []
    for i, rows in enumerate(np.array_split(np.arange(len(t["households"])), parts)):
        households = t["households"].iloc[rows]
        ids = set(households["household_id"])
        members = t["members"][t["members"]["household_id"].isin(ids)]
        persons = set(members["id_number"])
        pay = t["payments"]
        tables = {
            "households": households,
            "members": members,
            "medical": t["medical"][t["medical"]["id_number"].isin(persons)],
            "payments": pay[pay["household_id"].isin(ids)],
            "loans": t["loans"][t["loans"]["id_number"].isin(persons)],
            "villages": t["villages"] if i == 0 else t["villages"].iloc[:0],
        }
        out.append(synth.SynthLedger({k: v.reset_index(drop=True) for k, v in tables.items()}, []))
    return out


def scaling_rows(tmp: Path, plan: dict[str, Any], repeat: int, budgets: Budgets) -> list[str]:
    """The district folder (the budget's) and a folder of many small village workbooks."""
    rows = []
    for kind, (files, members) in (("district", plan["folder"]), ("village", plan["villages"])):
        row, speedup = folder_row(tmp / f"{kind}s", files, members, repeat, kind)
        rows.append(row)
        budgets.setdefault("scaling", speedup)  # the district folder's
    return rows


def folder_row(folder: Path, files: int, members: int, repeat: int, kind: str) -> tuple[str, float]:
    """One city's ledger cut into `files` office workbooks: --jobs 1, --jobs 2, the bound."""
    print(f"- {files} {kind} workbooks of {members:,} member rows", file=sys.stderr)
    folder.mkdir()
    for i, part in enumerate(split(generate(files * members, seed=11), files), start=1):
        district = part.tables["households"]["district"].iat[0]
        synth.write_workbook(part, folder / f"{i:03d}-{district}.xlsx", fmt="xlsx")
    one = best(verify_cmd(folder, 1), repeat)
    two = best(verify_cmd(folder, 2), repeat)
    halves = min(together([verify_cmd(h, 1) for h in halve(folder)]) for _ in range(repeat))
    row = (
        f"| {files} {kind} workbooks × {members:,} .xlsx | {one.cell()} | {two.cell()} | "
        f"{one.wall / two.wall:.2f}× | {halves:.2f} s: {one.wall / halves:.2f}× | "
        f"{one.peak_mib:,.0f} / {two.peak_mib:,.0f} MiB |"
    )
    return row, one.wall / two.wall


def halve(folder: Path) -> list[Path]:
    """The folder's files in two folders of half each (linked, not copied)."""
    files = sorted(folder.glob("*.xlsx"))
    halves = [folder.parent / f"{folder.name}-half{n}" for n in (1, 2)]
    for n, half in enumerate(halves):
        half.mkdir(exist_ok=True)
        for f in files[n * len(files) // 2 : (n + 1) * len(files) // 2]:
            if not (half / f.name).exists():
                os.link(f, half / f.name)
    return halves


def together(cmds: Sequence[Sequence[str]]) -> float:
    """Wall time of these commands started at once, until the last one ends.

    Two `verify --jobs 1`, each on half the folder, do no cross-file work and share
    nothing but the machine: what two processes can do here at best, the bound for
    `--jobs 2`.
    """
    start = time.perf_counter()
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for cmd in cmds
    ]
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode not in (0, 1):
            print(f"  ! {proc.args!r} exited {proc.returncode}: {err[-800:]!r}", file=sys.stderr)
    return time.perf_counter() - start


def machine() -> str:
    cores = os.cpu_count()
    load = os.getloadavg()
    return (
        f"{platform.machine()}, Python {platform.python_version()}, {cores} cores, "
        f"pandas {pd.__version__}; load average at start {load[0]:.1f}"
    )


def report(
    sizes: list[str], scaling: list[str], budgets: Budgets, header: str, seconds: float
) -> str:
    load = os.getloadavg()[0]
    return "\n".join(
        [
            "# Benchmark results",
            "",
            f"`benchmarks/bench_scale.py` on {dt.date.today().isoformat()}: {header}, "
            f"at the end {load:.1f}. Took {seconds / 60:.1f} min.",
            "",
            "Times are the best of the runs; CPU is user + system of that child and its "
            "workers. The read floor only reads the same input into pandas (fastexcel for "
            ".xlsx, pandas for CSV, pyarrow for Parquet). Rows are all ledger rows (members, "
            "households, claims, payments, loans, villages). `--jobs 2` is the default on "
            "this 2-core machine; the ratio is theirs, `--jobs 1`'s in brackets. Peak "
            "memory is `--jobs 1`'s: one process holding everything.",
            "",
            "| input (member rows) | rows | read floor | verify --jobs 1 | verify --jobs 2 "
            "| ratio | rows/s | peak RSS | memory vs frame | frictionless (every sheet) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
            *sizes,
            "",
            "The machine's bound: two `--jobs 1` at once, each on half the folder (no "
            "cross-file work, nothing shared): the best two processes do here.",
            "",
            "| folder | --jobs 1 | --jobs 2 | speed-up | machine's bound | peak RSS (1 / 2) |",
            "|---|---:|---:|---:|---:|---:|",
            *scaling,
            "",
            "| budget (issue 5) | measured | |",
            "|---|---:|---|",
            *budget_rows(budgets),
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--only", choices=("sizes", "scaling"), help="run one part only")
    args = parser.parse_args()
    byte_compile()
    plan = QUICK if args.quick else FULL
    header = machine()
    start = time.perf_counter()
    budgets: Budgets = {}
    with tempfile.TemporaryDirectory() as tmp:
        sizes, scaling = [], []
        if args.only != "scaling":
            sizes = size_rows(Path(tmp), plan["sizes"], plan["xlsx_max"], args.repeat, budgets)
        if args.only != "sizes":
            scaling = scaling_rows(Path(tmp), plan, args.repeat, budgets)
    text = report(sizes, scaling, budgets, header, time.perf_counter() - start)
    print(text)
    args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
