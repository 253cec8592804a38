"""The wheel carries what the installed tool needs: the default pack, the plan, the docs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_packs_plan_and_rule_docs(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("ledgercheck-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "ledgercheck/rules/sanya-2020.yaml",
        "ledgercheck/rules/plan/sanya-2020-plan.txt",
        "ledgercheck/data/rules.yaml",
        "ledgercheck/py.typed",
        "ledgercheck/cli.py",
    ):
        assert needed in names, needed
