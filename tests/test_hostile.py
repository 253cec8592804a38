"""Hostile and broken input: a clear answer for every file, nothing lost, nothing let in.

Every corpus file (tests/hostile/make_corpus.py) goes through the real command line in a
subprocess, under a 2 GiB address-space cap; the runs are shared by the checks below.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import office_workbook
from hostile.make_corpus import (
    PASSWD_MARK,
    Expect,
    bad_members,
    bomb_entry,
    bomb_workbook,
    make_corpus,
)
from ledgercheck import guard, packs
from ledgercheck.pipeline import Options, load_file
from ledgercheck.read import InputError, Limits, read_file

GIB = 1024**3
TIMEOUT, SLOW_TIMEOUT = 10, 30  # seconds per run; a slow case is a 1,048,576-row sheet


@dataclass
class Run:
    name: str
    expect: Expect
    label: str  # how the file is named on the command line (and so in messages)
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    before: tuple[str, int]  # input sha256, st_mtime_ns
    after: tuple[str, int]


def snapshot(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 * GIB, 2 * GIB))


def cli(args: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ledgercheck", "verify", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        cwd=cwd,
        timeout=timeout,
        preexec_fn=cap_memory,
        env={**os.environ, "LEDGERCHECK_PASSWORD": ""},
    )


def run_case(folder: Path, name: str, expect: Expect) -> Run:
    argv = list(expect.argv) if expect.argv else [str(folder / expect.file)]
    path = folder / expect.file
    before = snapshot(path)
    started = time.monotonic()
    result = cli(
        ["--format", "json", "--lang", "en", *expect.args, *argv],
        folder,
        SLOW_TIMEOUT if expect.slow else TIMEOUT,
    )
    return Run(
        name,
        expect,
        argv[-1],
        result.returncode,
        result.stdout,
        result.stderr,
        time.monotonic() - started,
        before,
        snapshot(path),
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Expect]]:
    folder = tmp_path_factory.mktemp("hostile")
    return folder, make_corpus(folder)


@pytest.fixture(scope="module")
def runs(corpus: tuple[Path, dict[str, Expect]]) -> list[Run]:
    folder, cases = corpus
    # Slow cases first, so they overlap the many short ones.
    order = sorted(cases.items(), key=lambda item: not item[1].slow)
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(lambda item: run_case(folder, *item), order))


def codes(run: Run) -> set[str]:
    return {f["code"] for f in json.loads(run.stdout)["findings"]}


def test_every_file_gets_its_answer(runs: list[Run]) -> None:
    wrong = [
        f"{r.name}: exit {r.returncode}, expected {r.expect.exit}; stderr {r.stderr[-300:]!r}"
        for r in runs
        if r.returncode != r.expect.exit
    ]
    assert not wrong, "\n".join(wrong)


def test_findings_are_reported_for_readable_files(runs: list[Run]) -> None:
    missing = [
        f"{r.name}: {sorted(r.expect.codes - codes(r))} missing from {sorted(codes(r))}"
        for r in runs
        if not r.expect.codes <= codes(r)
    ]
    assert not missing, "\n".join(missing)


def test_unreadable_file_is_one_line_naming_file_and_reason(runs: list[Run]) -> None:
    for r in runs:
        if r.expect.exit != 2:
            continue
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1, (r.name, r.stderr)
        assert lines[0].startswith(f"ledgercheck: {r.label}: "), (r.name, lines[0])
        assert r.expect.reason and r.expect.reason in lines[0], (r.name, lines[0])
        (info,) = json.loads(r.stdout)["inputs"]
        if r.expect.nothing_checked:  # read: its sheets are listed, none as a table
            assert "error" not in info and not any(s["table"] for s in info["sheets"]), info
        else:  # the JSON report still lists the file, with the same reason
            assert r.expect.reason in info["error"], (r.name, info)


def test_no_traceback_anywhere(runs: list[Run]) -> None:
    for r in runs:
        assert "Traceback" not in r.stderr + r.stdout, (r.name, r.stderr[-2000:])


def test_entities_are_never_expanded(runs: list[Run]) -> None:
    for r in runs:
        for text in (PASSWD_MARK, *r.expect.forbidden):
            assert text not in r.stdout + r.stderr, (r.name, text)


def test_inputs_are_untouched(runs: list[Run]) -> None:
    changed = [r.name for r in runs if r.before != r.after]
    assert not changed, f"bytes or mtime changed: {changed}"


def test_time_and_memory_are_bounded(runs: list[Run]) -> None:
    slow = [(r.name, round(r.seconds, 1)) for r in runs if r.seconds > SLOW_TIMEOUT]
    assert not slow
    # ru_maxrss is the largest resident set of any child so far, in KiB on Linux; the
    # address-space cap already stopped any run going past 2 GiB.
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 2 * GIB // 1024


def test_bombs_refused_fast_by_configured_limits(tmp_path: Path) -> None:
    """The same zip bomb, under a small uncompressed limit: the directory alone refuses it."""
    bomb = bomb_workbook(tmp_path / "b.xlsx", bomb_entry("xl/worksheets/sheet1.xml", 0.25))
    started = time.monotonic()
    with pytest.raises(InputError, match="expands to") as caught:
        read_file(bomb, limits=Limits(max_uncompressed_bytes=64 * 1024**2))
    assert caught.value.code == "F001" and time.monotonic() - started < 2


def test_limits_reach_the_pipeline_through_options(tmp_path: Path) -> None:
    path = office_workbook(tmp_path / "ok.xlsx", members=bad_members())
    tight = Options(packs.load(), limits=Limits(max_cells=20))
    result = load_file(path, "ok.xlsx", tight)
    assert [d.code for d in result.drafts] == ["F001"]
    assert "20 cells, over the limit" in str(result.info.error)
    assert load_file(path, "ok.xlsx", Options(packs.load())).info.error is None


def test_merged_ranges_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each merged range becomes Python tuples: millions of them would exhaust memory."""
    path = office_workbook(tmp_path / "merged.xlsx")  # one merged title row per sheet
    monkeypatch.setattr(guard, "MAX_MERGES", 0)
    with pytest.raises(InputError, match="merged ranges"):
        read_file(path)


def test_batch_reports_good_files_and_lists_bad_ones(
    tmp_path: Path, corpus: tuple[Path, dict[str, Expect]]
) -> None:
    folder, cases = corpus
    batch = tmp_path / "batch"
    batch.mkdir()
    office_workbook(batch / "good.xlsx", members=bad_members())
    bad = ["truncated", "xxe-shared-strings", "far-cell", "empty-csv"]
    for name in bad:
        shutil.copy(folder / cases[name].file, batch / cases[name].file)
    result = cli(["--format", "json", "--jobs", "2", str(batch)], tmp_path, 3 * TIMEOUT)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == len(bad)
    for name in bad:
        expect = cases[name]
        assert any(expect.file in line and str(expect.reason) in line for line in lines), name
    report = json.loads(result.stdout)
    assert any(f["code"] == "MED002" and "good.xlsx" in f["file"] for f in report["findings"])
    errors = {Path(i["file"]).name: i.get("error") for i in report["inputs"]}
    assert errors["good.xlsx"] is None
    assert all(errors[cases[name].file] for name in bad)


def test_report_never_written_over_an_input(tmp_path: Path) -> None:
    path = office_workbook(tmp_path / "台账.xlsx", members=bad_members())
    link = tmp_path / "link.xlsx"
    link.symlink_to(path)
    before = snapshot(path)
    for output in (str(path), "./台账.xlsx", str(link)):
        result = cli([str(path), "--format", "json", "--output", output], tmp_path, TIMEOUT)
        assert result.returncode == 2, (output, result.stderr)
        assert "refusing to write the report over an input" in result.stderr
        assert "Traceback" not in result.stderr
    # an input found inside a folder argument is protected too
    result = cli([str(tmp_path), "--output", str(path)], tmp_path, TIMEOUT)
    assert result.returncode == 2
    assert snapshot(path) == before
