"""The machine-readable report of spec §5."""

from __future__ import annotations

import json
from typing import Any

from ledgercheck import __version__
from ledgercheck.findings import Report


def to_dict(report: Report) -> dict[str, Any]:
    return {
        "tool": "ledgercheck",
        "version": __version__,
        "rule_pack": report.rule_pack,
        "inputs": [i.to_dict() for i in report.inputs],
        "findings": [f.to_dict() for f in report.findings],
        "rules_not_run": [n.to_dict() for n in report.rules_not_run],
        "summary": {**report.counts(), "rows": report.rows},
    }


def render(report: Report) -> str:
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2) + "\n"
