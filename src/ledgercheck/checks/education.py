"""EDU001–EDU003: compulsory schooling and education aid (二(二)1 全上学、全资助)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ledgercheck.checks.base import Hits, Target, flag, lists, rule, shown
from ledgercheck.checks.medical import LEDGER_PERSON, person_columns
from ledgercheck.ledger import Ledger, age_at, lookup
from ledgercheck.packs import Pack

OUT_OF_SCHOOL = ("非在校生", "辍学")
# The plan checks the schooling of 幼儿 through 中职生 and aims at 全资助, so 学前教育 counts
# as enrolled; 送教上门 is schooling delivered at home.
ENROLLED = ("学前教育", "小学", "初中", "高中", "中职", "高职高专", "本科及以上", "送教上门")


def _date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def age_on(m: pd.DataFrame, on: dt.date) -> pd.Series:
    """Age from the ID's birth date, falling back to 年龄 where the ID gives none."""
    from_id = age_at(m["_birth"], on)
    if "age" not in m.columns:
        return from_id
    return from_id.fillna(m["age"])


def _has_disability(m: pd.DataFrame) -> pd.Series:
    if "health" not in m.columns:
        return pd.Series(False, index=m.index)
    return lists(m["health"], "残疾")


@rule("EDU001", "members", "school_status", person_columns("school_status"), LEDGER_PERSON)
def out_of_school(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    age = age_on(m, _date(pack.param("EDU001", "school_year_date")))
    low, high = pack.param("EDU001", "min_age"), pack.param("EDU001", "max_age")
    compulsory = flag((age >= low) & (age <= high))
    # Exempt: a disability that prevents schooling (the plan's 身体残疾等特殊原因).
    bad = m["_in_ledger"] & compulsory & m["school_status"].isin(OUT_OF_SCHOOL)
    # Show the status as read into the vocabulary: an empty cell means 非在校生.
    return Hits(flag(bad & ~_has_disability(m)), value=m["school_status"])


@rule(
    "EDU002",
    "members",
    "education_aid",
    person_columns("school_status", "education_aid"),
    LEDGER_PERSON,
)
def no_education_aid(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    enrolled = m["school_status"].isin(ENROLLED)
    unaided = m["education_aid"] == False  # noqa: E712 - nullable boolean column
    return Hits(flag(m["_in_ledger"] & enrolled & unaided), "是")


def _level_ranges(pack: Pack) -> dict[str, tuple[int, int]]:
    return {str(k): (int(v[0]), int(v[1])) for k, v in pack.param("EDU003", "ages").items()}


@rule("EDU003", "members", "school_status", ("school_status",))
def age_fits_level(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    ranges = _level_ranges(pack)
    age = age_on(m, pack.as_of)
    status = m["school_status"]
    low = lookup(status, pd.Series({k: lo for k, (lo, _) in ranges.items()}, dtype="float64"))
    high = lookup(status, pd.Series({k: hi for k, (_, hi) in ranges.items()}, dtype="float64"))
    bad = flag((age < low.astype("Int64")) | (age > high.astype("Int64")))
    expected = status[bad].map({k: f"{lo}–{hi}岁" for k, (lo, hi) in ranges.items()})
    return Hits(bad, shown(bad, expected))
