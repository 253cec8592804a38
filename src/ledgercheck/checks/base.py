"""The rule registry and the shapes a rule returns."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ledgercheck.ledger import Ledger
    from ledgercheck.packs import Pack


@dataclass
class Hits:
    """Rows of a table that break a rule, with what the finding should say about each."""

    mask: pd.Series  # True where the rule is broken
    # Per row (see `shown`: only flagged rows are read) or one text for every row.
    expected: pd.Series | str | None = None
    value: pd.Series | None = None  # a computed value to show instead of the cell's own
    column: pd.Series | str | None = None  # where it is not the target's `point`
    expected_is_pii: bool = False  # expected holds another record's ID or name: mask it too
    related: pd.Series | None = None  # per-row tuple[Related, ...]: the other side of a match


@dataclass(frozen=True)
class TableHit:
    """A finding about the ledger as a whole (POP), with no row."""

    value: str | None
    expected: str | None
    severity: str | None = None  # overrides the pack's (POP is info when coverage is partial)


@dataclass(frozen=True)
class Target:
    table: str
    point: str | None = None  # the column a finding points at
    columns: tuple[str, ...] = ()  # columns of `table` the rule needs


RowCheck = Callable[["Ledger", "Pack", Target], Hits]
LedgerCheck = Callable[["Ledger", "Pack"], list[TableHit]]


@dataclass(frozen=True)
class Rule:
    code: str
    targets: tuple[Target, ...]
    needs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # other tables → columns
    check: RowCheck | None = None
    ledger_check: LedgerCheck | None = None

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(t.table for t in self.targets)


REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    table: str | None = None,
    point: str | None = None,
    columns: Sequence[str] = (),
    needs: Mapping[str, tuple[str, ...]] | None = None,
    targets: Sequence[Target] = (),
) -> Callable[[RowCheck], RowCheck]:
    """Register a row rule; `columns` defaults to the pointed-at column."""
    if table is not None:
        targets = (Target(table, point, tuple(columns) or ((point,) if point else ())),)

    def register(fn: RowCheck) -> RowCheck:
        REGISTRY[code] = Rule(code, tuple(targets), dict(needs or {}), check=fn)
        return fn

    return register


def ledger_rule(
    code: str,
    table: str,
    needs: Mapping[str, tuple[str, ...]] | None = None,
) -> Callable[[LedgerCheck], LedgerCheck]:
    def register(fn: LedgerCheck) -> LedgerCheck:
        REGISTRY[code] = Rule(code, (Target(table),), dict(needs or {}), ledger_check=fn)
        return fn

    return register


def flag(series: pd.Series) -> pd.Series:
    """A nullable boolean comparison as a plain mask: unknown is not a breach."""
    return series.astype("boolean").fillna(False).astype(bool)


def lists(series: pd.Series, value: str) -> pd.Series:
    """Whether a comma-joined multi-value cell (健康状况 …) lists `value`."""
    if not isinstance(series.dtype, pd.StringDtype):
        return series.map(lambda v: isinstance(v, str) and value in v.split(",")).astype(bool)
    found = series.str.contains(f"(?:^|,){re.escape(value)}(?:,|$)", regex=True)
    return found.fillna(False).astype(bool)


def text(series: pd.Series, fmt: str = "{}", only: pd.Series | None = None) -> pd.Series:
    """Render values for `expected`/`value`, keeping missing as None.

    `only`: the rows a finding will show (the rule's mask); the rest stay None, unformatted.
    """
    rows = pd.Series(True, index=series.index) if only is None else only
    chosen = series[rows.to_numpy(dtype=bool)]
    return shown(
        rows, chosen.map(lambda v: None if v is None or v is pd.NA or v != v else fmt.format(v))
    )


def shown(rows: pd.Series, values: pd.Series) -> pd.Series:
    """What findings show (`expected`, `value`, `column`), on the flagged `rows` only.

    `values` spans the table or, so that only shown rows are ever formatted, just the
    flagged rows (`values[rows]`). Every rule's Hits stay alive until its table is
    validated: an object Series of texts costs 8 bytes a row and a Python string per
    filled row (~100 MB for a million claims). This categorical costs 1-4 bytes a row
    and holds each text once; the pipeline reads it back as the text, or None.
    """
    flagged = rows.to_numpy(dtype=bool)
    if len(values) == len(flagged):
        values = values[flagged]
    texts = pd.Categorical(values)
    codes = np.full(len(flagged), -1, dtype=texts.codes.dtype)
    codes[flagged] = texts.codes
    return pd.Series(pd.Categorical.from_codes(codes, dtype=texts.dtype), index=rows.index)
