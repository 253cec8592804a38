"""MED rules: insurance coverage and actual reimbursement (二(二)2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ledgercheck.checks.base import Hits, Target, flag, lists, rule, shown
from ledgercheck.ledger import Ledger
from ledgercheck.packs import Pack

PAID = ("basic_insurance_paid", "critical_insurance_paid", "supplementary_paid", "assistance_paid")
LEDGER_PERSON = {"households": ("household_id", "household_type")}


def person_columns(*columns: str) -> tuple[str, ...]:
    """Columns of a members rule about persons in the ledger: the link to the household too."""
    return ("household_id", *columns)


def _people(m: pd.DataFrame, column: str) -> pd.Series:
    in_ledger = m["_in_ledger"] if "_in_ledger" in m.columns else pd.Series(False, index=m.index)
    return in_ledger & m[column].notna()


def insured_counts(m: pd.DataFrame, column: str) -> tuple[int, int]:
    """(insured, ledger persons with the column filled): what the coverage rate divides.

    Apart so that a batch run on a cluster can add up each file's counts first.
    """
    people = _people(m, column)
    insured = (m[column] == True) & people  # noqa: E712 - nullable boolean column
    return int(insured.sum()), int(people.sum())


def covered(pack: Pack, code: str, insured: int, people: int) -> bool:
    rate = insured / people if people else 1.0
    return bool(rate >= pack.param(code, "coverage"))


def uninsured(m: pd.DataFrame, column: str) -> Hits:
    """Every ledger person recorded as uninsured: the breaches once the rate falls short."""
    return Hits(flag(_people(m, column) & (m[column] == False)), "是")  # noqa: E712


def _uninsured(ledger: Ledger, pack: Pack, code: str, column: str) -> Hits:
    m = ledger.frames["members"]
    if covered(pack, code, *insured_counts(m, column)):
        return Hits(pd.Series(False, index=m.index))
    return uninsured(m, column)


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
    bad = flag(applies & (ratio < minimum - EPSILON))
    point = "assistance_paid" if "assistance_paid" in frame.columns else "basic_insurance_paid"
    # Shown only on the flagged rows: formatting every claim's ratio costs more than the check.
    value = shown(bad, ratio[bad].map(lambda r: None if pd.isna(r) else f"{r:.2%}"))
    return Hits(bad, f"{minimum:.0%}", value=value, column=point)


CLAIM_COLUMNS = ("visit_type", "eligible_cost", "basic_insurance_paid")


@rule("MED010", "medical", "basic_insurance_paid", CLAIM_COLUMNS)
def inpatient_ratio(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["medical"]
    return _ratio_hits(frame, frame["visit_type"] == "住院", pack.param("MED010", "min_ratio"))


@rule("MED011", "medical", "basic_insurance_paid", CLAIM_COLUMNS)
def special_outpatient_ratio(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["medical"]
    minimum = pack.param("MED011", "min_ratio")
    return _ratio_hits(frame, frame["visit_type"] == "特殊疾病门诊", minimum)


# The claimant's household is looked up through members; without that link the rule
# cannot know who is under extreme-poverty support, so it is not run.
EXTREME_LINK = {
    "members": ("id_number", "household_id"),
    "households": ("household_id", "extreme_poverty_support"),
}


@rule(
    "MED012",
    "medical",
    "basic_insurance_paid",
    (*CLAIM_COLUMNS, "id_number"),
    needs=EXTREME_LINK,
)
def extreme_poverty_ratio(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["medical"]
    extreme = flag(frame["_m_extreme"] == True)  # noqa: E712 - mapped nullable booleans
    return _ratio_hits(frame, extreme, pack.param("MED012", "min_ratio"))


def yuan(amount: float) -> str:
    """An amount with its unit, without decimals when it is whole: "150元", "1234.50元"."""
    fen = round(amount * 100)  # to the fen, so float noise never shows as 1233.99999
    return f"{fen // 100}元" if fen % 100 == 0 else f"{fen / 100:.2f}元"


def yuan_text(amounts: pd.Series, prefix: str = "") -> pd.Series:
    """`yuan` of a whole column, in C: whole yuan and fen formatted as integers."""
    fen = (amounts.astype("float64") * 100).round()
    known = fen.notna() & np.isfinite(fen)
    size = fen.where(known, 0).abs().astype("int64")
    cents = (size % 100).astype("string").str.zfill(2)
    text = (
        prefix
        + pd.Series(np.where(fen < 0, "-", ""), index=amounts.index, dtype="string")
        + (size // 100).astype("string")
        + ("." + cents).where(cents != "00", "")
        + "元"
    )
    return text.astype(object).where(known, None)


@rule("MED003", "members", "personal_premium", person_columns("personal_premium"), LEDGER_PERSON)
def premium_not_subsidised(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    top = pack.param("MED003", "max_premium")
    return Hits(flag(m["_in_ledger"] & (m["personal_premium"] > top)), yuan(top))


@rule("MED004", "households", "commercial_insurance", ("household_type", "commercial_insurance"))
def commercial_insurance(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    hh = ledger.frames["households"]
    least = pack.param("MED004", "min_amount")
    covered = hh["household_type"].isin(("脱贫户", "脱贫监测户"))
    return Hits(flag(covered & (hh["commercial_insurance"] < least)), yuan(least))


@rule("MED013", "medical", "deductible", ("deductible", "local", "designated"))
def local_deductible(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["medical"]
    top = pack.param("MED013", "max_deductible")
    local = (frame["local"] == True) & (frame["designated"] == True)  # noqa: E712
    return Hits(flag(local & (frame["deductible"] > top)), yuan(top))


# Half a fen: money is recorded to the fen, so a shortfall below this is rounding.
HALF_FEN = 0.005
INSURANCE = ("basic_insurance_paid", "critical_insurance_paid", "supplementary_paid")


def _burden(frame: pd.DataFrame) -> pd.Series:
    """What the patient still owes after the three insurances (an empty payment is none)."""
    paid = frame[[c for c in INSURANCE if c in frame.columns]].fillna(0).sum(axis=1)
    return frame["eligible_cost"] - paid


@rule(
    "MED014",
    "medical",
    "assistance_paid",
    ("eligible_cost", "basic_insurance_paid", "assistance_paid"),
)
def assistance_share(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["medical"]
    burden = _burden(frame)
    required = pack.param("MED014", "min_share") * burden
    cap = pack.param("MED014", "assistance_cap")
    if cap is not None:
        required = required.clip(upper=cap)
    short = frame["assistance_paid"].fillna(0) < required - HALF_FEN
    bad = flag((burden > 0) & short)
    return Hits(bad, shown(bad, yuan_text(required[bad].round(2))))


@rule(
    "MED015",
    "medical",
    "total_cost",
    ("total_cost", "eligible_cost", "basic_insurance_paid", "out_of_pocket"),
)
def money_adds_up(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["medical"]
    total = frame["total_cost"]
    parts = reimbursed(frame) + frame["out_of_pocket"]  # NaN when out_of_pocket is empty
    unbalanced = (total - parts).abs() > pack.param("MED015", "tolerance") + EPSILON
    too_eligible = frame["eligible_cost"] > total + EPSILON
    bad = flag(unbalanced | too_eligible)
    # The sum is what total should be; when only eligible > total, total must reach eligible.
    at_least = yuan_text(frame["eligible_cost"][bad], prefix="≥ ")
    expected = yuan_text(parts[bad].round(2)).where(flag(unbalanced)[bad], at_least)
    return Hits(bad, shown(bad, expected))


def _has_health(m: pd.DataFrame, value: str) -> pd.Series:
    """Whether 健康状况 (several values joined by commas) includes `value`."""
    if "health" not in m.columns:
        return pd.Series(False, index=m.index)
    return lists(m["health"], value)


def _cured_tb(m: pd.DataFrame) -> pd.Series:
    if "tb_cured" not in m.columns:
        return pd.Series(False, index=m.index)  # not recorded as cured: treated as not cured
    return flag((m["chronic_disease"] == "肺结核") & (m["tb_cured"] == True))  # noqa: E712


def _few_services(m: pd.DataFrame, minimum: int) -> pd.Series:
    # An empty count is unknown, not zero services: it does not fire.
    return flag(m["health_services"] < minimum)


SERVICE_COLUMNS = person_columns("chronic_disease", "health_services")


@rule("MED020", "members", "health_services", SERVICE_COLUMNS, LEDGER_PERSON)
def quarterly_services(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    minimum = pack.param("MED020", "min_services")
    listed = m["chronic_disease"].isin(pack.param("MED020", "diseases")) & ~_cured_tb(m)
    return Hits(flag(m["_in_ledger"] & listed & _few_services(m, minimum)), str(minimum))


@rule("MED021", "members", "health_services", SERVICE_COLUMNS, LEDGER_PERSON)
def yearly_services(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    minimum = pack.param("MED021", "min_services")
    disease = m["chronic_disease"]
    # A cured TB patient is exempt from MED020 and no longer a chronic patient at all.
    other = (disease.notna() & ~disease.isin(pack.param("MED020", "diseases"))) | (
        disease.isna() & _has_health(m, "长期慢性病")
    )
    return Hits(flag(m["_in_ledger"] & other & _few_services(m, minimum)), str(minimum))


@rule(
    "MED022",
    "members",
    "family_doctor_signed",
    person_columns("chronic_disease", "family_doctor_signed"),
    LEDGER_PERSON,
)
def no_family_doctor(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    chronic = m["chronic_disease"].notna() | _has_health(m, "长期慢性病")
    unsigned = m["family_doctor_signed"] == False  # noqa: E712
    return Hits(flag(m["_in_ledger"] & chronic & unsigned), "是")
