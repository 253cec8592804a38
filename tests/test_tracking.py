"""Following anomalies from run to run: fingerprints, --baseline, --history (逐项对账销号)."""

from __future__ import annotations

import json
import multiprocessing
import random
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

import historywriter
from ledgercheck import packs, synth, tracking
from ledgercheck.cli import app
from ledgercheck.findings import Finding, Report, Severity
from ledgercheck.pipeline import Options, selected, verify
from ledgercheck.reporters import json as json_reporter

runner = CliRunner()
# Fixes that close one finding each without touching who the row is about: a 否 that
# should be 是 (water, housing, education aid, fiber), or a premium that should be 0.
FIXES: dict[str, Any] = {
    "WAT001": "是",
    "HOU001": "是",
    "EDU002": "是",
    "VIL003": "是",
    "MED003": 0,
}


@pytest.fixture(scope="module")
def ledger_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "吉阳区.xlsx"
    ledger = synth.generate(60, seed=5, inject=synth.INJECTABLE_CODES)
    synth.write_workbook(ledger, path)
    return path


def run(path: Path, label: str | None = None, **kwargs: Any) -> Report:
    return verify([(path, label or path.name)], Options(packs.load(), **kwargs))


def baseline_of(report: Report, tmp_path: Path) -> list[dict[str, Any]]:
    """A report as `verify --format json -o` writes it, read back as --baseline reads it."""
    path = tmp_path / "baseline.json"
    path.write_text(json_reporter.render(report), encoding="utf-8")
    return tracking.load_baseline(path, None)


def compared(report: Report, previous: list[dict[str, Any]], **kwargs: Any) -> Report:
    options = Options(packs.load(), **kwargs)
    tracking.compare(
        report, previous, tracking.rules_checked(report, lambda c: selected(c, options))
    )
    return report


def states(report: Report) -> dict[str, int]:
    counts = tracking.counts(report)
    assert counts is not None
    return counts


def shuffle_rows(src: Path, dst: Path, seed: int) -> None:
    """The same ledger with each sheet's data rows in another order and the sheets reversed.

    Data rows are the ones numbered in the 序号 column; values move with their formats.
    """
    wb = openpyxl.load_workbook(src)
    rng = random.Random(seed)
    for ws in wb.worksheets:
        rows = [r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, int)]
        width = ws.max_column
        saved = [
            [(ws.cell(r, c).value, ws.cell(r, c).number_format) for c in range(1, width + 1)]
            for r in rows
        ]
        rng.shuffle(saved)
        for r, cells in zip(rows, saved, strict=True):
            for c, (value, fmt) in enumerate(cells, start=1):
                ws.cell(r, c).value = value
                ws.cell(r, c).number_format = fmt
    wb._sheets.reverse()  # sheet order must not matter either
    wb.save(dst)


def fix_cells(src: Path, dst: Path, findings: list[Finding]) -> None:
    wb = openpyxl.load_workbook(src)
    for f in findings:
        assert f.sheet and f.cell
        wb[f.sheet][f.cell] = FIXES[f.code]
    wb.save(dst)


# --- fingerprints ---------------------------------------------------------------------------


def test_every_finding_has_a_distinct_fingerprint(ledger_file: Path) -> None:
    report = run(ledger_file)
    prints = [f.fingerprint for f in report.findings]
    assert all(isinstance(p, str) and len(p) == 40 for p in prints)
    assert len(set(prints)) == len(prints)


def test_fingerprints_ignore_file_name_row_order_and_sheet_order(
    ledger_file: Path, tmp_path: Path
) -> None:
    before = run(ledger_file)
    moved = tmp_path / "renamed-台账.xlsx"
    shuffle_rows(ledger_file, moved, seed=1)
    after = run(moved)
    # The shuffle really moved the anomalies.
    assert {(f.sheet, f.row) for f in after.findings} != {(f.sheet, f.row) for f in before.findings}
    compared(after, baseline_of(before, tmp_path))
    assert states(after) == {"new": 0, "open": len(before.findings), "resolved": 0}
    assert {f.state for f in after.findings} == {"open"}


def test_three_fixed_cells_are_exactly_three_resolved(ledger_file: Path, tmp_path: Path) -> None:
    before = run(ledger_file)
    fixed = [f for f in before.findings if f.code in FIXES][:3]
    assert len(fixed) == 3
    edited = tmp_path / "整改后.xlsx"
    fix_cells(ledger_file, edited, fixed)
    after = compared(run(edited), baseline_of(before, tmp_path))
    assert states(after) == {"new": 0, "open": len(before.findings) - 3, "resolved": 3}
    assert after.resolved is not None
    assert {d["fingerprint"] for d in after.resolved} == {f.fingerprint for f in fixed}
    assert {d["state"] for d in after.resolved} == {"resolved"}


def test_a_new_anomaly_is_new(tmp_path: Path) -> None:
    clean, planted = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    synth.write_workbook(synth.generate(40, seed=2), clean)
    synth.write_workbook(synth.generate(40, seed=2, inject=["WAT001"]), planted)
    after = compared(run(planted), baseline_of(run(clean), tmp_path))
    assert [f.code for f in after.findings if f.state == "new"] == ["WAT001"]
    assert states(after)["resolved"] == 0


def test_rules_that_did_not_run_resolve_nothing(ledger_file: Path, tmp_path: Path) -> None:
    before = run(ledger_file)
    after = compared(
        run(ledger_file, select=("MED",)), baseline_of(before, tmp_path), select=("MED",)
    )
    assert states(after) == {
        "new": 0,
        "open": sum(f.code.startswith("MED") for f in before.findings),
        "resolved": 0,
    }


def test_shared_fingerprints_are_numbered_in_report_order() -> None:
    base = "a" * 40
    report = Report("p")
    report.findings = [
        Finding("MED010", Severity.ERROR, "m", file="x", sheet="s", row=r, fingerprint=base)
        for r in (9, 4)
    ]
    report.sort()
    first, second = report.findings
    assert (first.row, first.fingerprint) == (4, base)
    assert second.fingerprint not in (None, base)
    again = list(report.findings)
    report.sort()
    assert report.findings == again  # numbering once is enough: sorting again keeps them


def test_baseline_without_fingerprints_is_refused(tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"findings": [{"code": "HH001"}]}), encoding="utf-8")
    with pytest.raises(tracking.TrackingError, match="no fingerprints"):
        tracking.load_baseline(old, None)


# --- the command line ------------------------------------------------------------------------


def test_cli_baseline_marks_new_open_resolved(ledger_file: Path, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    result = runner.invoke(app, ["verify", str(ledger_file), "-f", "json", "-o", str(base)])
    assert result.exit_code == 1, result.output
    before = json.loads(base.read_text("utf-8"))["findings"]
    fixable = [f for f in run(ledger_file).findings if f.code in FIXES][:3]
    edited = tmp_path / "edited.xlsx"
    fix_cells(ledger_file, edited, fixable)
    result = runner.invoke(
        app, ["verify", str(edited), "--baseline", str(base), "-f", "json", "--lang", "en"]
    )
    data = json.loads(result.stdout)
    assert data["tracking"] == {"new": 0, "open": len(before) - 3, "resolved": 3}
    assert [d["state"] for d in data["resolved"]] == ["resolved"] * 3
    assert {f["state"] for f in data["findings"]} == {"open"}
    console = runner.invoke(app, ["verify", str(edited), "--baseline", str(base), "--lang", "en"])
    assert f"new 0 · open {len(before) - 3} · resolved 3" in console.stdout


def test_cli_console_marks_new_findings(tmp_path: Path) -> None:
    clean, planted = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    synth.write_workbook(synth.generate(40, seed=2), clean)
    synth.write_workbook(synth.generate(40, seed=2, inject=["WAT001"]), planted)
    base = tmp_path / "base.json"
    runner.invoke(app, ["verify", str(clean), "-f", "json", "-o", str(base)])
    out = runner.invoke(app, ["verify", str(planted), "--baseline", str(base), "--lang", "zh"])
    assert "新增 1 · 未销号 3 · 已销号 0" in out.stdout
    assert "新 户信息!" in out.stdout


def test_cli_history_records_runs_and_shows_them(ledger_file: Path, tmp_path: Path) -> None:
    db = tmp_path / "ledgercheck.db"
    fixable = [f for f in run(ledger_file).findings if f.code in FIXES][:3]
    edited = tmp_path / "edited.xlsx"
    fix_cells(ledger_file, edited, fixable)
    for path in (ledger_file, ledger_file, edited):
        runner.invoke(app, ["verify", str(path), "--history", str(db), "-f", "json"])
    result = runner.invoke(app, ["history", "--db", str(db), "-f", "json"])
    assert result.exit_code == 0, result.output
    runs = json.loads(result.stdout)["runs"]
    total = len(run(ledger_file).findings)
    assert [r["totals"] for r in runs] == [
        {"new": total, "open": 0, "resolved": 0},
        {"new": 0, "open": total, "resolved": 0},
        {"new": 0, "open": total - 3, "resolved": 3},
    ]
    assert sum(r["resolved"] for r in runs[2]["by_rule"].values()) == 3
    district = next(d for d in runs[2]["by_district"] if d != tracking.NO_DISTRICT)
    only = runner.invoke(app, ["history", "--db", str(db), "--district", district, "-f", "json"])
    assert {d for r in json.loads(only.stdout)["runs"] for d in r["by_district"]} == {district}
    shown = runner.invoke(app, ["history", "--db", str(db), "--lang", "en"])
    assert shown.exit_code == 0
    assert "by district" in shown.stdout and "by rule" in shown.stdout


def test_cli_history_of_a_missing_database_fails(tmp_path: Path) -> None:
    result = runner.invoke(app, ["history", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2
    assert "no such history database" in result.output


def test_cli_refuses_a_baseline_without_fingerprints(ledger_file: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"findings": [{"code": "HH001"}]}), encoding="utf-8")
    result = runner.invoke(app, ["verify", str(ledger_file), "--baseline", str(old)])
    assert result.exit_code == 2
    assert "fingerprints" in result.output


# --- several processes writing one history ---------------------------------------------------

WRITERS = 6


def test_concurrent_writers_keep_the_history_whole(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [
        ctx.Process(target=historywriter.write_runs, args=(str(db), w, start))
        for w in range(WRITERS)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    ids = [r[0] for r in con.execute("SELECT id FROM runs ORDER BY id")]
    assert ids == list(range(1, WRITERS * historywriter.RUNS_EACH + 1))
    # Each run was compared with the run recorded just before it, never with a half one.
    still_open: set[str] = set()
    for run_id in ids:
        rows = con.execute("SELECT fingerprint, state FROM findings WHERE run_id = ?", (run_id,))
        by_state: dict[str, set[str]] = {}
        for fp, state in rows:
            by_state.setdefault(state, set()).add(fp)
        seen = by_state.get("new", set()) | by_state.get("open", set())
        assert len(seen) == historywriter.SEEN
        assert by_state.get("open", set()) == seen & still_open
        assert by_state.get("resolved", set()) == still_open - seen
        still_open = seen
    con.close()
    runs = tracking.history(db)
    assert len(runs) == WRITERS * historywriter.RUNS_EACH
    assert runs[0].totals == {"new": historywriter.SEEN, "open": 0, "resolved": 0}
