from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgercheck import idnumber
from ledgercheck.idnumber import age_at, birth_date, check_digit, make_id, problem, region, sex

AS_OF = dt.date(2020, 12, 31)
# The worked examples of GB 11643-1999.
GB_EXAMPLES = ["11010519491231002X", "440524188001010014"]
SANYA = "460203199001011243"  # built with make_id("460203", 1990-01-01, 12, "女")


@pytest.mark.parametrize("id_number", GB_EXAMPLES)
def test_check_digit_of_standard_examples(id_number: str) -> None:
    assert check_digit(id_number[:17]) == id_number[17]
    assert problem(id_number, AS_OF) is None


@pytest.mark.parametrize(
    "first17",
    ["", "1234567890123456", "123456789012345678", "1234567890123456X", "１" * 17],
)
def test_check_digit_needs_17_ascii_digits(first17: str) -> None:
    with pytest.raises(ValueError):
        check_digit(first17)


@pytest.mark.parametrize("code", ["460200", "460201", "460202", "460203", "460204", "460205"])
@pytest.mark.parametrize("year", [1920, 1950, 1987, 2001, 2020])
def test_sanya_regions_valid_in_every_year(code: str, year: int) -> None:
    # python-stdnum's cn.ric rejects these; they are real Sanya IDs.
    assert problem(make_id(code, dt.date(year, 3, 1), 7, "男"), AS_OF) is None


@pytest.mark.parametrize(
    ("id_number", "code"),
    [
        ("", "ID001"),
        ("46020319900101124", "ID001"),  # 17 characters
        ("4602031990010112430", "ID001"),  # 19 characters
        ("46020319900101124A", "ID001"),
        ("4602031990010112X3", "ID001"),  # X only as the check character
        ("４６０２０３１９９００１０１１２４３", "ID001"),  # full-width: values normalises first
        (" 460203199001011243", "ID001"),
        ("460203199002301240", "ID003"),  # 1990-02-30, regardless of the check digit
        ("460203199013011240", "ID003"),
        ("460203000001011240", "ID003"),  # year 0
        (make_id("460203", dt.date(2021, 1, 1), 1, "男"), "ID003"),  # after as_of
        ("460203199001011240", "ID002"),
        ("11010519491231002x", None),  # a lower-case x is the same character
        ("110105194912310021", "ID002"),
        (SANYA, None),
    ],
)
def test_problem(id_number: str, code: str | None) -> None:
    assert problem(id_number, AS_OF) == code


def test_birth_on_as_of_is_not_in_the_future() -> None:
    assert problem(make_id("460203", AS_OF, 0, "女"), AS_OF) is None


def test_accessors() -> None:
    assert birth_date(SANYA) == dt.date(1990, 1, 1)
    assert sex(SANYA) == "女"
    assert sex(GB_EXAMPLES[1]) == "男"
    assert region(SANYA) == "460203"
    assert age_at(SANYA, dt.date(2020, 12, 31)) == 30
    assert age_at(SANYA, dt.date(2020, 1, 1)) == 30
    assert age_at(SANYA, dt.date(2019, 12, 31)) == 29
    assert age_at(SANYA, dt.date(1990, 1, 1)) == 0


def test_age_on_leap_day_birthday() -> None:
    born = make_id("460203", dt.date(2000, 2, 29), 3, "男")
    assert age_at(born, dt.date(2019, 2, 28)) == 18
    assert age_at(born, dt.date(2019, 3, 1)) == 19
    assert age_at(born, dt.date(2020, 2, 29)) == 20


@pytest.mark.parametrize("bad", ["", "abc", "4602031990010112", "460203199002301240"])
def test_accessors_of_malformed(bad: str) -> None:
    assert birth_date(bad) is None
    assert age_at(bad, AS_OF) is None
    if len(bad) != 18:
        assert sex(bad) is None
        assert region(bad) is None


def test_age_before_birth_is_none() -> None:
    assert age_at(SANYA, dt.date(1989, 12, 31)) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("46020", dt.date(1990, 1, 1), 1, "男"), "region"),
        (("46020A", dt.date(1990, 1, 1), 1, "男"), "region"),
        (("460203", dt.date(1990, 1, 1), 100, "男"), "seq"),
        (("460203", dt.date(1990, 1, 1), -1, "男"), "seq"),
        (("460203", dt.date(1990, 1, 1), 1, "M"), "sex"),
    ],
)
def test_make_id_rejects_bad_arguments(args: tuple[str, dt.date, int, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_id(*args)


# --- properties -----------------------------------------------------------------------

SANYA_REGIONS = st.sampled_from([f"4602{n:02d}" for n in range(6)])
BIRTHS = st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2020, 12, 31))
SEQS = st.integers(min_value=0, max_value=99)
SEXES = st.sampled_from(["男", "女"])
IDS = st.builds(make_id, SANYA_REGIONS, BIRTHS, SEQS, SEXES)


@settings(max_examples=200)
@given(SANYA_REGIONS, BIRTHS, SEQS, SEXES)
def test_make_id_is_valid_and_readable(code: str, born: dt.date, seq: int, who: str) -> None:
    id_number = make_id(code, born, seq, who)
    assert len(id_number) == 18
    assert problem(id_number, AS_OF) is None
    assert region(id_number) == code
    assert birth_date(id_number) == born
    assert sex(id_number) == who
    assert id_number[14:16] == f"{seq:02d}"


@settings(max_examples=200)
@given(IDS, st.integers(min_value=0, max_value=17), st.sampled_from("0123456789X"))
def test_single_character_change_is_caught(id_number: str, pos: int, new: str) -> None:
    if new == id_number[pos]:
        new = "0" if new != "0" else "1"
    if new == "X" and pos < 17:
        new = str((int(id_number[pos]) + 1) % 10)
    changed = id_number[:pos] + new + id_number[pos + 1 :]
    assert problem(changed, AS_OF) in ("ID001", "ID002", "ID003")


@settings(max_examples=200)
@given(IDS, st.integers(min_value=0, max_value=16))
def test_adjacent_swap_is_caught(id_number: str, pos: int) -> None:
    a, b = id_number[pos], id_number[pos + 1]
    if a == b:
        # Find the nearest differing adjacent pair so the swap is a real change.
        pairs = [i for i in range(17) if id_number[i] != id_number[i + 1]]
        pos = min(pairs, key=lambda i: abs(i - pos))
        a, b = id_number[pos], id_number[pos + 1]
    swapped = id_number[:pos] + b + a + id_number[pos + 2 :]
    assert problem(swapped, AS_OF) in ("ID001", "ID002", "ID003")


def test_every_single_digit_change_of_one_id_is_caught() -> None:
    # Exhaustive for one ID, so no single position is left to chance.
    for pos in range(18):
        for new in "0123456789X" if pos == 17 else "0123456789":
            if new != SANYA[pos]:
                changed = SANYA[:pos] + new + SANYA[pos + 1 :]
                assert problem(changed, AS_OF) is not None, changed


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="0123456789Xx", min_size=0, max_size=19), max_size=30))
def test_column_problems_equal_the_scalar_check(texts: list[str]) -> None:
    """The vectorised column check agrees with problem() on arbitrary, mostly broken IDs."""
    as_of = dt.date(2020, 12, 31)
    samples = [*texts, idnumber.make_id("460203", dt.date(1990, 1, 1), 1, "男"), None]
    got = idnumber.problems(pd.Series(samples, dtype=object), as_of).tolist()
    want = [idnumber.problem(v, as_of) if isinstance(v, str) else None for v in samples]
    assert got == want
    sexes = idnumber.sexes(pd.Series(samples, dtype=object)).tolist()
    assert sexes[-2] == "男"
