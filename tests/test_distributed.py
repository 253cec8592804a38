"""`verify --scheduler`: a batch on a real Dask cluster (loopback) equals the local run."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from batchdata import district_ledgers, write_folder, write_ledgers, write_tables
from ledgercheck import packs, synth
from ledgercheck.cli import app
from ledgercheck.findings import Report
from ledgercheck.pipeline import Options, verify
from ledgercheck.reporters import json as json_reporter

distributed = pytest.importorskip("distributed")
from ledgercheck import distributed as dist  # noqa: E402 - only once dask is known present

runner = CliRunner()
THREE = list(synth.DISTRICTS[:3])


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with dist.connect(dist.LOCAL) as c:
        yield c


def both(client: Any, paths: list[Path], options: Options) -> tuple[Report, Report]:
    items = [(p, p.name) for p in paths]
    return verify(items, options), dist.run(client, items, options)


def assert_same(local: Report, remote: Report) -> None:
    assert json_reporter.to_dict(remote) == json_reporter.to_dict(local)
    assert remote.aggregates == local.aggregates
    assert remote.series == local.series
    assert remote.districts == local.districts


def test_district_folder_equals_local(client: Any, tmp_path: Path) -> None:
    paths, _ = write_folder(tmp_path, THREE)
    (tmp_path / "04-broken.xlsx").write_bytes(b"not a workbook")
    paths.append(tmp_path / "04-broken.xlsx")
    local, remote = both(client, paths, Options(packs.load()))
    assert_same(local, remote)
    assert [f.file for f in remote.findings if f.code == "HH005"] == [paths[1].name]
    assert any(f.code == "F001" for f in remote.findings)
    assert len(remote.findings) > 20


def awkward_folder(folder: Path) -> list[Path]:
    """One district split over three workbooks, a full one, and a broken file.

    a: households and villages; b: members, without 年度健康管理服务次数; c: claims,
    payments and loans (joined to b by 证件号码, to a by 户编号); d: another district,
    which also registers a person of b (HH005 across parts); e: unreadable.
    """
    split, whole = district_ledgers(THREE[1:], 12, ("HH003", "HH007", "MED012", "PAY003"))
    t = split.tables
    claimed = set(t["medical"]["id_number"]) | set(t["payments"]["id_number"])
    claimed |= set(t["loans"]["id_number"])
    free = t["members"][~t["members"]["id_number"].isin(claimed)]
    person = (
        free[free["relation"] != "户主"]
        .iloc[[0]]
        .assign(household_id=whole.tables["households"]["household_id"].iat[0])
    )
    whole.tables["members"] = pd.concat([whole.tables["members"], person], ignore_index=True)
    paths = [
        write_tables(folder / "a.xlsx", {k: t[k] for k in ("households", "villages")}),
        write_tables(folder / "b.xlsx", {"members": t["members"].drop(columns="health_services")}),
        write_tables(folder / "c.xlsx", {k: t[k] for k in ("medical", "payments", "loans")}),
        write_ledgers(folder / "d", THREE[2:], [whole])[0],
        folder / "e.xlsx",
    ]
    paths[-1].write_bytes(b"\x00" * 64)
    return paths


def test_split_households_are_checked_together(client: Any, tmp_path: Path) -> None:
    paths = awkward_folder(tmp_path)
    options = Options(packs.load())
    local, remote = both(client, paths, options)
    assert_same(local, remote)
    codes = {f.code for f in remote.findings}
    assert {"HH003", "HH005", "HH007", "MED012", "PAY003", "F001"} <= codes
    # a, b and c share 户编号 and 证件号码; d shares only a member, which HH005 reduces.
    from ledgercheck.pipeline import load_file

    outlines = [dist.outline(load_file(p, p.name, options)) for p in paths]
    assert dist.group(outlines) == [[0, 1, 2], [3], [4]]


def uninsured_folder(folder: Path) -> list[Path]:
    """Five uninsured persons, all in the first district: its own rate is low, the city's not."""
    ledgers = district_ledgers(THREE, 15)
    members = ledgers[0].tables["members"]
    members.loc[members.index[:5], "basic_medical_insurance"] = False
    return write_ledgers(folder, THREE, ledgers)


@pytest.mark.parametrize("coverage", [0.95, 0.99])
def test_coverage_is_judged_city_wide(client: Any, tmp_path: Path, coverage: float) -> None:
    paths = uninsured_folder(tmp_path)
    pack = copy.deepcopy(packs.load())
    pack.rules["MED001"].params["coverage"] = coverage
    local, remote = both(client, paths, Options(pack))
    assert_same(local, remote)
    med = [f for f in remote.findings if f.code == "MED001"]
    # ~150 persons: 5 uninsured is 96.7% city-wide, under 99% and over 95%.
    assert len(med) == (5 if coverage == 0.99 else 0)


def test_select_and_ignore_run_as_locally(client: Any, tmp_path: Path) -> None:
    paths, _ = write_folder(tmp_path / "l", THREE[:2], households=8)
    options = Options(packs.load(), select=("HH", "POP"), ignore=("POP002",))
    local, remote = both(client, paths, options)
    assert_same(local, remote)
    assert {f.code for f in remote.findings} <= {"HH005", "HH003", "POP001", "POP003"}


def test_rosters_are_compared_with_the_whole_ledger(client: Any, tmp_path: Path) -> None:
    from test_rosters import insurance, insurance_rows, write_ledger

    rows = insurance_rows()
    rows[0][4] = "停保"  # the head's basic insurance lapsed: XR001
    roster = insurance(tmp_path / "医保.xlsx", rows)
    ledger = write_ledger(tmp_path / "台账.xlsx")
    options = Options(packs.load(), against=((roster, roster.name),))
    local, remote = both(client, [ledger], options)
    assert_same(local, remote)
    assert any(f.code.startswith("XR") for f in remote.findings)
    assert remote.comparisons and remote.comparisons == local.comparisons


def test_cli_scheduler_address_equals_jobs(client: Any, tmp_path: Path) -> None:
    # The module's cluster by its address (`local` itself is what the fixture starts).
    write_folder(tmp_path, THREE, households=8)

    def run(*extra: str) -> tuple[int, dict[str, Any]]:
        args = ["verify", str(tmp_path), "-f", "json", "--lang", "en", *extra]
        result = runner.invoke(app, args)
        return result.exit_code, json.loads(result.stdout)

    assert run("--scheduler", client.scheduler.address) == run("--jobs", "1")


def test_missing_dask_is_one_line_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths, _ = write_folder(tmp_path, THREE[:1], households=4, shared=False)
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    result = runner.invoke(app, ["verify", str(paths[0]), "--scheduler", "local"])
    assert result.exit_code == 2
    assert "pip install 'ledgercheck[dask]'" in result.stderr


def test_unreachable_scheduler_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths, _ = write_folder(tmp_path, THREE[:1], households=4, shared=False)
    monkeypatch.setattr(dist, "CONNECT_TIMEOUT", "1s")
    result = runner.invoke(app, ["verify", str(paths[0]), "--scheduler", "tcp://127.0.0.1:9"])
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler" in result.stderr
