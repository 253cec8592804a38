"""A process that records runs into a shared history database (test_tracking).

Kept apart from the test module so a spawned process imports only what it needs.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from ledgercheck import tracking
from ledgercheck.findings import Finding, Report, Severity

RUNS_EACH = 5
POOL = 40
SEEN = 25


def write_runs(db: str, worker: int, start: Any) -> None:
    start.wait()
    rng = random.Random(worker)
    for n in range(RUNS_EACH):
        report = Report("sanya-2020")
        # Each run sees a different part of a common pool of anomalies.
        picked = sorted(rng.sample(range(POOL), SEEN))
        report.findings = [
            Finding("HH001", Severity.ERROR, "m", fingerprint=f"{i:040x}") for i in picked
        ]
        rec = tracking.Record([f"w{worker}-{n}.xlsx"], "sanya-2020")
        tracking.record(Path(db), report, rec, lambda code: True)
