"""One finding per line as JSON (JSON Lines): for grep, jq and log pipelines."""

from __future__ import annotations

import json

from ledgercheck.findings import Report


def render(report: Report) -> str:
    return "".join(json.dumps(f.to_dict(), ensure_ascii=False) + "\n" for f in report.findings)
