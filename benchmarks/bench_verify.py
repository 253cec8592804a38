"""Time `ledgercheck verify` against the read floor: fastexcel reading the same file into pandas.

Run: .venv/bin/python benchmarks/bench_verify.py [--members 100000] [--repeat 3]
Prints a markdown table row per measurement (for the README's benchmark table).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installed import byte_compile

from ledgercheck import synth

READ_FLOOR = """
import sys, fastexcel
reader = fastexcel.read_excel(sys.argv[1])
for name in reader.sheet_names:
    reader.load_sheet_by_name(name, header_row=None).to_pandas()
"""


def make_ledger(folder: Path, members: int) -> Path:
    households = max(1, members // 4)
    ledger = synth.generate(households, seed=7)
    path = folder / f"ledger-{members}.xlsx"
    synth.write_workbook(ledger, path, layout="office", fmt="xlsx")
    return path


def best_of(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def verify_cmd(path: Path, out: Path, jobs: int) -> list[str]:
    return [sys.executable, "-m", "ledgercheck", "verify", str(path), "-f", "json",
            "-o", str(out), "--jobs", str(jobs)]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    byte_compile()
    with tempfile.TemporaryDirectory() as tmp:
        path = make_ledger(Path(tmp), args.members)
        floor = best_of([sys.executable, "-c", READ_FLOOR, str(path)], args.repeat)
        out = Path(tmp) / "report.json"
        one = best_of(verify_cmd(path, out, 1), args.repeat)
        two = best_of(verify_cmd(path, out, 2), args.repeat)
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {platform.machine()}, {platform.python_version()}, {cores} cores")
    print("| file | fastexcel read | verify --jobs 1 | verify --jobs 2 | ratio (jobs 2) |")
    print("|---|---:|---:|---:|---:|")
    print(f"| {args.members:,} member rows .xlsx | {floor:.2f} s | {one:.2f} s | {two:.2f} s | "
          f"{two / floor:.2f}× |")  # fmt: skip


if __name__ == "__main__":
    main()
