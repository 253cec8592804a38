"""Findings as CSV that Excel opens with its Chinese intact.

UTF-8 with a byte-order mark: without it Excel on a Chinese Windows reads the file as GBK.
Every text cell starting like a formula is neutralised, since values come from ledgers.
"""

from __future__ import annotations

import csv
import io

from ledgercheck.findings import Finding, Report
from ledgercheck.reporters.common import neutralise

COLUMNS = (
    "file",
    "sheet",
    "row",
    "cell",
    "code",
    "severity",
    "table",
    "column",
    "header",
    "value",
    "expected",
    "message",
    "clause",
)


def _cells(f: Finding) -> list[str | int]:
    data = f.to_dict()
    out: list[str | int] = []
    for key in COLUMNS:
        value = data.get(key)
        if value is None:
            out.append("")
        elif isinstance(value, int):
            out.append(value)
        else:
            out.append(neutralise(str(value)))
    return out


def render(report: Report) -> bytes:
    buffer = io.StringIO()
    # CRLF line ends, as Excel writes CSV; quoting only where needed keeps it diff-friendly.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for f in report.findings:
        writer.writerow(_cells(f))
    return buffer.getvalue().encode("utf-8-sig")
