"""Tables handed from a worker to the parent through a file: the same tables, no file left."""

from __future__ import annotations

import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ledgercheck import handoff


def _table(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": pd.Series([f"4602{i:014d}" for i in range(rows)], dtype="str"),
            "amount": np.arange(rows, dtype=np.float64),
            "day": pd.Series(pd.arrays.ArrowExtensionArray(pa.array([None] * rows, pa.date32()))),
        }
    )


def _leftovers() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("ledgercheck-*.tables"))


def test_big_tables_cross_processes_whole_and_leave_no_file() -> None:
    before = _leftovers()
    with ProcessPoolExecutor(max_workers=1) as pool:
        sent = pool.submit(handoff.send, _table(200_000)).result()
    assert isinstance(sent, handoff.Handoff) and Path(sent.path).exists()
    got = handoff.receive(sent)
    pd.testing.assert_frame_equal(got, _table(200_000))
    assert _leftovers() == before


def test_received_numbers_can_be_written() -> None:
    got = handoff.receive(handoff.send(_table(200_000)))
    got.loc[0, "amount"] = -1.0  # a read-only block would refuse this
    assert got["amount"].iat[0] == -1.0


def test_small_objects_go_by_the_pipe() -> None:
    small = _table(10)
    assert handoff.send(small) is small and handoff.receive(small) is small


def test_no_file_to_write_falls_back_to_the_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError("no space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    big = _table(200_000)
    assert handoff.send(big) is big
