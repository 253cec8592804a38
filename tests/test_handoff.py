"""Tables handed from a worker to the parent through a file: the same tables, no file left."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ledgercheck import handoff, synth


def _table(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.Series([f"4602{i:014d}" for i in range(rows)], dtype="str"),
            "amount": np.arange(rows, dtype=np.float64),
            "day": pd.Series(pd.arrays.ArrowExtensionArray(pa.array([None] * rows, pa.date32()))),
        }
    )


@pytest.fixture
def into() -> str:
    folder = handoff.folder()
    assert folder is not None
    return folder


def test_big_tables_cross_processes_whole_and_leave_no_file(into: str) -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        sent = pool.submit(handoff.send, _table(200_000), into).result()
    assert isinstance(sent, handoff.Handoff) and Path(sent.path).parent == Path(into)
    got = handoff.receive(sent)
    pd.testing.assert_frame_equal(got, _table(200_000))
    assert list(Path(into).iterdir()) == []


def test_the_folder_is_the_owners_alone(into: str) -> None:
    if sys.platform != "win32":
        assert Path(into).stat().st_mode & 0o077 == 0


def test_received_numbers_can_be_written(into: str) -> None:
    got = handoff.receive(handoff.send(_table(200_000), into))
    got.loc[0, "amount"] = -1.0  # a read-only block would refuse this
    assert got["amount"].iat[0] == -1.0


def test_small_objects_go_by_the_pipe(into: str) -> None:
    small = _table(10)
    assert handoff.send(small, into) is small and handoff.receive(small) is small


def test_no_file_to_write_falls_back_to_the_pipe(
    monkeypatch: pytest.MonkeyPatch, into: str
) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError("no space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    big = _table(200_000)
    assert handoff.send(big, into) is big
    assert handoff.send(big, None) is big  # no folder could be made


def test_handoffs_never_collected_go_with_the_folder(into: str) -> None:
    sent = handoff.send(_table(200_000), into)  # a result the parent never took
    assert isinstance(sent, handoff.Handoff) and Path(sent.path).exists()
    handoff.remove()
    assert not Path(into).exists()
    assert handoff.folder() != into  # the next run's is a new one


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.skipif(sys.platform == "win32", reason="Windows folders are not swept")
def test_a_killed_runs_folder_is_removed_by_the_next_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dead = tmp_path / f"ledgercheck-{_dead_pid()}-x1"
    living = tmp_path / f"ledgercheck-{os.getppid()}-x2"
    other = tmp_path / "ledgercheck-notapid-x3"
    for folder in (dead, living, other):
        folder.mkdir()
        (folder / "t.tables").write_bytes(b"unmasked tables")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(handoff, "_made", None)
    made = handoff.folder()
    assert made is not None and Path(made).parent == tmp_path
    assert not dead.exists() and living.exists() and other.exists()
    handoff.remove()


def test_the_command_leaves_nothing_in_the_temporary_folder(tmp_path: Path) -> None:
    """Tables read by workers (--jobs 2) come back through the run's folder, which the
    command removes before its fast exit (that skips the exit handlers)."""
    ledger = tmp_path / "ledger"
    synth.write_workbook(synth.generate(2000, seed=3), ledger, fmt="csv")
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "TEMP": str(temp), "TMP": str(temp)}
    done = subprocess.run(
        [sys.executable, "-m", "ledgercheck", "verify", str(ledger), "--jobs", "2", "-f", "json"],
        env=env,
        capture_output=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr.decode("utf-8", "replace")
    assert list(temp.iterdir()) == []


def test_no_folder_to_make_means_the_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> str:
        raise OSError("read-only file system")

    monkeypatch.setattr(handoff, "_made", None)
    monkeypatch.setattr(tempfile, "mkdtemp", refuse)
    assert handoff.folder() is None
    big = _table(200_000)
    assert handoff.send(big, handoff.folder()) is big
