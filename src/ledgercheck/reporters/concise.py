"""One grep-able line per finding: `a.xlsx:成员信息!H17: MED001 error message`."""

from __future__ import annotations

from ledgercheck.findings import Finding, Report
from ledgercheck.reporters.common import where

NO_FILE = "-"  # ledger-wide findings (POP) belong to no one file


def line(f: Finding) -> str:
    place = f.file or NO_FILE
    if spot := where(f):
        place = f"{place}:{spot}"
    # A message never spans lines here, so each finding stays one grep hit.
    message = " ".join(f.message.split())
    return f"{place}: {f.code} {f.severity.value} {message}"


def render(report: Report) -> str:
    return "".join(line(f) + "\n" for f in report.findings)
