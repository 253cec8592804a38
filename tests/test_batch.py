"""A folder of district workbooks checked as one ledger (issue: batch-check folders)."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from batchdata import district_ledgers, write_folder, write_ledgers, write_tables
from ledgercheck import batch, cli, handoff, oneshot, packs, pipeline, synth
from ledgercheck.cli import app
from ledgercheck.findings import Report
from ledgercheck.pipeline import Options, verify
from ledgercheck.reporters import json as json_reporter
from ledgercheck.tables import LEDGER_TABLES

runner = CliRunner()
THREE = list(synth.DISTRICTS[:3])
CROSS_FILE = ("HH005", "POP")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], str]:
    root = tmp_path_factory.mktemp("batch") / "districts"
    paths, person = write_folder(root, THREE)
    assert person is not None
    return root, paths, person


def check(paths: list[Path], **options: Any) -> Report:
    return verify([(p, p.name) for p in paths], Options(packs.load(), **options))


def cli_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["verify", *args, "--format", "json", "--lang", "en"])
    return result.exit_code, json.loads(result.stdout)


def keyed(report: Report) -> list[tuple[Any, ...]]:
    return [tuple(sorted(f.to_dict().items(), key=lambda kv: kv[0])) for f in report.findings]


def test_person_in_two_files_is_hh005_on_second(folder: tuple[Path, list[Path], str]) -> None:
    _, paths, _ = folder
    report = check(paths)
    dups = [f for f in report.findings if f.code == "HH005"]
    # The shared child was written into the second district's workbook after its own.
    assert [(f.file, f.sheet) for f in dups] == [(paths[1].name, "成员信息")]
    alone = check([paths[1]])
    assert not [f for f in alone.findings if f.code == "HH005"]


def test_pop_once_over_all_inputs_info_when_partial(
    folder: tuple[Path, list[Path], str],
) -> None:
    _, paths, _ = folder
    pops = [f for f in check(paths).findings if f.code.startswith("POP")]
    assert sorted(f.code for f in pops) == ["POP001", "POP002", "POP003"]
    assert {f.severity.value for f in pops} == {"info"}
    # Three of five districts: the totals cannot be the city's, so the scope is said.
    assert all("本次仅含" in (f.expected or "") for f in pops)


def test_pop_is_warning_when_every_district_is_covered(tmp_path: Path) -> None:
    paths, _ = write_folder(tmp_path, list(synth.DISTRICTS), households=4, inject=())
    pops = [f for f in check(paths).findings if f.code.startswith("POP")]
    assert len(pops) == 3
    assert {f.severity.value for f in pops} == {"warning"}
    hh = sum(int(f.value.split(" ")[0]) for f in pops if f.value)
    assert hh == 5 * 4  # every household of every file counted once


def test_batch_is_union_of_single_runs_plus_cross_file(
    folder: tuple[Path, list[Path], str],
) -> None:
    _, paths, _ = folder
    batch = keyed(check(paths))
    singles = [k for p in paths for k in keyed(check([p]))]

    def local(findings: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return sorted(k for k in findings if not dict(k)["code"].startswith(CROSS_FILE))

    assert local(batch) == local(singles)
    assert len(local(batch)) >= 6 * len(paths)  # the planted breaches of every file
    cross = [dict(k)["code"] for k in batch if dict(k)["code"].startswith(CROSS_FILE)]
    assert sorted(cross) == ["HH005", "POP001", "POP002", "POP003"]


def test_unreadable_file_is_reported_and_the_rest_still_checked(
    folder: tuple[Path, list[Path], str], tmp_path: Path
) -> None:
    root, paths, _ = folder
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for p in paths:
        (mixed / p.name).write_bytes(p.read_bytes())
    (mixed / "00-broken.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    code, data = cli_json(str(mixed), "--jobs", "1")
    assert code == 2
    broken = [i for i in data["inputs"] if i["file"].endswith("00-broken.xlsx")]
    assert broken and broken[0]["error"]
    assert any(
        f["code"] == "F001" and f["file"].endswith("00-broken.xlsx") for f in data["findings"]
    )
    # Every other file's findings are all there, cross-file ones included.
    _, whole = cli_json(str(root), "--jobs", "1")

    def strip(f: dict[str, Any]) -> dict[str, Any]:
        return {**f, "file": Path(f["file"]).name if f["file"] else None}

    others = [strip(f) for f in data["findings"] if f["code"] != "F001"]
    assert others == [strip(f) for f in whole["findings"]]


def test_jobs_2_equals_jobs_1(folder: tuple[Path, list[Path], str]) -> None:
    root, _, _ = folder
    code1, one = cli_json(str(root), "--jobs", "1")
    code2, two = cli_json(str(root), "--jobs", "2")
    assert code1 == code2 == 1
    assert one == two


def test_lock_and_hidden_files_are_skipped(folder: tuple[Path, list[Path], str]) -> None:
    root, paths, _ = folder
    (root / "~$01-海棠区.xlsx").write_bytes(b"owner lock")
    (root / ".03-天涯区.xlsx").write_bytes(b"hidden")
    hidden_dir = root / ".cache"
    hidden_dir.mkdir(exist_ok=True)
    (hidden_dir / "old.xlsx").write_bytes(b"stale")
    try:
        code, data = cli_json(str(root), "--jobs", "1")
    finally:
        (root / "~$01-海棠区.xlsx").unlink()
        (root / ".03-天涯区.xlsx").unlink()
        (hidden_dir / "old.xlsx").unlink()
        hidden_dir.rmdir()
    assert code == 1
    assert [Path(i["file"]).name for i in data["inputs"]] == [p.name for p in paths]
    assert not any(f["code"] == "F001" for f in data["findings"])


def test_a_folder_without_ledger_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "说明.docx").write_bytes(b"not a ledger")
    (tmp_path / "~$01-海棠区.xlsx").write_bytes(b"owner lock")
    result = runner.invoke(app, ["verify", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"ledgercheck: {tmp_path}: no ledger files found (looked for "
        + ", ".join(sorted(cli.SUFFIXES))
        + ")"
    ]


def test_an_include_that_matches_nothing_is_an_error(
    folder: tuple[Path, list[Path], str],
) -> None:
    root, _, _ = folder
    result = runner.invoke(app, ["verify", str(root), "--include", "*.ods"])
    assert result.exit_code == 2
    assert "no ledger files found (--include *.ods)" in result.stderr


def test_order_is_deterministic(folder: tuple[Path, list[Path], str]) -> None:
    root, paths, _ = folder
    _, first = cli_json(str(root), "--jobs", "2")
    _, again = cli_json(str(root), "--jobs", "2")
    assert first == again
    # Inputs in path order; findings by file then sheet then row (POP, with no file, first).
    assert [Path(i["file"]).name for i in first["inputs"]] == [p.name for p in paths]
    files = [Path(f["file"]).name for f in first["findings"] if f["file"]]
    assert files == sorted(files)


def test_summary_by_file_and_by_district(folder: tuple[Path, list[Path], str]) -> None:
    root, paths, _ = folder
    _, data = cli_json(str(root), "--jobs", "1")
    by_file = data["by_file"]
    assert [Path(k).name for k in by_file] == [p.name for p in paths]
    total = sum(v["error"] + v["warning"] + v["info"] for v in by_file.values())
    assert total == sum(1 for f in data["findings"] if f["file"])
    assert sum(v["rows"] for v in by_file.values()) > 0
    by_district = data["by_district"]
    assert sorted(by_district) == sorted(THREE)
    second = by_district[THREE[1]]
    assert second["error"] >= 1 + 6  # the shared person and the planted breaches
    # The console shows both tables.
    result = runner.invoke(app, ["verify", str(root), "--lang", "en", "--jobs", "1"])
    assert "Findings by file" in result.stdout
    assert "Findings by district" in result.stdout
    for district in THREE:
        assert district in result.stdout


# --- `--jobs 2`: each worker checks the files it read, the parent reduces the cross-file ------
# rules (ledgercheck.batch). Each report must equal the union's, `--jobs 1`, whichever worker
# reads which file: a part split between workers is checked by one, which reads the rest.


def two_ways(paths: list[Path], options: Options, jobs: int = 2) -> tuple[Report, Report]:
    items = [(p, p.name) for p in paths]
    return verify(items, replace(options, jobs=1)), batch.verify(items, replace(options, jobs=jobs))


def assert_same(one: Report, two: Report) -> None:
    assert json_reporter.to_dict(two) == json_reporter.to_dict(one)
    assert two.aggregates == one.aggregates
    assert two.series == one.series
    assert two.districts == one.districts


def awkward_folder(folder: Path) -> list[Path]:
    """One district split over three workbooks and a full one, with a broken file between.

    a: households and villages; b: members, without 年度健康管理服务次数; c: claims,
    payments and loans (joined to b by 证件号码, to a by 户编号); d: another district,
    which also registers a person of b (HH005); e: unreadable.
    """
    split, whole = district_ledgers(THREE[1:], 10, ("HH003", "HH007", "MED012", "PAY003"))
    t = split.tables
    claimed = set(t["medical"]["id_number"]) | set(t["payments"]["id_number"])
    claimed |= set(t["loans"]["id_number"])
    free = t["members"][~t["members"]["id_number"].isin(claimed)]
    person = free[free["relation"] != "户主"].iloc[[0]]
    person = person.assign(household_id=whole.tables["households"]["household_id"].iat[0])
    whole.tables["members"] = pd.concat([whole.tables["members"], person], ignore_index=True)
    (folder / "e.xlsx").write_bytes(b"\x00" * 64)
    return [
        write_tables(folder / "a.xlsx", {k: t[k] for k in ("households", "villages")}),
        write_tables(folder / "b.xlsx", {"members": t["members"].drop(columns="health_services")}),
        folder / "e.xlsx",
        write_tables(folder / "c.xlsx", {k: t[k] for k in ("medical", "payments", "loans")}),
        write_ledgers(folder / "d", THREE[2:], [whole])[0],
    ]


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return awkward_folder(tmp_path_factory.mktemp("awkward"))


def count_reads(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Callable[[], list[str]]:
    """The labels of the files the workers read, as they read them."""
    log, real, parent = folder / "reads.log", pipeline.load_file, os.getpid()

    def load_file(path: Path, label: str, *args: Any) -> Any:
        if os.getpid() != parent:  # a worker's, not the serial run's
            with log.open("a", encoding="utf-8") as fh:
                fh.write(label + "\n")
        return real(path, label, *args)

    monkeypatch.setattr(pipeline, "load_file", load_file)
    return lambda: log.read_text(encoding="utf-8").split() if log.exists() else []


def deal(monkeypatch: pytest.MonkeyPatch, layout: list[list[int]]) -> list[dict[int, Any]]:
    """Make worker n read the files layout[n], in that order; the plans' `extra` per worker."""

    def take(queue: deque[int], slot: int) -> int | None:
        for i in layout[slot]:
            if i in queue:
                queue.remove(i)
                return i
        return None

    extras: list[dict[int, Any]] = [{} for _ in layout]
    real = batch.assign

    def assign(*args: Any) -> Any:
        plan = real(*args)
        for slot, _, extra in plan:
            extras[slot.number] = extra
        return plan

    monkeypatch.setattr(batch, "take", take)
    monkeypatch.setattr(batch, "assign", assign)
    return extras


@pytest.mark.parametrize(
    ("layout", "handed_over"),
    [
        # Rows: a 22, b 37, c 32. The worker holding most of a part's rows checks it.
        ([[0, 2, 4], [1, 3]], [{}, {0: "a.xlsx"}]),
        ([[1, 4], [0, 2, 3]], [{}, {1: "b.xlsx"}]),
        ([[4, 3, 0], [2, 1]], [{1: "b.xlsx"}, {}]),
        ([[1, 4], [0, 2], [3]], [{0: "a.xlsx", 3: "c.xlsx"}, {}, {}]),
        ([[3, 0, 1, 2], [4]], [{}, {}]),  # a, b and c on one worker, d on the other
    ],
)
def test_jobs_2_equals_jobs_1_whoever_reads_which_file(
    awkward: list[Path],
    layout: list[list[int]],
    handed_over: list[dict[int, str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    extras = deal(monkeypatch, layout)
    reads = count_reads(monkeypatch, tmp_path)
    one, two = two_ways(awkward, Options(packs.load()), jobs=len(layout))
    assert_same(one, two)
    assert [{i: awkward[i].name for i in e} for e in extras] == handed_over
    # Each file is read once, by the worker it was dealt to: the others are handed it.
    assert sorted(reads()) == sorted(p.name for p in awkward)
    codes = {f.code for f in two.findings}
    assert {"HH003", "HH005", "HH007", "MED012", "PAY003", "F001"} <= codes


def test_files_handed_between_workers_through_files_leave_none(
    awkward: list[Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """As a big split ledger's are: the worker that read a.xlsx writes it to a file of the
    run's handoff folder, the one checking it reads and removes it."""
    monkeypatch.setattr(handoff, "MIN_BYTES", 0)  # every table by file, however small
    extras = deal(monkeypatch, [[0, 2, 4], [1, 3]])
    log, real_write = tmp_path / "written.log", handoff._write

    def write(buffers: Any, into: str) -> str:  # in the worker handing a file over
        path = real_write(buffers, into)
        with log.open("a", encoding="utf-8") as fh:
            fh.write(path + "\n")
        return path

    monkeypatch.setattr(handoff, "_write", write)
    one, two = two_ways(awkward, Options(packs.load()))
    assert_same(one, two)
    assert [set(e) for e in extras] == [set(), {0}]
    (written,) = log.read_text(encoding="utf-8").split()
    assert Path(written).parent == Path(str(handoff.folder())) and not Path(written).exists()


@pytest.mark.parametrize("jobs", [2, 3])
def test_district_files_are_checked_where_they_were_read(
    folder: tuple[Path, list[Path], str], monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    _, paths, _ = folder
    extras = deal(monkeypatch, [[0, 2], [1]] if jobs == 2 else [[0], [1], [2]])
    one, two = two_ways(paths, Options(packs.load()), jobs)
    assert_same(one, two)
    assert extras == [{}] * jobs  # no household spans two workbooks: nothing read twice
    # The person of the first district registered again in the second, read elsewhere.
    assert [f.file for f in two.findings if f.code == "HH005"] == [paths[1].name]


def test_two_files_are_read_by_two_workers(
    folder: tuple[Path, list[Path], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, paths, _ = folder
    held: list[list[int]] = []
    real = batch.assign

    def assign(slots: list[batch.Slot], *args: Any) -> Any:
        held.extend(sorted(slot.held) for slot in slots)
        return real(slots, *args)

    monkeypatch.setattr(batch, "assign", assign)
    one, two = two_ways(paths[:2], Options(packs.load()))
    assert_same(one, two)
    assert sorted(held) == [[0], [1]]


def uninsured_folder(folder: Path) -> list[Path]:
    """Five uninsured persons, all in the first district: its own rate is low, the city's not."""
    ledgers = district_ledgers(THREE, 12, ())
    members = ledgers[0].tables["members"]
    members.loc[members.index[:5], "basic_medical_insurance"] = False
    return write_ledgers(folder, THREE, ledgers)


@pytest.mark.parametrize("coverage", [0.95, 0.99])
def test_coverage_is_judged_city_wide(tmp_path: Path, coverage: float) -> None:
    paths = uninsured_folder(tmp_path)
    pack = copy.deepcopy(packs.load())
    pack.rules["MED001"].params["coverage"] = coverage
    one, two = two_ways(paths, Options(pack))
    assert_same(one, two)
    # ~120 persons: 5 uninsured is ~96% city-wide, under 99% and over 95%.
    assert len([f for f in two.findings if f.code == "MED001"]) == (5 if coverage == 0.99 else 0)


def test_select_ignore_and_show_pii_as_jobs_1(folder: tuple[Path, list[Path], str]) -> None:
    _, paths, _ = folder
    options = Options(packs.load(), select=("HH", "POP", "MED"), ignore=("POP002",))
    one, two = two_ways(paths, replace(options, show_pii=True, lang="en"))
    assert_same(one, two)
    assert {f.code[:3] for f in two.findings} <= {"HH0", "POP", "MED"}


_REAL_LOAD = pipeline.load_file


def _abort_on_poison(path, label, options, kinds=LEDGER_TABLES, sheets=None):  # type: ignore[no-untyped-def]
    """Stands in for a native reader that kills its process on one particular file."""
    if "poison" in str(path):
        os._exit(134)
    return _REAL_LOAD(path, label, options, kinds, sheets)


def test_a_worker_that_dies_costs_only_its_file(
    folder: tuple[Path, list[Path], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, paths, _ = folder
    poison = tmp_path / "02-poison.xlsx"
    poison.write_bytes(paths[0].read_bytes())
    good = Options(packs.load())
    expected = check(paths)
    monkeypatch.setattr(pipeline, "load_file", _abort_on_poison)  # seen by forked workers
    items = [(p, p.name) for p in [paths[0], poison, *paths[1:]]]
    seen: list[str] = []
    report = batch.verify(items, replace(good, jobs=2), lambda r: seen.append(r.info.file))
    assert sorted(seen) == sorted(label for _, label in items)
    crashed = [i for i in report.inputs if i.error]
    assert [i.file for i in crashed] == [poison.name] and "crashed" in str(crashed[0].error)
    assert [f for f in report.findings if f.code != "F001"] == expected.findings
    assert [f.file for f in report.findings if f.code == "F001"] == [poison.name]


def _abort_once(path, label, options, kinds=LEDGER_TABLES, sheets=None):  # type: ignore[no-untyped-def]
    """Kills its process the first time it reads the file named poison, not the second."""
    once = Path(path).with_suffix(".died")
    if "poison" in str(path) and not once.exists():
        once.touch()
        os._exit(134)
    return _REAL_LOAD(path, label, options, kinds, sheets)


def test_a_worker_that_died_once_retries_its_file_alone_and_reads_its_others_again(
    folder: tuple[Path, list[Path], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, paths, _ = folder
    poison = tmp_path / "00-poison.xlsx"
    poison.write_bytes(paths[2].read_bytes())
    items = [paths[0], paths[1], poison, paths[2]]
    one = verify([(p, p.name) for p in items], Options(packs.load()))
    monkeypatch.setattr(pipeline, "load_file", _abort_once)
    extras = deal(monkeypatch, [[0, 2], [1, 3]])  # the worker dies holding file 0
    two = batch.verify([(p, p.name) for p in items], Options(packs.load(), jobs=2))
    assert poison.with_suffix(".died").exists()
    assert_same(one, two)
    # File 0 was read again with the others, not by the worker checking it. (Files 2 and 3
    # are the same workbook: one part, so one of them is read again by the other's worker.)
    assert not any(0 in extra for extra in extras)


def test_a_worker_dying_after_the_map_falls_back_to_the_union(
    folder: tuple[Path, list[Path], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, paths, _ = folder
    real = batch.finish

    def die_drafting_hh005(part: Any, rows: list[int], *args: Any) -> Any:  # in stage 3
        if rows:
            os._exit(134)
        return real(part, rows, *args)

    monkeypatch.setattr(batch, "finish", die_drafting_hh005)
    one, two = two_ways(paths, Options(packs.load()))
    assert_same(one, two)


def test_progress_once_per_file_with_its_rows(folder: tuple[Path, list[Path], str]) -> None:
    _, paths, _ = folder
    items = [(p, p.name) for p in paths]

    def counted(jobs: int) -> list[tuple[str, int, int]]:
        seen: list[tuple[str, int, int]] = []
        verify(
            items,
            Options(packs.load(), jobs=jobs),
            lambda r: seen.append(
                (r.info.file, sum(len(t.frame) for t in r.tables), len(r.drafts))
            ),
        )
        return sorted(seen)

    two = counted(2)
    assert two == counted(1)
    assert len(two) == len(paths) and all(rows for _, rows, _ in two)


def test_verify_takes_the_batch_path_only_for_several_files_on_several_jobs(
    folder: tuple[Path, list[Path], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, paths, _ = folder
    calls: list[int] = []

    def stub(workers: Any, items: list[Any], *args: Any) -> Report:
        calls.append(len(items))
        return Report("stub")

    monkeypatch.setattr(batch, "run", stub)
    items = [(p, p.name) for p in paths]
    assert verify(items, Options(packs.load(), jobs=2)).rule_pack == "stub"
    assert verify(items[:1], Options(packs.load(), jobs=2)).rule_pack != "stub"
    assert verify(items, Options(packs.load(), jobs=1)).rule_pack != "stub"
    assert calls == [len(paths)]


def test_the_local_path_does_not_import_dask() -> None:
    code = (
        "import sys, ledgercheck.batch; print(sorted({'dask', 'distributed'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_table_files_of_one_ledger_are_checked_as_one(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """CSV tables (成员信息.csv, 户信息.csv …) join on every key: no map/reduce for them."""
    folder = tmp_path / "tables"
    synth.write_workbook(synth.generate(30, seed=5, inject=("HH003",)), folder, fmt="csv")
    paths = [(p, p.name) for p in sorted(folder.iterdir())]
    one = verify(paths, Options(packs.load(), jobs=1))

    def refuse(*args: Any) -> Report:
        raise AssertionError("CSV tables went to the map/reduce")

    monkeypatch.setattr(batch, "verify", refuse)
    two = verify(paths, Options(packs.load(), jobs=2))
    assert [f.to_dict() for f in two.findings] == [f.to_dict() for f in one.findings]
    assert any(f.code == "HH003" for f in one.findings)


def test_parquet_tables_are_read_in_this_process(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "pq"
    folder.mkdir()
    ledger = synth.generate(20, seed=5)
    for name, frame in ledger.tables.items():
        frame.rename(columns=synth.HEADERS[name]).to_parquet(folder / f"{name}.parquet")
    paths = [(p, p.name) for p in sorted(folder.iterdir())]
    one = verify(paths, Options(packs.load(), jobs=1))

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("Parquet sent to worker processes")

    monkeypatch.setattr(oneshot, "pool", refuse)
    two = verify(paths, Options(packs.load(), jobs=2))
    assert [f.to_dict() for f in two.findings] == [f.to_dict() for f in one.findings]
    assert one.rows > 0


def test_wps_and_binary_workbooks_in_a_folder_are_checked_or_refused(tmp_path: Path) -> None:
    """A folder's .et (WPS) is read; its .xlsb is named as unreadable, not left out."""
    import zipfile

    root = tmp_path / "districts"
    root.mkdir()
    ledger = synth.generate(20, seed=4)
    synth.write_workbook(ledger, root / "01-吉阳区.xls", fmt="xls")
    (root / "02-天涯区.et").write_bytes((root / "01-吉阳区.xls").read_bytes())
    with zipfile.ZipFile(root / "03-海棠区.xlsb", "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.bin", b"\x83\x01\x00")
    code, data = cli_json(str(root), "--jobs", "1")
    assert code == 2
    read = {Path(i["file"]).name: i.get("error") for i in data["inputs"]}
    assert read["01-吉阳区.xls"] is None and read["02-天涯区.et"] is None
    assert ".xlsb" in read["03-海棠区.xlsb"]
    sheets = {Path(i["file"]).name: len(i["sheets"]) for i in data["inputs"]}
    assert sheets["02-天涯区.et"] == sheets["01-吉阳区.xls"] > 0
