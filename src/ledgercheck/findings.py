"""The one finding model every stage produces and every reporter consumes.

Imports nothing internal so that any module may depend on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
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

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k not in {"related", "pii"}}
        data["severity"] = self.severity.value
        if self.related:
            data["related"] = [r.to_dict() for r in self.related]
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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class InputInfo:
    file: str
    sheets: list[SheetInfo] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"file": self.file, "sheets": [s.to_dict() for s in self.sheets]}
        if self.error:
            data["error"] = self.error
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
        self.findings.sort(key=Finding.sort_key)


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
