"""The one finding model every stage produces and every reporter consumes.

Imports nothing internal so that any module may depend on it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Related:
    """The other side of a cross-check: a roster row or another file's row."""

    file: str
    sheet: str | None
    row: int | None
    cell: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    clause: str | None = None
    file: str | None = None
    sheet: str | None = None
    table: str | None = None
    row: int | None = None
    column: str | None = None
    header: str | None = None
    cell: str | None = None
    value: str | None = None
    expected: str | None = None
    related: tuple[Related, ...] = ()
    # Which fields of `value` hold personal data, so reporters know what to mask.
    pii: str | None = None
    # Stable identity across runs (ledgercheck.fingerprints) and, against a baseline or
    # history, "new" or "open" (ledgercheck.tracking).
    fingerprint: str | None = None
    state: str | None = None

    def to_dict(self) -> dict[str, Any]:
        hidden = {"related", "pii", "fingerprint", "state"}
        data = {k: v for k, v in asdict(self).items() if k not in hidden}
        data["severity"] = self.severity.value
        if self.related:
            data["related"] = [r.to_dict() for r in self.related]
        if self.fingerprint is not None:
            data["fingerprint"] = self.fingerprint
        if self.state is not None:
            data["state"] = self.state
        return data

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.file or "",
            self.sheet or "",
            self.row if self.row is not None else -1,
            self.code,
            self.column or "",
        )


@dataclass(frozen=True)
class SheetInfo:
    sheet: str
    table: str | None
    header_row: int | None
    rows: int
    # A national-system export, one row per person: read as members, split into households.
    flat: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.flat:
            del data["flat"]
        return data


@dataclass
class InputInfo:
    file: str
    sheets: list[SheetInfo] = field(default_factory=list)
    error: str | None = None
    role: str | None = None  # "roster": another department's data (--against)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file": self.file, "sheets": [s.to_dict() for s in self.sheets]}
        if self.error:
            data["error"] = self.error
        if self.role:
            data["role"] = self.role
        return data


@dataclass(frozen=True)
class NotRun:
    code: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Aggregate:
    """A measured headline rate of the plan beside its target."""

    name: str
    scope: str
    measured: float | None
    target: float
    numerator: float
    denominator: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Key = tuple[str, str, int]  # (file, sheet, row)


class Districts:
    """The district each checked row names, keyed (file, sheet, row) as a dict would be.

    A dict of 2 million such keys costs ~200 bytes a row (half a gigabyte for a city's
    ledger). Per (file, sheet) this keeps one categorical Series of names indexed by row
    number, sorted: 5 bytes a row. Reporters need only a row's district (`get`), rows per
    district and, to put runs side by side, equality; `update` lets a later part win, as
    dict.update does.
    """

    def __init__(self) -> None:
        self._parts: dict[tuple[str, str], pd.Series] = {}

    @classmethod
    def of(cls, mapping: Mapping[Key, str]) -> Districts:
        """From a plain dict, as a report built by hand may give one."""
        out = cls()
        by_sheet: dict[tuple[str, str], dict[int, str]] = {}
        for (file, sheet, row), name in mapping.items():
            by_sheet.setdefault((file, sheet), {})[row] = name
        for (file, sheet), names in by_sheet.items():
            rows = np.fromiter(names, dtype=np.int64, count=len(names))
            out.add(file, sheet, rows, pd.Series(list(names.values()), dtype="str"))
        return out

    def add(self, file: str, sheet: str, rows: np.ndarray, names: pd.Series) -> None:
        """Name rows of a sheet (a missing name names nothing); a row named before takes
        the new name."""
        part = _part(np.asarray(rows, dtype=np.int64), pd.Categorical(names))
        if not len(part):
            return
        old = self._parts.get((file, sheet))
        if old is not None:
            rows = np.concatenate([old.index.to_numpy(dtype=np.int64), part.index.to_numpy()])
            both = union_categoricals([old.array, part.array], sort_categories=True)
            part = _part(rows, both)
        self._parts[(file, sheet)] = part

    def update(self, other: Districts) -> None:
        for (file, sheet), part in other._parts.items():
            if (file, sheet) in self._parts:
                self.add(file, sheet, part.index.to_numpy(), part)
            else:  # already in the form `_part` gives, and never changed in place
                self._parts[(file, sheet)] = part

    def get(self, key: Key, default: str | None = None) -> str | None:
        part = self._parts.get((key[0], key[1]))
        if part is None:
            return default
        # A binary search: Series.get would build a hash table of the whole index.
        rows = part.index.to_numpy()
        at = int(np.searchsorted(rows, key[2]))
        if at == len(rows) or rows[at] != key[2]:
            return default
        return str(part.cat.categories[part.array.codes[at]])

    def rows_by_district(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for part in self._parts.values():
            names = part.cat.categories
            counts = np.bincount(part.array.codes, minlength=len(names))
            out.update({str(name): int(n) for name, n in zip(names, counts, strict=True)})
        return out

    def names_by_file(self) -> dict[str, set[str]]:
        """The districts each file's rows name."""
        out: dict[str, set[str]] = {}
        for (file, _sheet), part in self._parts.items():
            out.setdefault(file, set()).update(str(name) for name in part.cat.categories)
        return out

    def __len__(self) -> int:
        return sum(len(part) for part in self._parts.values())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Districts):
            return NotImplemented
        return self._parts.keys() == other._parts.keys() and all(
            _same(part, other._parts[key]) for key, part in self._parts.items()
        )

    def __repr__(self) -> str:
        return f"Districts({len(self)} rows in {len(self._parts)} sheets)"


def _part(rows: np.ndarray, names: pd.Categorical) -> pd.Series:
    """Named rows only, each once (its last name), sorted by row; categories sorted and
    all used, so that two equal parts hold equal codes."""
    named = names.codes >= 0
    if not named.all():
        rows, names = rows[named], names[named]
    if not (rows[1:] > rows[:-1]).all():  # a sheet's rows come in order: seldom sorted here
        order = np.argsort(rows, kind="stable")  # a row's later names stay after its earlier
        rows, names = rows[order], names[order]
        last = np.ones(len(rows), dtype=bool)
        last[:-1] = rows[1:] != rows[:-1]
        rows, names = rows[last], names[last]
    names = names.remove_unused_categories()
    if not names.categories.is_monotonic_increasing:
        names = names.reorder_categories(names.categories.sort_values())
    small = len(rows) == 0 or rows[-1] < 2**31  # a sheet's rows fit 4 bytes: half the index
    index = pd.Index(rows.astype(np.int32 if small else np.int64, copy=False))
    return pd.Series(names, index=index, copy=False)


def _same(one: pd.Series, two: pd.Series) -> bool:
    return (
        one.index.equals(two.index)
        and one.cat.categories.equals(two.cat.categories)
        and np.array_equal(one.array.codes, two.array.codes)
    )


@dataclass
class Report:
    rule_pack: str
    inputs: list[InputInfo] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rules_not_run: list[NotRun] = field(default_factory=list)
    aggregates: list[Aggregate] = field(default_factory=list)
    rows: int = 0
    # Per roster: ledger persons matched / missing, roster records outside the ledger (§6).
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    # Data beyond findings that charts need (filled by ledgercheck.stats; empty when a
    # report is built by hand): measured values per series (e.g. every in-patient claim's
    # actual ratio) and the district of each checked row, keyed (file, sheet, row).
    series: dict[str, list[float]] = field(default_factory=dict)
    districts: Districts = field(default_factory=Districts)
    # Findings of the baseline or last recorded run that are gone (their dicts, state
    # "resolved"); None when the run was not compared with an earlier one.
    resolved: list[dict[str, Any]] | None = None
    # Which key the fingerprints are under (ledgercheck.fingerprints.seal); None: plain.
    fingerprint_key: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.districts, Districts):  # a plain dict, from a hand-built report
            self.districts = Districts.of(self.districts)

    def district(self, f: Finding) -> str | None:
        """The district of a finding's row, where the ledger says it."""
        if f.file is None or f.sheet is None or f.row is None:
            return None
        return self.districts.get((f.file, f.sheet, f.row))

    @property
    def unreadable(self) -> list[InputInfo]:
        return [i for i in self.inputs if i.error]

    @property
    def tableless(self) -> list[InputInfo]:
        """The ledger inputs, all read, when not one of their sheets holds a ledger table:
        nothing was checked (an empty workbook, a CSV of something else). Else none."""
        ledger = [i for i in self.inputs if i.role is None]
        if not ledger or self.unreadable or any(s.table for i in ledger for s in i.sheets):
            return []
        return ledger

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def sort(self) -> None:
        # Ties on the location key are broken by content, so the order never depends on
        # which worker or rule produced a finding first.
        self.findings.sort(key=lambda f: (f.sort_key(), f.message, f.value or "", f.expected or ""))
        self.findings = _number_fingerprints(self.findings)

    def summary_by_file(self) -> dict[str, dict[str, int]]:
        """Rows and findings per severity of each input, in input order.

        Findings about the ledger as a whole (POP, no file) belong to no file.
        """
        out = {i.file: {"rows": sum(s.rows for s in i.sheets), **_zero()} for i in self.inputs}
        for f in self.findings:
            if f.file is not None:
                out.setdefault(f.file, {"rows": 0, **_zero()})[f.severity.value] += 1
        return out

    def summary_by_district(self) -> dict[str, dict[str, int]]:
        """Rows and findings per severity of each district the ledger's rows name, sorted.

        A finding counts under the district of its row; one whose row names no district
        (a file, a sheet, a table total) is not counted here.
        """
        out: dict[str, dict[str, int]] = {
            district: {"rows": rows, **_zero()}
            for district, rows in self.districts.rows_by_district().items()
        }
        for f in self.findings:
            named = self.district(f)
            if named is not None:
                out.setdefault(named, {"rows": 0, **_zero()})[f.severity.value] += 1
        return dict(sorted(out.items()))


def _zero() -> dict[str, int]:
    return {s.value: 0 for s in Severity}


def _number_fingerprints(findings: list[Finding]) -> list[Finding]:
    """Tell apart findings that share a fingerprint: the n-th (n ≥ 2) in report order gets
    sha1(fingerprint#n). Done here because only the sorted report has a stable order; once
    numbered all fingerprints differ, so sorting again changes nothing."""
    seen: dict[str, int] = {}
    out: list[Finding] = []
    for f in findings:
        if f.fingerprint is None:
            out.append(f)
            continue
        n = seen[f.fingerprint] = seen.get(f.fingerprint, 0) + 1
        if n > 1:
            f = replace(f, fingerprint=hashlib.sha1(f"{f.fingerprint}#{n}".encode()).hexdigest())
        out.append(f)
    return out


@dataclass(frozen=True)
class Draft:
    """A breach as a stage sees it, before the pack gives it severity, clause and words."""

    code: str
    file: str | None = None
    sheet: str | None = None
    table: str | None = None
    row: int | None = None
    column: str | None = None
    header: str | None = None
    cell: str | None = None
    value: str | None = None
    expected: str | None = None
    related: tuple[Related, ...] = ()
    pii: str | None = None
    expected_is_pii: bool = False
    severity: Severity | None = None  # overrides the pack's, as POP does when coverage is partial
    # Who the row is about (ledgercheck.fingerprints.row_key) and, when a stage knows it
    # better than the default, the finding's fingerprint.
    key: str | None = None
    fingerprint: str | None = None
