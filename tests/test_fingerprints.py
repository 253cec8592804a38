"""Fingerprints leave reports keyed: a masked report must not give ID numbers back."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import stat
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import conftest
from conftest import member_rows, office_workbook, pid, run
from ledgercheck import fingerprints
from ledgercheck.cli import app
from ledgercheck.findings import Draft, Finding, Report

runner = CliRunner()
OTHER_KEY = "another-office-fingerprint-key"


def uninsured(tmp_path: Path) -> tuple[Path, str]:
    """A ledger with one member not enrolled in basic insurance (MED001), and that
    member's ID number."""
    members = member_rows()
    members[2][6] = "否"
    return office_workbook(tmp_path / "bad.xlsx", members=members), str(members[2][2])


def candidates(true_id: str) -> list[str]:
    """What an attacker tries: every ID of the region born in the same year (one sequence
    number, for speed), among them the true one."""
    start = dt.date(2008, 1, 1)
    days = (start + dt.timedelta(days=n) for n in range(366))
    return [pid(day, "男", 3) for day in days] + [true_id]


def guess(finding: Finding, ids: list[str]) -> str | None:
    """The ID whose plain fingerprint is the finding's: what a plain hash gives away."""
    for ident in ids:
        draft = Draft(
            finding.code, table=finding.table, key=f"id_number={ident}", column=finding.column
        )
        if fingerprints.of(draft) == finding.fingerprint:
            return ident
    return None


def med001(report: Report) -> Finding:
    return next(f for f in report.findings if f.code == "MED001")


def keys_kept_in(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """No LEDGERCHECK_KEY: the user's key file, in `folder` as their configuration folder."""
    monkeypatch.delenv(fingerprints.KEY_ENV)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    monkeypatch.setenv("APPDATA", str(folder))


def keys_kept_nowhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No LEDGERCHECK_KEY, and a configuration "folder" that is a file: no key file."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    keys_kept_in(monkeypatch, blocked)
    return blocked


def test_a_plain_fingerprint_gives_the_id_back_and_a_sealed_one_does_not(
    tmp_path: Path,
) -> None:
    path, true_id = uninsured(tmp_path)
    report = run(path)
    assert guess(med001(report), candidates(true_id)) == true_id  # the leak, unkeyed
    fingerprints.seal(report, fingerprints.load_key())
    assert guess(med001(report), candidates(true_id)) is None


def test_sealing_is_keyed_stable_and_done_once(tmp_path: Path) -> None:
    path, _ = uninsured(tmp_path)
    ours = fingerprints.Key(b"our-office-fingerprint-key", "test")
    theirs = fingerprints.Key(OTHER_KEY.encode(), "test")
    first, again, other = run(path), run(path), run(path)
    for report, key in ((first, ours), (again, ours), (other, theirs)):
        fingerprints.seal(report, key)
    prints = [[f.fingerprint for f in r.findings] for r in (first, again, other)]
    assert prints[0] == prints[1]  # the same key: comparable from run to run
    assert not set(prints[0]) & set(prints[2])
    fingerprints.seal(first, theirs)  # already sealed: left as it is
    assert [f.fingerprint for f in first.findings] == prints[0]
    assert first.fingerprint_key == ours.ident != theirs.ident
    assert ours.secret.hex() not in ours.ident and len(ours.ident) == 16


def test_a_short_key_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(fingerprints.KEY_ENV, "sanya")
    with pytest.raises(fingerprints.FingerprintKeyError, match="at least 16"):
        fingerprints.load_key()


def test_without_one_a_key_file_is_made_once_for_the_user(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keys_kept_in(monkeypatch, tmp_path)
    first, second = fingerprints.load_key(), fingerprints.load_key()
    assert first.lasting and first.secret == second.secret
    assert first.new and not second.new
    assert Path(first.where) == tmp_path / "ledgercheck" / "fingerprint.key"
    if sys.platform != "win32":
        assert stat.S_IMODE(Path(first.where).stat().st_mode) == 0o600


def test_where_no_key_can_be_kept_the_run_gets_one_of_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = keys_kept_nowhere(monkeypatch, tmp_path)
    first, second = fingerprints.load_key(), fingerprints.load_key()
    assert not first.lasting and first.secret != second.secret
    assert str(blocked) in first.where


# --- through the command line ------------------------------------------------------------


def verify(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["verify", *args])
    return result.exit_code, result.output


def test_the_json_report_names_its_key_and_another_key_cannot_be_its_baseline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path, _ = uninsured(tmp_path)
    report = tmp_path / "report.json"
    assert verify(str(path), "-f", "json", "-o", str(report))[0] == 1
    named = json.loads(report.read_text(encoding="utf-8"))["fingerprint_key"]
    assert named == fingerprints.load_key().ident
    assert verify(str(path), "--baseline", str(report))[0] == 1  # same key: compared
    monkeypatch.setenv(fingerprints.KEY_ENV, OTHER_KEY)
    code, output = verify(str(path), "--baseline", str(report))
    assert code == 2 and "under another key" in output and len(output.splitlines()) == 1


def test_a_baseline_of_unkeyed_fingerprints_is_refused(tmp_path: Path) -> None:
    path, _ = uninsured(tmp_path)
    report = tmp_path / "report.json"
    verify(str(path), "-f", "json", "-o", str(report))
    data = json.loads(report.read_text(encoding="utf-8"))
    del data["fingerprint_key"]  # as the version before keys wrote it
    report.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, output = verify(str(path), "--baseline", str(report))
    assert code == 2 and "not keyed" in output


def test_a_history_takes_runs_under_its_own_key_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path, _ = uninsured(tmp_path)
    db = tmp_path / "history.db"
    assert verify(str(path), "--history", str(db))[0] == 1
    assert verify(str(path), "--history", str(db))[0] == 1
    monkeypatch.setenv(fingerprints.KEY_ENV, OTHER_KEY)
    code, output = verify(str(path), "--history", str(db))
    assert code == 2 and "under another key" in output


def test_runs_compared_with_others_need_a_lasting_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path, _ = uninsured(tmp_path)
    keys_kept_nowhere(monkeypatch, tmp_path)
    assert verify(str(path), "-f", "json")[0] == 1  # a lone check still runs
    code, output = verify(str(path), "--history", str(tmp_path / "h.db"))
    assert code == 2 and fingerprints.KEY_ENV in output


def test_runs_starting_together_agree_on_one_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Eight first-ever runs at once (processes): one key file, the same key for all."""
    keys_kept_in(monkeypatch, tmp_path)
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        keys = pool.map(_load_in_a_process, range(8))
    assert len(set(keys)) == 1 and keys[0][1]
    assert sorted(p.name for p in (tmp_path / "ledgercheck").iterdir()) == ["fingerprint.key"]


def _load_in_a_process(_: int) -> tuple[bytes, bool]:
    key = fingerprints.load_key()
    return key.secret, key.lasting


def test_the_secret_never_shows_in_a_repr() -> None:
    key = fingerprints.Key(b"our-office-fingerprint-key", "test")
    assert "our-office" not in repr(key)


def test_without_a_home_folder_the_run_gets_a_key_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def nowhere() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv(fingerprints.KEY_ENV)
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(Path, "home", staticmethod(nowhere))
    key = fingerprints.load_key()
    assert not key.lasting and "home directory" in key.where


def test_the_command_says_once_that_it_made_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path, _ = uninsured(tmp_path)
    keys_kept_in(monkeypatch, tmp_path / "config")
    first = runner.invoke(app, ["verify", str(path), "-f", "json"])
    again = runner.invoke(app, ["verify", str(path), "-f", "json"])
    assert "made your fingerprint key" in first.stderr
    assert "made your fingerprint key" not in again.stderr
    assert json.loads(first.stdout)["findings"] == json.loads(again.stdout)["findings"]


def test_the_key_command_names_the_key_reports_are_made_under(tmp_path: Path) -> None:
    path, _ = uninsured(tmp_path)
    shown = json.loads(runner.invoke(app, ["key", "-f", "json"]).stdout)
    report = json.loads(runner.invoke(app, ["verify", str(path), "-f", "json"]).stdout)
    assert shown == {
        "where": fingerprints.KEY_ENV,
        "fingerprint_key": report["fingerprint_key"],
        "lasting": True,
    }
    console = runner.invoke(app, ["key"])
    assert console.exit_code == 0 and report["fingerprint_key"] in console.stdout
    assert conftest.TEST_KEY not in console.stdout + json.dumps(shown)  # never the secret


def test_a_history_recorded_before_keys_is_refused(tmp_path: Path) -> None:
    """A history file of the version before keyed fingerprints: schema 1, a run, no key."""
    import sqlite3

    from ledgercheck import tracking

    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    v1 = tracking.SCHEMA.split("CREATE TABLE IF NOT EXISTS runs", 1)[1]
    con.executescript("CREATE TABLE IF NOT EXISTS runs" + v1 + "PRAGMA user_version = 1;")
    con.execute("INSERT INTO runs (at, inputs, rule_pack) VALUES ('2026-01-01', '[]', 'p')")
    con.commit()
    con.close()
    path, _ = uninsured(tmp_path)
    code, output = verify(str(path), "--history", str(db))
    assert code == 2 and "not keyed" in output and "start a new history file" in output
