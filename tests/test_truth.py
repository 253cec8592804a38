"""The checker against planted ground truth: every breach found at its sheet and row, nothing else.

Ledgers come from the synthetic generator, written as offices write them (title rows,
aliases, units, 合计 and footer rows) and as national-system flat exports, in every format.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from ledgercheck import packs, synth
from ledgercheck.findings import Report
from ledgercheck.pipeline import Options, verify
from ledgercheck.reporters import json as json_reporter

SAMPLES = Path(__file__).resolve().parents[1] / "sample_data"
GOLDEN = Path(__file__).parent / "golden"
Key = tuple[str, str | None, int | None, str | None]


def found(report: Report) -> set[Key]:
    return {
        (f.code, f.sheet, f.row, f.column) for f in report.findings if not f.code.startswith("POP")
    }


def truth(entries: list[dict[str, Any]]) -> set[Key]:
    return {(e["code"], e["sheet"], e["row"], e["column"]) for e in entries}


def check_folder_or_file(path: Path) -> Report:
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    return verify([(f, f.name) for f in files], Options(packs.load()))


@pytest.mark.parametrize("layout", ["office", "flat"])
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods", "csv"])
def test_every_planted_breach_and_nothing_else(tmp_path: Path, layout: str, fmt: str) -> None:
    ledger = synth.generate(60, seed=11, inject=synth.INJECTABLE_CODES)
    target = tmp_path / ("ledger" if fmt == "csv" else f"ledger.{fmt}")
    expected = truth(synth.write_workbook(ledger, target, layout=layout, fmt=fmt))
    assert found(check_folder_or_file(target)) == expected


@pytest.mark.parametrize(("districts", "severity"), [(["吉阳区"], "info"), (None, "warning")])
def test_clean_ledger_yields_only_population_totals(
    tmp_path: Path, districts: list[str] | None, severity: str
) -> None:
    """The totals are city-wide: one district is told so as info, the whole city as warning."""
    path = tmp_path / "clean.xlsx"
    synth.write_workbook(synth.generate(80, seed=3, districts=districts), path)
    report = check_folder_or_file(path)
    assert found(report) == set()
    assert {f.severity.value for f in report.findings} == {severity}


def test_bundled_samples_match_their_truth_and_golden_report() -> None:
    anomalies = SAMPLES / "吉阳区-anomalies.xlsx"
    planted = json.loads((SAMPLES / "吉阳区-anomalies.truth.json").read_text("utf-8"))
    report = verify([(anomalies, anomalies.name)], Options(packs.load(), lang="zh"))
    assert found(report) == truth(planted)
    data = json_reporter.to_dict(report)
    golden = GOLDEN / "sample-anomalies.json"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", "utf-8")
    assert data == json.loads(golden.read_text("utf-8"))
    clean = SAMPLES / "吉阳区-clean.xlsx"
    assert found(verify([(clean, clean.name)], Options(packs.load()))) == set()
