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
    """(problem code or None, birth date or NaT where the ID is valid) for a column of IDs."""
    text = ids.astype("string").str.upper()
    shaped = text.str.fullmatch(r"[0-9]{17}[0-9X]").fillna(False).astype(bool)
    births = pd.to_datetime(text.str.slice(6, 14).where(shaped), format="%Y%m%d", errors="coerce")
    bad_birth = shaped & (births.isna() | (births > pd.Timestamp(as_of)))
    checkable = shaped & ~bad_birth
    wrong = pd.Series(False, index=ids.index)
    if checkable.any():
        chosen = text[checkable].to_numpy(dtype=object)
        # Fixed-width bytes: the 18 characters of each ID side by side, digits in C.
        chars = np.asarray(chosen, dtype="S18").view(np.uint8).reshape(-1, 18)
        totals = (chars[:, :17].astype(np.int64) - 48) @ np.array(_WEIGHTS, dtype=np.int64) % 11
        expected = np.frombuffer(_CHECK_CHARS.encode("ascii"), dtype=np.uint8)[totals]
        wrong[checkable] = expected != chars[:, 17]
    code = pd.Series([None] * len(ids), index=ids.index, dtype=object)
    code[_is_text(ids) & ~shaped] = "ID001"
    code[bad_birth] = "ID003"
    code[wrong] = "ID002"
    return code, births.where(checkable & ~wrong)


def _is_text(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.StringDtype):
        return values.notna()
    return values.map(lambda v: isinstance(v, str)).astype(bool)


def problems(ids: pd.Series, as_of: dt.date) -> pd.Series:
    """`problem()` for every ID of a column; None where valid or not text."""
    return checked(ids, as_of)[0]


def sexes(ids: pd.Series) -> pd.Series:
    """'男'/'女' from the 17th digit of well-formed IDs, None elsewhere."""
    digit = pd.to_numeric(ids.astype("string").str.slice(16, 17), errors="coerce").to_numpy()
    known = ~np.isnan(digit)
    odd = np.mod(np.where(known, digit, 0), 2) == 1
    out = np.where(odd, MALE, FEMALE).astype(object)
    out[~known] = None
    return pd.Series(out, index=ids.index, dtype=object)
