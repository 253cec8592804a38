"""All tables of one run, combined per kind, with the columns rules derive across tables.

Cross-table facts (a member's household type, a claimant's extreme-poverty support) are
joined here once, so each rule stays a per-table row predicate.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ledgercheck import idnumber
from ledgercheck.normalize import TableData, empty_cells
from ledgercheck.tables import LEDGER_TYPES, TABLES

ID_COLUMNS = ("id_number", "head_id_number")


@dataclass
class Ledger:
    sources: list[TableData] = field(default_factory=list)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    raws: dict[str, pd.DataFrame] = field(default_factory=dict)

    def has(self, table: str, *columns: str) -> bool:
        frame = self.frames.get(table)
        return frame is not None and all(c in frame.columns for c in columns)

    def missing(self, table: str, columns: tuple[str, ...]) -> str | None:
        """Why rules on these columns cannot run, as `rules_not_run` says it; None if they can."""
        if table not in self.frames:
            roster = table in TABLES and TABLES[table].roster
            return f"no {table} {'roster' if roster else 'table'}"
        absent = [c for c in columns if c not in self.frames[table].columns]
        return f"{table} has no column {', '.join(absent)}" if absent else None

    def source(self, tid: int) -> TableData:
        return self.sources[tid]

    def blank(self, table: str, column: str) -> pd.Series:
        """True where the cell as read is empty: an unreadable cell (F007) is not blank."""
        cells = self.raws[table][column]
        return pd.Series(empty_cells(cells), index=cells.index)


def combine(sources: list[TableData], as_of: dt.date) -> Ledger:
    ledger = Ledger(sources=sources)
    by_table: dict[str, list[int]] = {}
    for tid, data in enumerate(sources):
        by_table.setdefault(data.table.name, []).append(tid)
    for name, tids in by_table.items():
        frames = [sources[t].frame.assign(_tid=t) for t in tids]
        raws = [sources[t].raw for t in tids]
        ledger.frames[name] = pd.concat(frames, ignore_index=True, sort=False)
        ledger.raws[name] = pd.concat(raws, ignore_index=True, sort=False)
    enrich(ledger, as_of)
    return ledger


def enrich(ledger: Ledger, as_of: dt.date) -> None:
    for name, frame in ledger.frames.items():
        if name in TABLES and TABLES[name].roster:
            continue  # a roster's IDs are matched, not checked: no ID rule reads them
        for col in ID_COLUMNS:
            if col in frame.columns:
                code, born = idnumber.checked(frame[col], as_of)
                frame[f"_{col}_problem"] = code
                if name == "members" and col == "id_number":
                    frame["_birth"] = born
        ledger.frames[name] = frame
    if "members" in ledger.frames:
        _enrich_members(ledger, as_of)
    _enrich_claims(ledger, [n for n in ("medical", "payments", "loans") if n in ledger.frames])
    if "payments" in ledger.frames:
        _enrich_payments(ledger)


def _valid_ids(frame: pd.DataFrame, col: str = "id_number") -> pd.Series:
    return frame[col].where(frame[f"_{col}_problem"].isna())


def _enrich_members(ledger: Ledger, as_of: dt.date) -> None:
    m = ledger.frames["members"]
    ids = _valid_ids(m) if "id_number" in m.columns else pd.Series([None] * len(m), dtype=object)
    if "_birth" not in m.columns:
        m["_birth"] = pd.Series(pd.NaT, index=m.index, dtype="datetime64[ns]")
    m["_id_sex"] = idnumber.sexes(ids)
    m["_sex"] = (
        m["sex"].where(m["sex"].notna(), m["_id_sex"]) if "sex" in m.columns else m["_id_sex"]
    )
    hh = ledger.frames.get("households")
    if hh is not None and "household_id" in m.columns and "household_id" in hh.columns:
        joined = {"household_type": "_hh_type", "extreme_poverty_support": "_extreme"}
        first = _first(hh, "household_id", (*joined, "district"))
        at = positions(m["household_id"], first.index)
        for src, dst in joined.items():
            if src in first.columns:
                m[dst] = _taken(first[src], at, m.index)
        if "district" in first.columns:
            # For the charts' per-区 figures only: a few names, a byte a member as categories.
            m["_district"] = _taken(first["district"].astype("category"), at, m.index)
        m["_hh_found"] = pd.Series(at >= 0, index=m.index)
    if "_hh_type" in m.columns:
        m["_in_ledger"] = m["_hh_type"].isin(LEDGER_TYPES)
    ledger.frames["members"] = m


def _first(frame: pd.DataFrame, key: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """`columns` of the first row of each `key`, indexed by it. Only those columns:
    deduplicating the whole table would copy every column of it."""
    present = [c for c in columns if c in frame.columns and c != key]
    return frame[[key, *present]].drop_duplicates(key).set_index(key)


def positions(keys: pd.Series, known: pd.Index) -> np.ndarray:
    """Where each key is in `known` (unique), -1 where it is not: `known.get_indexer(keys)`.

    By Arrow's hash lookup when both are Arrow strings: pandas 3 first boxes every key of
    its Arrow-backed str dtype in Python (1.4 s and 100 MB for a million members).
    """
    ours, theirs = _arrow_text(keys), _arrow_text(known)
    if ours is None or theirs is None:
        return known.get_indexer(pd.Index(keys))
    if isinstance(theirs, pa.ChunkedArray):
        theirs = theirs.combine_chunks()
    at = pc.index_in(ours, value_set=theirs.cast(ours.type))
    return np.asarray(pc.fill_null(at, -1).to_numpy(), dtype=np.intp)


def _arrow_text(values: pd.Series | pd.Index) -> pa.Array | pa.ChunkedArray | None:
    dtype = values.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    return pa.array(values.array)  # no copy: the column's own Arrow data


def found(keys: pd.Series, known: pd.Index) -> pd.Series:
    """`keys.isin(known)` for a unique index, by hash lookup: pandas 3's isin on its
    arrow-backed str dtype boxes every value of `known` in Python (0.5 s for 30,000 IDs)."""
    return pd.Series(positions(keys, known) >= 0, index=keys.index, dtype=bool)


def lookup(keys: pd.Series, table: pd.Series) -> pd.Series:
    """`keys.map(table)` for a table with unique keys, by `positions`: NA where absent."""
    return _taken(table, positions(keys, table.index), keys.index)


def _taken(values: pd.Series, at: np.ndarray, index: pd.Index) -> pd.Series:
    """`keys.map(values)` from positions found once: NA where a key is not there."""
    return pd.Series(pd.api.extensions.take(values.array, at, allow_fill=True), index=index)


_CLAIMANT = {
    "_extreme": "_m_extreme",
    "_hh_type": "_m_hh_type",
    "household_id": "_m_household_id",
    "_district": "_m_district",
}


def _enrich_claims(ledger: Ledger, names: list[str]) -> None:
    """Each claim, payment and loan with its member's household facts: the members looked
    up once for all three tables (a province's million IDs take 0.1 s to index)."""
    members = ledger.frames.get("members")
    names = [n for n in names if "id_number" in ledger.frames[n].columns]
    if members is None or "id_number" not in members.columns or not names:
        return
    people = _first(members, "id_number", tuple(_CLAIMANT))
    ids = [ledger.frames[n]["id_number"] for n in names]
    together = pd.concat(ids, ignore_index=True) if len(ids) > 1 else ids[0]
    everyone = positions(together, people.index)
    ends = np.cumsum([len(i) for i in ids])
    for name, at in zip(names, np.split(everyone, ends[:-1]), strict=True):
        frame = ledger.frames[name]
        frame["_member_found"] = pd.Series(at >= 0, index=frame.index)
        for src, dst in _CLAIMANT.items():
            if src in people.columns:
                frame[dst] = _taken(people[src], at, frame.index)


def _enrich_payments(ledger: Ledger) -> None:
    """The household a payment belongs to: its own 户编号, else the payee's household.

    `_pay_household_id` exists only when one of the two links exists, so household rules
    (PAY007, PAY008) are reported as not run rather than judged without a household.
    """
    pay = ledger.frames["payments"]
    links = [pay[c] for c in ("household_id", "_m_household_id") if c in pay.columns]
    if not links:
        return
    key = links[0] if len(links) == 1 else links[0].where(links[0].notna(), links[1])
    pay["_pay_household_id"] = key
    hh = ledger.frames.get("households")
    if hh is not None and {"household_id", "business_net_income"} <= set(hh.columns):
        first = _first(hh, "household_id", ("business_net_income",))
        pay["_hh_business_income"] = lookup(key, first["business_net_income"]).astype("float64")
    ledger.frames["payments"] = pay


def age_at(births: pd.Series, on: dt.date) -> pd.Series:
    """Full years on a date, from a column of birth dates (NA where unknown)."""
    born = pd.to_datetime(births)
    before = (born.dt.month > on.month) | ((born.dt.month == on.month) & (born.dt.day > on.day))
    return (on.year - born.dt.year - before.astype("int64")).astype("Int64")


@dataclass(frozen=True)
class Absent:
    """A reason `Ledger.missing` gave, read back: the table, and its columns if it was there."""

    table: str
    columns: tuple[str, ...] = ()


_ABSENT = re.compile(r"no (\w+) (?:table|roster)|(\w+) has no column (\w+(?:, \w+)*)")


def absent(reason: str) -> Absent | None:
    """What `Ledger.missing` said is absent; None for any other reason a rule did not run."""
    m = _ABSENT.fullmatch(reason)
    if m is None or (m[1] or m[2]) not in TABLES:
        return None
    return Absent(m[1]) if m[1] else Absent(m[2], tuple(m[3].split(", ")))
