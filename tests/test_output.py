"""Reports written atomically keep the permissions a file written in place would have."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from ledgercheck.output import OutputError, check_target, write_atomic

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_a_new_report_gets_the_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "report.json", "{}")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "report.json") == 0o644  # not mkstemp's 0600


@posix_only
def test_a_replaced_report_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert _mode(target) == 0o640


def test_no_temporary_file_is_left(tmp_path: Path) -> None:
    write_atomic(tmp_path / "out" / "report.html", b"<html></html>")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["report.html"]


def test_an_input_is_never_overwritten(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.xlsx"
    ledger.write_bytes(b"x")
    with pytest.raises(OutputError, match="over an input"):
        check_target(tmp_path / "." / "ledger.xlsx", [ledger])


def test_a_folder_is_no_target(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a folder; name a file"):
        check_target(tmp_path, [])


def test_a_report_that_cannot_be_written_is_an_output_error_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "report.json").mkdir()  # a folder where the report should go
    with pytest.raises(OutputError, match=r"report\.json: cannot write \("):
        write_atomic(tmp_path / "report.json", "{}")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot write"):  # its folder would be a file
        write_atomic(tmp_path / "file" / "report.json", "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "report.json"]
    assert not any((tmp_path / "report.json").iterdir())
