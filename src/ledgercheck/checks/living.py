"""HOU001, WAT001–WAT003: safe housing and drinking water of ledger households (二(二)3–4)."""

from __future__ import annotations

import pandas as pd

from ledgercheck.checks.base import Hits, Target, flag, rule, shown
from ledgercheck.ledger import Ledger
from ledgercheck.packs import Pack
from ledgercheck.tables import LEDGER_TYPES

CHECKS = ("water_check_1", "water_check_2")


def _ledger_households(ledger: Ledger) -> pd.Series:
    return ledger.frames["households"]["household_type"].isin(LEDGER_TYPES)


def _unsafe(ledger: Ledger, column: str) -> Hits:
    hh = ledger.frames["households"]
    return Hits(flag(_ledger_households(ledger) & (hh[column] == False)), "是")  # noqa: E712


@rule("HOU001", "households", "housing_safe", ("household_type", "housing_safe"))
def housing_unsafe(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    return _unsafe(ledger, "housing_safe")


@rule("WAT001", "households", "water_safe", ("household_type", "water_safe"))
def water_unsafe(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    return _unsafe(ledger, "water_safe")


# Either inspection column is enough to run WAT002 (a sheet with only one records at most
# one inspection); when both exist only the first target reports, so no row is told twice.
@rule(
    "WAT002",
    targets=tuple(Target("households", c, ("household_type", c)) for c in CHECKS),
)
def too_few_checks(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    hh = ledger.frames["households"]
    present = [c for c in CHECKS if c in hh.columns]
    if target.point != present[-1]:
        return Hits(pd.Series(False, index=hh.index))
    blank = pd.DataFrame({c: ledger.blank("households", c) for c in present})
    recorded = (~blank).sum(axis=1)
    minimum = pack.param("WAT002", "min_checks")
    # Point at the first inspection left empty; with none empty, at the last column there is.
    column = blank.idxmax(axis=1).where(blank.any(axis=1), present[-1])
    bad = flag(_ledger_households(ledger) & (recorded < minimum))
    return Hits(
        bad, str(minimum), value=shown(bad, recorded[bad].astype(str)), column=shown(bad, column)
    )


@rule("WAT003", "households", "water_quality_test", ("household_type", "water_quality_test"))
def water_test(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    hh = ledger.frames["households"]
    deadline = pd.Timestamp(pack.param("WAT003", "deadline"))
    late = flag(hh["water_quality_test"].dt.normalize() > deadline)
    missing = ledger.blank("households", "water_quality_test")
    return Hits(flag(_ledger_households(ledger) & (late | missing)), deadline.date().isoformat())
