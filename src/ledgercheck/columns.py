"""Header labels → canonical columns, ignoring the ways people write headers."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from ledgercheck.tables import ALL_ID_HEADERS, TABLES, Kind, Table

_SPACE_RE = re.compile(r"[\s\u3000\u00a0]+")
_UNIT_RE = re.compile(r"\([^()]*\)$")
_DECOR_RE = re.compile(r"^[*★☆※]+|[*★☆※:：]+$")


def norm_label(label: object) -> str:
    """Full-width/half-width, spaces and line breaks do not distinguish headers."""
    if label is None:
        return ""
    return _norm_text(str(label))


@lru_cache(maxsize=4096)
def _norm_text(text: str) -> str:
    # Cached: header search normalizes the same cells many times, and one 10 MB cell in the
    # first rows would otherwise be normalized a thousand times (tests/test_hostile.py).
    text = unicodedata.normalize("NFKC", text)
    text = _SPACE_RE.sub("", text)
    return _DECOR_RE.sub("", text)


def strip_unit(label: str) -> str:
    return _UNIT_RE.sub("", label)


@dataclass(frozen=True)
class Match:
    column: str
    negated: bool = False


@cache
def alias_index(table_name: str) -> dict[str, Match]:
    table = TABLES[table_name]
    index: dict[str, Match] = {}
    for col in table.columns:
        # Spec §6: the ID headers of any table name every table's ID column (a roster's
        # key, 户主证件号码 of a renovation roster included), after the column's own.
        shared = col.name == "id_number" or (table.roster and col.kind is Kind.ID)
        for label in (col.header, *col.aliases, *(ALL_ID_HEADERS if shared else ())):
            index.setdefault(norm_label(label), Match(col.name))
        for label in col.negated_aliases:
            index.setdefault(norm_label(label), Match(col.name, negated=True))
    return index


@cache
def known_keys(table_names: tuple[str, ...]) -> frozenset[str]:
    """Every label these tables know: most cells of a header search's rows are data."""
    return frozenset(key for name in table_names for key in alias_index(name))


def may_match(key: str, known: frozenset[str]) -> bool:
    return key in known or (key.endswith(")") and strip_unit(key) in known)


def match_label(table: Table, label: object) -> Match | None:
    key = norm_label(label)
    return match_key(table, key) if key else None


def match_key(table: Table, key: str) -> Match | None:
    """`match_label` for a label already normalized (header search looks up each cell of
    its first rows under every table)."""
    index = alias_index(table.name)
    found = index.get(key)
    if found is None and key.endswith(")"):  # NFKC made a full-width （） half-width
        bare = strip_unit(key)
        found = index.get(bare) if bare != key else None
    return found
