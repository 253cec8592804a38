"""Stable identities of findings, so an anomaly can be followed from run to run (逐项对账销号).

A finding's fingerprint names *what* is wrong about *whom*, never *where* it was found:
the rule code, the table, the person or household the row is about (its subject key) and
the canonical column. Row numbers, sheet order, file names and run times are left out, so
sorting a sheet, renaming a file or re-running tomorrow keeps every fingerprint. Findings
that would share one (a person with two faulty claims) are told apart by an occurrence
counter in report order (Report.sort).
"""

from __future__ import annotations

import hashlib

import pandas as pd

from ledgercheck import values
from ledgercheck.findings import Draft

# Per table, the alternatives that identify the row's subject, most specific first: the
# first alternative whose cells are all filled is the key. A member without an ID number
# (F006) is still known by household and name.
SUBJECT_KEYS: dict[str, tuple[tuple[str, ...], ...]] = {
    "households": (("household_id",), ("head_id_number",), ("village", "head_name")),
    "members": (("id_number",), ("household_id", "name")),
    "medical": (("id_number",), ("name",)),
    "payments": (("id_number",), ("household_id", "name")),
    "loans": (("id_number",),),
    "villages": (("district", "village"), ("village",)),
    "housing": (("head_id_number",), ("head_name",)),
}
# Department rosters and anything else: a person's ID, else a name.
DEFAULT_KEYS: tuple[tuple[str, ...], ...] = (("id_number",), ("head_id_number",), ("name",))

_SEP = "\x1f"  # a unit separator cannot occur in a cell, so parts never run together


def _cell(frame: pd.DataFrame, raw: pd.DataFrame | None, column: str, pos: int) -> str | None:
    """The cell as typed (so ' 4602…' and '4602…' agree), else as read when unreadable."""
    if column in frame.columns and pos < len(frame):
        v = frame[column].iat[pos]
        if not values.is_empty(v):
            return values.clean_text(str(v))
    if raw is not None and column in raw.columns and pos < len(raw):
        return values.clean_text(raw[column].iat[pos])
    return None


def row_key(table: str, frame: pd.DataFrame, raw: pd.DataFrame | None, pos: int) -> str | None:
    """The subject key of the row at position `pos`, or None when no key cell is filled."""
    for columns in SUBJECT_KEYS.get(table, DEFAULT_KEYS):
        parts = [_cell(frame, raw, c, pos) for c in columns]
        if all(p is not None for p in parts):
            return _SEP.join(f"{c}={p}" for c, p in zip(columns, parts, strict=True))
    return None


def of(draft: Draft) -> str:
    """The fingerprint of a draft before duplicates are numbered.

    Row findings are keyed by their subject; findings about a file, sheet or table (no
    row) by the table, or for an unrecognised sheet (no table) by the sheet's name. The
    file's name is never used: renaming 吉阳区.xlsx must not reopen its anomalies.
    """
    parts = [draft.code, draft.table or "", draft.key or "", draft.column or ""]
    if draft.table is None:
        parts.append(draft.sheet or "")
    return hashlib.sha1(_SEP.join(parts).encode("utf-8")).hexdigest()
