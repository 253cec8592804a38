"""Row rules judged column-wise: what their Hits hold, and ID dates as the scalar check reads them.

Every rule's Hits stay alive until its table is validated, so a text per row (an object
Series of formatted amounts) in each would cost a city-sized ledger hundreds of megabytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from conftest import HOUSEHOLD_HEADER, MEMBER_HEADER, household_rows, member_rows, run, write_xlsx
from ledgercheck import checks, idnumber, packs, synth
from ledgercheck.checks.base import Hits, shown, text
from ledgercheck.ledger import Ledger, combine
from ledgercheck.pipeline import Options, _blocked, _pick, load_file


def test_shown_keeps_the_flagged_rows_texts_once() -> None:
    rows = pd.Series([True, False, True, True], index=[10, 11, 12, 13])
    whole = shown(rows, pd.Series(["8元", "9元", "8元", None], index=rows.index))
    only = shown(rows, pd.Series(["8元", "8元", None], index=[10, 12, 13]))
    for series in (whole, only):
        assert [_pick(series, i) for i in range(4)] == ["8元", None, "8元", None]
        assert list(series.cat.categories) == ["8元"] and series.index.equals(rows.index)
    assert [_pick(text(pd.Series([1.5, 2.0]), "{:g}%"), i) for i in range(2)] == ["1.5%", "2%"]


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ledger, packs.Pack]:
    path = tmp_path_factory.mktemp("dirty") / "l.xlsx"
    synth.write_workbook(synth.generate(300, seed=9, inject=synth.INJECTABLE_CODES), path)
    options = Options(packs.load())
    return combine(load_file(path, path.name, options).tables, options.pack.as_of), options.pack


def _own_bytes(hits: Hits, frame: pd.DataFrame) -> int:
    """Memory the Hits' per-row Series hold beyond references to the table's columns."""
    columns = {id(frame[c].array) for c in frame.columns}
    parts = (hits.expected, hits.value, hits.column)
    return sum(
        int(s.memory_usage(index=False, deep=True))
        for s in parts
        if isinstance(s, pd.Series) and id(s.array) not in columns
    )


def test_row_rules_hold_a_few_bytes_a_row(dirty: tuple[Ledger, packs.Pack]) -> None:
    ledger, pack = dirty
    judged = 0
    for code, rule in checks.REGISTRY.items():
        if rule.check is None or code.startswith("XR") or _blocked(rule, ledger) is not None:
            continue
        for target in rule.targets:
            if ledger.missing(target.table, target.columns) is not None:
                continue
            frame = ledger.frames[target.table]
            hits = rule.check(ledger, pack, target)
            judged += 1
            # Categories of the flagged rows' texts: a byte or two a row, each text once. A
            # text per row (an object or str Series) costs 10-100 bytes a row.
            flagged = int(hits.mask.sum())
            assert _own_bytes(hits, frame) <= 4 * len(frame) + 200 * (flagged + 1), code
    assert judged > 50


def member_with(id_number: str) -> list[list[object]]:
    rows = member_rows()
    rows[2][2] = id_number
    return rows


@pytest.mark.parametrize(
    ("year", "codes"),
    [("0000", ["ID003"]), ("0999", ["ID005"]), ("2008", [])],  # 0999: real, but 1000+ years old
)
def test_id003_reads_the_birth_year_as_the_scalar_check(
    tmp_path: Path, year: str, codes: list[str]
) -> None:
    first17 = f"460203{year}0501003"
    id_number = first17 + idnumber.check_digit(first17)
    as_of = dt.date(2020, 12, 31)
    assert (idnumber.problem(id_number, as_of) == "ID003") == (year == "0000")
    path = write_xlsx(tmp_path / "y.xlsx", {
        "户信息": (HOUSEHOLD_HEADER, household_rows()),
        "成员信息": (MEMBER_HEADER, member_with(id_number)),
    })  # fmt: skip
    found = [f.code for f in run(path).findings if f.code.startswith("ID") and f.row == 5]
    assert found == codes
