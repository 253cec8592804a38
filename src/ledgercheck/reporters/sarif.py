"""SARIF 2.1.0: the static-analysis interchange format code-scanning services ingest.

A spreadsheet has no lines, so a finding's Excel row is the region's `startLine` and the
sheet and cell ride in the region's property bag; the same place is also given as a
logical location (`成员信息!H17`) for viewers that show those. URIs are the paths as given
on the command line, percent-encoded as RFC 3986 asks (Chinese file names included),
never made absolute: a report must not reveal the clerk's folders.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from ledgercheck import __version__, catalog
from ledgercheck.findings import Finding, Related, Report, Severity
from ledgercheck.reporters.common import where

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# A finding's state against a baseline (ledgercheck.tracking) in SARIF's words.
BASELINE = {"new": "new", "open": "unchanged", "resolved": "absent"}


def uri(path: str) -> str:
    return quote(path.replace("\\", "/"), safe="/:@!$&'()*+,;=-._~")


def _rule(code: str, severity: Severity, lang: str) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "id": code,
        "shortDescription": {"text": catalog.text(code, "title", lang) or code},
        "defaultConfiguration": {"level": LEVEL[severity]},
    }
    what = catalog.text(code, "what", lang)
    if what:
        rule["fullDescription"] = {"text": what}
    rule["properties"] = {"clause": catalog.clause(code)}
    return rule


def _physical(
    file: str, sheet: str | None, row: int | None, cell: str | None, value: str | None
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri(file)}}
    place = {"sheet": sheet, "cell": cell}
    if row is not None:
        region: dict[str, Any] = {"startLine": row}
        if value:
            region["snippet"] = {"text": value}
        region["properties"] = place
        physical["region"] = region
    elif sheet:
        physical["properties"] = place
    return physical


def _location(f: Finding) -> dict[str, Any] | None:
    if not f.file:
        return None  # a ledger-wide finding (POP) has no place in any one file
    location: dict[str, Any] = {
        "physicalLocation": _physical(f.file, f.sheet, f.row, f.cell, f.value)
    }
    if spot := where(f):
        location["logicalLocations"] = [{"fullyQualifiedName": spot, "kind": "element"}]
    return location


def _related(items: tuple[Related, ...]) -> list[dict[str, Any]]:
    return [
        {"id": i, "physicalLocation": _physical(r.file, r.sheet, r.row, r.cell, None)}
        for i, r in enumerate(items, start=1)
    ]


def fingerprint(f: Finding) -> str:
    """Stable across runs, so code scanning matches a finding with its earlier self."""
    key = "|".join(str(x) for x in (f.code, f.file, f.sheet, f.row, f.column))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _result(f: Finding, index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": f.message},
    }
    if (location := _location(f)) is not None:
        result["locations"] = [location]
    if f.related:
        result["relatedLocations"] = _related(f.related)
    # The pipeline's own fingerprint where it gave one (the one baselines use), else ours.
    result["partialFingerprints"] = {"ledgercheck/v1": f.fingerprint or fingerprint(f)}
    if f.state in BASELINE:
        result["baselineState"] = BASELINE[f.state]
    extra = {"table": f.table, "column": f.column, "header": f.header, "expected": f.expected}
    result["properties"] = {k: v for k, v in extra.items() if v is not None}
    return result


def to_dict(report: Report, lang: str) -> dict[str, Any]:
    first: dict[str, Severity] = {}
    for f in report.findings:
        first.setdefault(f.code, f.severity)
    codes = sorted(first)
    index = {code: i for i, code in enumerate(codes)}
    driver = {
        "name": "ledgercheck",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(code, first[code], lang) for code in codes],
    }
    run = {
        "tool": {"driver": driver},
        "results": [_result(f, index[f.code]) for f in report.findings],
        "properties": {"rulePack": report.rule_pack, "rows": report.rows},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, lang: str) -> str:
    return json.dumps(to_dict(report, lang), ensure_ascii=False, indent=2) + "\n"
