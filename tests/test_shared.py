"""One big workbook, its sheets read by two processes: the same report as one process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ledgercheck import packs, pipeline, synth
from ledgercheck.findings import InputInfo
from ledgercheck.pipeline import FileResult


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ledger = synth.generate(60, seed=3, inject=("HH003", "MED010", "PAY001", "ID002"))
    path = tmp_path_factory.mktemp("shared") / "ledger.xlsx"
    synth.write_workbook(ledger, path, layout="office", fmt="xlsx")
    return path


def _verify(path: Path, jobs: int) -> pipeline.Report:
    return pipeline.verify([(path, path.name)], pipeline.Options(packs.load(), jobs=jobs))


def test_sheets_are_dealt_biggest_first_to_the_least_loaded() -> None:
    sizes = {"户信息": 30, "成员信息": 100, "医疗报销": 40, "资金发放": 35, "村级指标": 1}
    groups = pipeline._share({k: v * 2**20 for k, v in sizes.items()}, 2)
    assert groups == [["成员信息", "村级指标"], ["医疗报销", "资金发放", "户信息"]]


def test_a_small_workbook_is_not_shared() -> None:
    assert pipeline._share({"户信息": 1000, "成员信息": 5000}, 2) == []


def test_two_processes_give_the_report_of_one(workbook: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pipeline, "SHARE_BYTES", 0)
    assert len(pipeline._share(pipeline._sheet_order(workbook), 2)) == 2  # shared indeed
    one, two = _verify(workbook, 1), _verify(workbook, 2)
    assert [f.to_dict() for f in two.findings] == [f.to_dict() for f in one.findings]
    assert {f.code for f in one.findings} >= {"HH003", "MED010", "PAY001", "ID002"}
    assert [s.to_dict() for s in two.inputs[0].sheets] == [
        s.to_dict() for s in one.inputs[0].sheets
    ]
    assert (two.rows, two.aggregates) == (one.rows, one.aggregates)


_PARENT = os.getpid()
_REAL_LOAD = pipeline.load_file


def _abort_in_children(path, label, options, kinds, sheets=None):  # type: ignore[no-untyped-def]
    """A native reader that kills its process: only ever in a worker, never in the test."""
    if os.getpid() != _PARENT:
        os._exit(134)
    return _REAL_LOAD(path, label, options, kinds, sheets)


def test_a_worker_that_dies_makes_the_file_unreadable(workbook: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(pipeline, "SHARE_BYTES", 0)
    monkeypatch.setattr(pipeline, "load_file", _abort_in_children)
    options = pipeline.Options(packs.load(), jobs=2)
    result = pipeline.load_shared(workbook, workbook.name, options)
    assert result.info.error is not None and "crashed" in result.info.error
    assert [d.code for d in result.drafts] == ["F001"]


def test_a_part_that_fails_fails_the_file() -> None:
    good = FileResult(InputInfo("a.xlsx"), [], [])
    bad = FileResult(InputInfo("a.xlsx", error="corrupt"), [], [])
    assert pipeline._joined([good, bad], {}) is bad


ANOMALIES = Path(__file__).resolve().parents[1] / "sample_data" / "吉阳区-anomalies.xlsx"


@pytest.mark.parametrize("seed", [5, 8])
def test_every_injectable_breach_is_found_alike_when_shared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Workbooks from 4 MiB of sheets are shared: every rule must read them as one process
    does, whichever process read which sheet."""
    path = tmp_path / "ledger.xlsx"
    synth.write_workbook(synth.generate(80, seed=seed, inject=synth.INJECTABLE_CODES), path)
    monkeypatch.setattr(pipeline, "SHARE_BYTES", 0)
    for workbook in (path, ANOMALIES):
        assert len(pipeline._share(pipeline._sheet_order(workbook), 2)) == 2  # shared indeed
        one, two = _verify(workbook, 1), _verify(workbook, 2)
        assert [f.to_dict() for f in two.findings] == [f.to_dict() for f in one.findings]
        assert [n.to_dict() for n in two.rules_not_run] == [n.to_dict() for n in one.rules_not_run]
        assert len({f.code for f in one.findings}) > 30
