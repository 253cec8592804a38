"""`verify --engine dask`: a members table in partitions gives the pandas engine's findings."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from batchdata import write_tables
from ledgercheck import packs, synth
from ledgercheck.cli import app
from ledgercheck.findings import Report
from ledgercheck.pipeline import Options, verify
from ledgercheck.reporters import json as json_reporter

pytest.importorskip("dask.dataframe")
# dask's own parquet reader still calls a pandas API that pandas 3.1 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword")
from ledgercheck import dask_engine  # noqa: E402 - only once dask is known present

runner = CliRunner()
# Breaches of every rule family the engine runs: per partition, across rows, households.
PLANTS = ("ID001", "ID002", "ID004", "ID005", "HH001", "HH002", "HH003", "HH004", "HH005",
          "HH006", "HH009", "HH010", "MED001", "MED003", "EDU001", "EDU003", "INC001")  # fmt: skip


@pytest.fixture(scope="module")
def ledger_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The members table as Parquet and as GB18030 CSV, and the households workbook."""
    root = tmp_path_factory.mktemp("engine")
    ledger = synth.generate(60, seed=5, inject=PLANTS)
    members = ledger.tables["members"].rename(columns=synth.HEADERS["members"])
    parquet = root / "成员信息.parquet"
    members.to_parquet(parquet, index=False)
    csv_dir = root / "csv"
    synth.write_workbook(ledger, csv_dir, layout="office", fmt="csv")
    households = write_tables(root / "户信息.xlsx", {"households": ledger.tables["households"]})
    return parquet, csv_dir / "成员信息.csv", households


def compare(members: Path, households: Path) -> tuple[dict[str, Any], dict[str, Any], set[str]]:
    options = Options(packs.load())
    items = [(members, members.name), (households, households.name)]
    local = json_reporter.to_dict(verify(items, options))
    report: Report = dask_engine.verify(items[0], items[1:], options, npartitions=3)
    engine = json_reporter.to_dict(report)
    unsupported = {
        n["code"] for n in engine["rules_not_run"] if n["reason"] == dask_engine.UNSUPPORTED
    }
    return local, engine, unsupported


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_three_partitions_equal_pandas(ledger_files: tuple[Path, Path, Path], kind: str) -> None:
    parquet, csv, households = ledger_files
    local, engine, unsupported = compare(parquet if kind == "parquet" else csv, households)
    assert unsupported == set()  # members and households: every rule runs
    assert engine["findings"] == local["findings"]
    assert set(PLANTS) <= {f["code"] for f in engine["findings"]}
    assert engine["rules_not_run"] == local["rules_not_run"]
    assert engine["inputs"] == local["inputs"]
    assert engine["summary"] == {**local["summary"], **engine["summary"]}
    assert engine["summary"]["rows"] == local["summary"]["rows"]


def test_cli_engine_dask(ledger_files: tuple[Path, Path, Path]) -> None:
    parquet, _, households = ledger_files
    args = ["verify", str(parquet), str(households), "--engine", "dask", "-f", "json"]
    result = runner.invoke(app, [*args, "--jobs", "1"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert any(f["code"] == "HH005" for f in data["findings"])


def test_engine_refuses_what_it_cannot_do(ledger_files: tuple[Path, Path, Path]) -> None:
    parquet, csv, _ = ledger_files
    both = runner.invoke(app, ["verify", str(parquet), str(csv), "--engine", "dask"])
    assert both.exit_code == 2
    assert "exactly one members CSV/Parquet" in both.stderr
    wrong = runner.invoke(app, ["verify", str(csv.parent / "户信息.csv"), "--engine", "dask"])
    assert wrong.exit_code == 2
    assert "holds the households table" in wrong.stderr


def test_heads_and_spouses_across_partitions(tmp_path: Path) -> None:
    """A second 户主 and a second 配偶 moved to the end of the file, far from their
    household's other rows, and a spouse of the head's sex there: judged over every
    partition as the pandas engine judges the whole table."""
    ledger = synth.generate(40, seed=9)
    members = ledger.tables["members"].copy()
    first, second, third = members["household_id"].drop_duplicates().iloc[[0, 1, 2]]
    daughter = members.index[(members["household_id"] == first) & (members["relation"] != "户主")
                             & (members["relation"] != "配偶")][0]  # fmt: skip
    members.loc[daughter, "relation"] = "配偶"  # a second spouse, at the end
    child = members.index[(members["household_id"] == second) & (members["relation"] != "户主")][0]
    members.loc[child, "relation"] = "户主"  # a second head, at the end
    spouse = members.index[(members["household_id"] == third) & (members["relation"] == "配偶")][0]
    head = members.index[(members["household_id"] == third) & (members["relation"] == "户主")][0]
    members.loc[spouse, "sex"] = members.loc[head, "sex"]  # of the head's sex, at the end
    moved = [daughter, child, spouse]
    members = pd.concat([members.drop(index=moved), members.loc[moved]], ignore_index=True)
    path = tmp_path / "成员信息.parquet"
    members.rename(columns=synth.HEADERS["members"]).to_parquet(path, index=False)
    households = write_tables(tmp_path / "户信息.xlsx", {"households": ledger.tables["households"]})
    local, engine, unsupported = compare(path, households)
    assert not unsupported and engine["findings"] == local["findings"]
    codes = [f["code"] for f in engine["findings"]]
    assert codes.count("HH009") >= 2 and "HH004" in codes
    last = len(members) + 1  # the header is row 1
    hh009 = {f["row"] for f in engine["findings"] if f["code"] == "HH009"}
    assert {last - 2, last} <= hh009  # the moved spouses, in the last partition


@pytest.mark.parametrize("scheduler", [None, "local"])
def test_progress_counts_partitions_here_and_on_a_cluster(
    ledger_files: tuple[Path, Path, Path], scheduler: str | None
) -> None:
    """Worker processes here, or a real cluster on loopback: each partition reported once,
    and the findings are the pandas engine's."""
    parquet, _, households = ledger_files
    options = Options(packs.load())
    items = [(parquet, parquet.name), (households, households.name)]
    seen: list[tuple[int, int]] = []
    report = dask_engine.verify(
        items[0], items[1:], options, npartitions=3, scheduler=scheduler,
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]
    local = json_reporter.to_dict(verify(items, options))
    assert json_reporter.to_dict(report)["findings"] == local["findings"]
