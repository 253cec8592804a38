"""Chinese resident ID numbers (公民身份号码, GB 11643-1999).

Layout: 6-digit region code, 8-digit birth date (YYYYMMDD), 3-digit sequence whose last
digit is odd for men and even for women, and an ISO 7064 MOD 11-2 check character.

python-stdnum's ``cn.ric`` is deliberately not used: it ties region codes to the years in
which they existed and so rejects valid Sanya IDs (460200-460205).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = [
    "age_at", "birth_date", "check_digit", "checked", "make_id", "problem", "problems", "region",
    "sex", "sexes",
]  # fmt: skip

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
# [0-9] rather than \d, which would also accept full-width and other Unicode digits.
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
_FIRST17 = re.compile(r"[0-9]{17}")
_REGION = re.compile(r"[0-9]{6}")

MALE = "男"
FEMALE = "女"


def check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character ('0'-'9' or 'X') for 17 digits."""
    if not _FIRST17.fullmatch(first17):
        raise ValueError(f"need exactly 17 digits, got {first17!r}")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def _well_formed(id_number: str) -> bool:
    # A lower-case x is the same character; values.parse_id_number upper-cases it anyway.
    return _SHAPE.fullmatch(id_number.upper()) is not None


def _date_in(id_number: str) -> dt.date | None:
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def problem(id_number: str, as_of: dt.date) -> str | None:
    """The finding code for an ID number, or None when it is valid.

    'ID001' malformed (not 17 digits + digit/X), 'ID003' birth date not real or after
    ``as_of``, 'ID002' wrong check digit, checked in that order.
    """
    if not _well_formed(id_number):
        return "ID001"
    born = _date_in(id_number)
    if born is None or born > as_of:
        return "ID003"
    if check_digit(id_number[:17]) != id_number[17].upper():
        return "ID002"
    return None


def birth_date(id_number: str) -> dt.date | None:
    """The birth date encoded in the ID; None when malformed or not a real date."""
    if not _well_formed(id_number):
        return None
    return _date_in(id_number)


def sex(id_number: str) -> str | None:
    """'男' when the 17th digit is odd, '女' when even; None when malformed."""
    if not _well_formed(id_number):
        return None
    return MALE if int(id_number[16]) % 2 else FEMALE


def region(id_number: str) -> str | None:
    """The 6-digit administrative region code; None when malformed."""
    if not _well_formed(id_number):
        return None
    return id_number[:6]


def age_at(id_number: str, on: dt.date) -> int | None:
    """Age in full years on ``on``; None when the birth date is unknown or after ``on``."""
    born = birth_date(id_number)
    if born is None or born > on:
        return None
    before_birthday = (on.month, on.day) < (born.month, born.day)
    return on.year - born.year - before_birthday


def make_id(region: str, birth: dt.date, seq: int, sex: str) -> str:
    """A valid ID for the synthetic data generator.

    ``seq`` (0-99) fills positions 15-16; the 17th digit is odd for '男' and even for '女'
    and varies with ``seq`` so generated IDs do not all share one digit.
    """
    if not _REGION.fullmatch(region):
        raise ValueError(f"region must be 6 digits, got {region!r}")
    if not 0 <= seq <= 99:
        raise ValueError(f"seq must be 0-99, got {seq}")
    if sex not in (MALE, FEMALE):
        raise ValueError(f"sex must be {MALE!r} or {FEMALE!r}, got {sex!r}")
    sex_digit = (seq % 5) * 2 + (1 if sex == MALE else 0)
    # Explicit padding: strftime's %Y does not zero-pad years before 1000 on glibc.
    first17 = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}{seq:02d}{sex_digit}"
    return first17 + check_digit(first17)


# --- whole columns at once --------------------------------------------------------------
# A province has millions of IDs: the checks below are the scalar ones above, vectorised.


def checked(ids: pd.Series, as_of: dt.date) -> tuple[pd.Series, pd.Series]:
    """(problem code or None, birth date or NaT where the ID is valid) for a column of IDs.

    Digits are read as bytes (`_id_bytes`) and dates and check digits computed from them
    column by column: parsing date strings or an int64 matrix of every digit would take
    ~100 MB each for a city's million members.
    """
    text = ids.astype("string").str.upper()
    shaped = text.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).to_numpy(dtype=bool)
    chars = _id_bytes(text[shaped])
    births = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[us]")
    births[shaped] = _birth_dates(chars)
    bad_birth = shaped & (np.isnat(births) | (births > np.datetime64(as_of, "us")))
    wrong = np.zeros(len(ids), dtype=bool)
    wrong[shaped] = _CHECK_BYTES[_weighted_sum(chars) % 11] != chars[:, 17]
    wrong &= ~bad_birth
    # One shared string per code: a None or code object made per row costs 8 bytes more.
    codes = np.where(_is_text(ids).to_numpy(dtype=bool) & ~shaped, 1, 0)
    codes[bad_birth] = 3
    codes[wrong] = 2
    code = pd.Series(_CODES[codes], index=ids.index, dtype=object)
    valid = shaped & ~bad_birth & ~wrong
    return code, pd.Series(np.where(valid, births, np.datetime64("NaT")), index=ids.index)


_CODES = np.array([None, "ID001", "ID002", "ID003"], dtype=object)
_CHECK_BYTES = np.frombuffer(_CHECK_CHARS.encode("ascii"), dtype=np.uint8)
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _id_bytes(text: pd.Series) -> np.ndarray:
    """The 18 ASCII bytes of each ID of `text` (all well-formed) as rows of a uint8 matrix.

    Read from the column's Arrow buffers where it has them: a Python string per ID, which
    `to_numpy` would make, costs ~75 bytes (75 MB for a city's members).
    """
    n = len(text)
    if n and isinstance(text.dtype, pd.StringDtype) and text.dtype.storage == "pyarrow":
        arr = pa.array(text.array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        width = 8 if pa.types.is_large_string(arr.type) else 4
        offsets = np.frombuffer(
            arr.buffers()[1], dtype=f"<i{width}", count=n + 1, offset=arr.offset * width
        )
        if (np.diff(offsets) == 18).all():  # back to back, as a filtered array lays them
            data = np.frombuffer(arr.buffers()[2], np.uint8, count=18 * n, offset=int(offsets[0]))
            return data.reshape(n, 18)
    return np.asarray(text.to_numpy(dtype=object), dtype="S18").view(np.uint8).reshape(-1, 18)


def _number(digits: np.ndarray) -> np.ndarray:
    """ASCII digit columns (uint8) as one integer per row."""
    out = np.zeros(len(digits), dtype=np.int64)
    for i in range(digits.shape[1]):
        out = out * 10 + (digits[:, i] - 48)
    return out


def _weighted_sum(chars: np.ndarray) -> np.ndarray:
    """The MOD 11-2 sum of the first 17 digits, one column at a time (no 17-wide copy)."""
    total = np.zeros(len(chars), dtype=np.int64)
    for i, weight in enumerate(_WEIGHTS):
        total += (chars[:, i] - 48).astype(np.int64) * weight
    return total


def _birth_dates(chars: np.ndarray) -> np.ndarray:
    """Positions 7-14 (YYYYMMDD) as dates; NaT where no such day exists (as `_date_in`)."""
    year, month, day = _number(chars[:, 6:10]), _number(chars[:, 10:12]), _number(chars[:, 12:14])
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = _MONTH_DAYS[np.clip(month, 1, 12) - 1] + ((month == 2) & leap)
    real = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= last)
    months = ((year - 1970) * 12 + np.clip(month, 1, 12) - 1).astype("datetime64[M]")
    dates = months.astype("datetime64[D]") + (np.clip(day, 1, 31) - 1).astype("timedelta64[D]")
    return np.where(real, dates.astype("datetime64[us]"), np.datetime64("NaT"))


def _is_text(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.StringDtype):
        return values.notna()
    return values.map(lambda v: isinstance(v, str)).astype(bool)


def problems(ids: pd.Series, as_of: dt.date) -> pd.Series:
    """`problem()` for every ID of a column; None where valid or not text."""
    return checked(ids, as_of)[0]


def sexes(ids: pd.Series) -> pd.Series:
    """'男'/'女' from the 17th digit of well-formed IDs, None elsewhere.

    Every row holds one of two shared strings (an object array picked from [None, 男, 女]):
    a string made per member costs ~80 bytes a row.
    """
    digit = ids.astype("string").str.slice(16, 17)
    male = digit.isin(("1", "3", "5", "7", "9")).to_numpy(dtype=bool)
    female = digit.isin(("0", "2", "4", "6", "8")).to_numpy(dtype=bool)
    picks = np.array([None, MALE, FEMALE], dtype=object)
    return pd.Series(picks[male + 2 * female], index=ids.index, dtype=object)
