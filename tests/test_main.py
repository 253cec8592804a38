"""The `ledgercheck` process itself: its status and output survive the fast exit."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import office_workbook
from ledgercheck import oneshot
from ledgercheck.__main__ import _status

ANOMALIES = Path(__file__).resolve().parents[1] / "sample_data" / "吉阳区-anomalies.xlsx"


def _ledgercheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=120,
    )


def test_report_to_a_pipe_is_whole_and_status_follows_findings(tmp_path: Path) -> None:
    failing = _ledgercheck("-m", "ledgercheck", "verify", str(ANOMALIES), "-f", "json")
    passing = _ledgercheck(
        "-m", "ledgercheck", "verify", str(ANOMALIES), "-f", "json", "--fail-on", "never"
    )
    report = json.loads(failing.stdout)  # complete: flushed before the process ended
    assert report["summary"]["error"] > 0 and failing.returncode == 1
    assert json.loads(passing.stdout)["findings"] == report["findings"]
    assert passing.returncode == 0


def test_clean_ledger_exits_0(tmp_path: Path) -> None:
    path = office_workbook(tmp_path / "ledger.xlsx")
    result = _ledgercheck("-m", "ledgercheck", "verify", str(path), "-f", "json")
    assert json.loads(result.stdout)["summary"]["error"] == 0 and result.returncode == 0


def test_bad_input_still_exits_2_with_one_line(tmp_path: Path) -> None:
    result = _ledgercheck("-m", "ledgercheck", "verify", str(tmp_path / "missing.xlsx"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_hypothesis_is_not_imported_by_the_command() -> None:
    pytest.importorskip("hypothesis")  # installed with the dev extra: the case to test
    timed = _ledgercheck("-X", "importtime", "-m", "ledgercheck", "verify", str(ANOMALIES))
    assert timed.returncode == 1
    imported = {line.rsplit("|", 1)[-1].strip() for line in timed.stderr.splitlines()}
    assert "pandera" in imported and "hypothesis" not in imported


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (2, 2), ("boom", 1)])
def test_status_of_sys_exit_argument(code: object, status: int) -> None:
    assert _status(code) == status


def with_assemble(body: str) -> str:
    """A script running the command with `pipeline.assemble` replaced: `body` is the
    stand-in's, which may call `real(results, options)`."""
    return f"""
import gc, sys
from ledgercheck import pipeline

real = pipeline.assemble

def stand_in(results, options):
{textwrap.indent(body, "    ")}

pipeline.assemble = stand_in
from ledgercheck.__main__ import main
sys.argv = ["ledgercheck", *sys.argv[1:]]
main()
"""


CRASH = with_assemble("""raise ValueError("could not convert '460203197001011234' (王大)")""")


def test_an_internal_error_is_one_line_and_status_2_without_the_cells() -> None:
    done = _ledgercheck("-c", CRASH, "verify", str(ANOMALIES), "-j", "1")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error (ValueError in pipeline.py:" in lines[0]
    assert "4602" not in done.stderr and "王大" not in done.stderr and "--debug" in lines[0]


def test_debug_shows_the_traceback() -> None:
    done = _ledgercheck("-c", CRASH, "verify", str(ANOMALIES), "-j", "1", "--debug")
    assert done.returncode == 1 and "Traceback" in done.stderr and "ValueError" in done.stderr


def test_ctrl_c_is_status_130_with_one_line() -> None:
    stop = CRASH.replace("raise ValueError(", "raise KeyboardInterrupt(")
    done = _ledgercheck("-c", stop, "verify", str(ANOMALIES), "-j", "1")
    assert done.returncode == 130
    assert done.stderr.strip() == "ledgercheck: interrupted; the check did not finish"


PEEK = with_assemble(
    'print("collector", *gc.get_threshold(), gc.get_freeze_count() > 0, file=sys.stderr)\n'
    "return real(results, options)"
)


def test_the_command_checks_with_the_collector_tuned_for_one_run() -> None:
    done = _ledgercheck("-c", PEEK, "verify", str(ANOMALIES), "-j", "1")
    assert done.returncode == 1
    young, older, oldest, frozen = done.stderr.split("collector ")[1].split()[:4]
    assert (int(young), int(older), int(oldest)) == (oneshot.YOUNG, oneshot.OLDER, oneshot.OLDER)
    assert frozen == "True"  # what the imports made is never walked again
