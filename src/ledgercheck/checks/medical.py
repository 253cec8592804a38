"""MED rules: insurance coverage and actual reimbursement (二(二)2)."""

from __future__ import annotations

import pandas as pd

from ledgercheck.checks.base import Hits, Target, flag, rule
from ledgercheck.ledger import Ledger
from ledgercheck.packs import Pack

PAID = ("basic_insurance_paid", "critical_insurance_paid", "supplementary_paid", "assistance_paid")
LEDGER_PERSON = {"households": ("household_id", "household_type")}


def _uninsured(ledger: Ledger, pack: Pack, code: str, column: str) -> Hits:
    m = ledger.frames["members"]
    in_ledger = m["_in_ledger"] if "_in_ledger" in m.columns else pd.Series(False, index=m.index)
    people = in_ledger & m[column].notna()
    insured = (m[column] == True) & people  # noqa: E712 - nullable boolean column
    rate = insured.sum() / people.sum() if people.sum() else 1.0
    if rate >= pack.param(code, "coverage"):
        return Hits(pd.Series(False, index=m.index))
    return Hits(flag(people & (m[column] == False)), "是")  # noqa: E712


@rule("MED001", "members", "basic_medical_insurance", needs=LEDGER_PERSON)
def no_basic_insurance(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    return _uninsured(ledger, pack, "MED001", "basic_medical_insurance")


@rule("MED002", "members", "critical_illness_insurance", needs=LEDGER_PERSON)
def no_critical_insurance(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    return _uninsured(ledger, pack, "MED002", "critical_illness_insurance")


def reimbursed(frame: pd.DataFrame) -> pd.Series:
    present = [c for c in PAID if c in frame.columns]
    return frame[present].fillna(0).sum(axis=1)


def actual_ratio(frame: pd.DataFrame) -> pd.Series:
    eligible = frame["eligible_cost"].where(frame["eligible_cost"] > 0)
    return reimbursed(frame) / eligible


# Floating-point sums of money must not turn exactly 90% into 89.999…%.
EPSILON = 1e-9


def _ratio_hits(frame: pd.DataFrame, applies: pd.Series, minimum: float) -> Hits:
    ratio = actual_ratio(frame)
    bad = applies & (ratio < minimum - EPSILON)
    point = "assistance_paid" if "assistance_paid" in frame.columns else "basic_insurance_paid"
    column = pd.Series(point, index=frame.index)
    shown = ratio.map(lambda r: None if pd.isna(r) else f"{r:.2%}")
    return Hits(flag(bad), f"{minimum:.0%}", value=shown, column=column)


CLAIM_COLUMNS = ("visit_type", "eligible_cost", "basic_insurance_paid")


@rule("MED010", "medical", "basic_insurance_paid", CLAIM_COLUMNS)
def inpatient_ratio(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["medical"]
    return _ratio_hits(frame, frame["visit_type"] == "住院", pack.param("MED010", "min_ratio"))
