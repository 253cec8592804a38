"""The one finding model every stage produces and every reporter consumes.

Imports nothing internal so that any module may depend on it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any


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
    districts: dict[tuple[str, str, int], str] = field(default_factory=dict)
    # Findings of the baseline or last recorded run that are gone (their dicts, state
    # "resolved"); None when the run was not compared with an earlier one.
    resolved: list[dict[str, Any]] | None = None

    def district(self, f: Finding) -> str | None:
        """The district of a finding's row, where the ledger says it."""
        if f.file is None or f.sheet is None or f.row is None:
            return None
        return self.districts.get((f.file, f.sheet, f.row))

    @property
    def unreadable(self) -> list[InputInfo]:
        return [i for i in self.inputs if i.error]

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
            for district, rows in Counter(self.districts.values()).items()
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
