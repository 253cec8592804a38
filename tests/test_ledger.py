"""Ledger.blank, checked against the scalar test it stands for, on every kind of column."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgercheck import values
from ledgercheck.ledger import Absent, Ledger, absent, enrich

CELL = st.one_of(
    st.none(),
    st.just(math.nan),
    st.sampled_from(["", " ", "\u3000", "\t\n", "x", " 否 ", "0"]),
    st.floats(allow_nan=True),
    st.dates(),
    st.booleans(),
)


def _empty(cells: pd.Series) -> np.ndarray:
    """The cells as a raw column of a ledger, asked which are blank."""
    return Ledger(raws={"t": pd.DataFrame({"c": cells})}).blank("t", "c").to_numpy()


def _scalar(cells: pd.Series) -> list[bool]:
    return [values.is_empty(v) for v in cells.astype(object)]


@settings(max_examples=200, deadline=None)
@given(st.lists(CELL, min_size=1, max_size=12))
def test_python_cells_empty_as_is_empty_says(cells: list[object]) -> None:
    array = np.empty(len(cells), dtype=object)
    array[:] = cells  # as they are: np.array would make a list of floats a float array
    column = pd.Series(array, dtype=object)
    assert _empty(column).tolist() == _scalar(column)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", " ", "\u3000", "a", "李"])), min_size=1))
def test_text_cells_whitespace_is_empty(cells: list[str | None]) -> None:
    column = pd.Series(cells, dtype="str")
    assert _empty(column).tolist() == [v is None or not v.strip() for v in cells]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True)), min_size=1))
def test_number_cells_empty_where_missing_or_nan(cells: list[float | None]) -> None:
    arrow = pd.Series(pd.arrays.ArrowExtensionArray(pa.array(cells, pa.float64())))
    numpy = pd.Series(cells, dtype="float64")
    want = [v is None or math.isnan(v) for v in cells]
    assert _empty(arrow).tolist() == want and _empty(numpy).tolist() == want


def test_dates_empty_only_where_missing() -> None:
    column = pd.Series(pd.to_datetime([dt.date(2020, 1, 5), None]), dtype="datetime64[s]")
    assert _empty(column).tolist() == [False, True]


def test_a_missing_reason_reads_back_as_what_is_absent() -> None:
    ledger = Ledger(frames={"members": pd.DataFrame({"id_number": [], "name": []})})
    assert absent(str(ledger.missing("members", ("relation", "name", "sex")))) == Absent(
        "members", ("relation", "sex")
    )
    assert absent(str(ledger.missing("medical", ("visit_type",)))) == Absent("medical")
    assert absent(str(ledger.missing("insurance", ("id_number",)))) == Absent("insurance")
    assert ledger.missing("members", ("name",)) is None
    # Any other reason, or a table no pack knows, is not read as one.
    assert absent("not supported by --engine dask") is None
    assert absent("no accounts table") is None


def test_claims_payments_and_loans_each_find_their_own_members() -> None:
    """Looked up in one pass over all three tables, each row still gets its own member."""
    ids = [f"46020019900101{i:04d}" for i in range(4)]
    text = "str"
    members = pd.DataFrame(
        {
            "id_number": pd.Series(ids, dtype=text),
            "household_id": pd.Series(["H1", "H1", "H2", "H3"], dtype=text),
        }
    )
    medical = pd.DataFrame({"id_number": pd.Series([ids[3], "x", ids[0]], dtype=text)})
    loans = pd.DataFrame({"id_number": pd.Series([ids[2]], dtype=text)})
    payments = pd.DataFrame({"household_id": pd.Series(["H2"], dtype=text)})  # no payee ID
    ledger = Ledger(
        frames={"members": members, "medical": medical, "loans": loans, "payments": payments}
    )
    enrich(ledger, dt.date(2020, 12, 31))
    got = ledger.frames
    assert got["medical"]["_m_household_id"].tolist()[::2] == ["H3", "H1"]
    assert got["medical"]["_member_found"].tolist() == [True, False, True]
    assert got["loans"]["_m_household_id"].tolist() == ["H2"]
    assert "_member_found" not in got["payments"].columns
    assert got["payments"]["_pay_household_id"].tolist() == ["H2"]
