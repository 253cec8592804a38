"""The machine-readable report of spec §5."""

from __future__ import annotations

import json
from typing import Any

from ledgercheck import __version__, tracking
from ledgercheck.findings import Report

HEADLINE = (
    "basic_medical_insurance", "critical_illness_insurance", "inpatient_actual_ratio",
    "special_outpatient_actual_ratio", "education_aid", "housing_safe", "water_safe",
)  # fmt: skip


def to_dict(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = {
        "tool": "ledgercheck",
        "version": __version__,
        "rule_pack": report.rule_pack,
        "inputs": [i.to_dict() for i in report.inputs],
        "findings": [f.to_dict() for f in report.findings],
        "rules_not_run": [n.to_dict() for n in report.rules_not_run],
        "summary": {**report.counts(), "rows": report.rows},
        # Beyond spec §5: where the findings lie, per input file and per district.
        "by_file": report.summary_by_file(),
        "by_district": report.summary_by_district(),
        # The plan's headline rates, measured against their targets (city-wide and per 区).
        "aggregates": [a.to_dict() for a in report.aggregates if a.name in HEADLINE],
    }
    if report.fingerprint_key is not None:
        # Which key the fingerprints are under (ledgercheck.fingerprints), not the key.
        data["fingerprint_key"] = report.fingerprint_key
    if report.comparisons:
        data["comparisons"] = report.comparisons
    if report.resolved is not None:
        # Against --baseline/--history: each finding has a state; these are the gone ones.
        data["resolved"] = report.resolved
        data["tracking"] = tracking.counts(report)
    return data


def render(report: Report) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"
