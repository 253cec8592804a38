"""Figures the charts of the HTML report need beyond findings.

Findings only tell what is wrong; a chart of reimbursement ratios or coverage rates needs
every checked row. The pipeline calls `fill` once the ledger is combined, so reporters
never see the ledger itself.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ledgercheck.checks.education import ENROLLED
from ledgercheck.checks.medical import actual_ratio, reimbursed
from ledgercheck.findings import Aggregate, Districts, Report
from ledgercheck.ledger import Ledger
from ledgercheck.packs import Pack
from ledgercheck.tables import LEDGER_TYPES

# The district of a row: its own 区 column, else the household's (members), else the
# claimant's household's (medical, payments, loans), as ledger.enrich joins them.
DISTRICT_COLUMNS = ("district", "_district", "_m_district")
INPATIENT = "住院"
INPATIENT_RATIO = "inpatient_ratio"
ALL = "all"
DEFAULT_MIN_RATIO = 0.90  # the plan's in-patient target, when the pack has no MED010
EPSILON = 1e-9  # as MED010: a sum of money must not turn exactly 90% into 89.999…%

# Coverage indicators: (table, boolean column, rule whose pack parameter is the target).
COVERAGE = (
    ("members", "basic_medical_insurance", "MED001"),
    ("members", "critical_illness_insurance", "MED002"),
    ("households", "housing_safe", "HOU001"),
    ("households", "water_safe", "WAT001"),
)


# The plan's reimbursement targets are ratios of sums: all reimbursed money over all
# eligible costs of a kind of claim, city-wide and per 区 (二(二)2).
CLAIM_RATIOS = (
    ("inpatient_actual_ratio", "住院", "MED010"),
    ("special_outpatient_actual_ratio", "特殊疾病门诊", "MED011"),
)


def fill(report: Report, ledger: Ledger, pack: Pack) -> None:
    report.districts.update(row_districts(ledger))
    ratios = inpatient_ratios(ledger)
    if ratios:
        report.series[INPATIENT_RATIO] = ratios
        report.aggregates.append(ratio_target_met(ratios, pack))
    for table, column, code in COVERAGE:
        report.aggregates.extend(coverage(ledger, pack, table, column, code))
    report.aggregates.extend(education_aid(ledger))
    for name, visit_type, code in CLAIM_RATIOS:
        report.aggregates.extend(claim_ratio(ledger, pack, name, visit_type, code))


def _scopes(frame: pd.DataFrame, rows: pd.Series) -> list[tuple[str, pd.Series]]:
    """City-wide, then each 区 the rows belong to."""
    scopes: list[tuple[str, pd.Series]] = [(ALL, rows)]
    district = next((c for c in DISTRICT_COLUMNS if c in frame.columns), None)
    if district is not None:
        names = sorted(d for d in frame.loc[rows, district].dropna().unique() if isinstance(d, str))
        scopes += [(name, rows & (frame[district] == name)) for name in names]
    return scopes


def claim_ratio(
    ledger: Ledger, pack: Pack, name: str, visit_type: str, code: str
) -> list[Aggregate]:
    frame = ledger.frames.get("medical")
    if frame is None or not {"visit_type", "eligible_cost"} <= set(frame.columns):
        return []
    rows = (frame["visit_type"] == visit_type) & (frame["eligible_cost"] > 0)
    if not rows.any():
        return []
    paid, eligible = reimbursed(frame), frame["eligible_cost"]
    target = float(pack.param(code, "min_ratio")) if code in pack.rules else 0.0
    out = []
    for scope, mask in _scopes(frame, rows):
        # Money to the fen, so sums taken in another order (a cluster's parts) agree exactly.
        numerator = round(float(paid[mask].sum()), 2)
        denominator = round(float(eligible[mask].sum()), 2)
        measured = numerator / denominator if denominator else None
        out.append(Aggregate(name, scope, measured, target, numerator, denominator))
    return out


def education_aid(ledger: Ledger) -> list[Aggregate]:
    """Enrolled students of ledger households who receive education aid (target: all)."""
    m = ledger.frames.get("members")
    if m is None or not {"school_status", "education_aid", "_in_ledger"} <= set(m.columns):
        return []
    rows = (m["_in_ledger"] == True) & m["school_status"].isin(ENROLLED)  # noqa: E712
    rows &= m["education_aid"].notna()
    return [_rate("education_aid", s, m["education_aid"], r, 1.0) for s, r in _scopes(m, rows)]


def row_districts(ledger: Ledger) -> Districts:
    """The district of every row that names one, column by column: no key tuple per row."""
    out = Districts()
    for frame in ledger.frames.values():
        column = next((c for c in DISTRICT_COLUMNS if c in frame.columns), None)
        if column is None or "_tid" not in frame.columns or "_row" not in frame.columns:
            continue
        names = _district_names(frame[column])
        tids = frame["_tid"].to_numpy()
        rows = frame["_row"].to_numpy()
        for tid, at in _blocks(tids):
            src = ledger.sources[tid]
            out.add(src.file, src.sheet, rows[at], names.iloc[at])
    return out


def _blocks(tids: np.ndarray) -> list[tuple[int, slice | np.ndarray]]:
    """Positions of each table's rows: slices where `combine` stacked them in blocks."""
    if not len(tids):
        return []
    stacked = bool((tids[1:] >= tids[:-1]).all())
    order = np.arange(len(tids)) if stacked else np.argsort(tids, kind="stable")
    ordered = tids[order]
    starts = np.flatnonzero(np.diff(ordered, prepend=-1))  # table ids are never negative
    ends = np.r_[starts[1:], len(ordered)]
    return [
        (int(ordered[a]), slice(a, b) if stacked else order[a:b])
        for a, b in zip(starts, ends, strict=True)
    ]


def _district_names(values: pd.Series) -> pd.Series:
    """Each row's district as written, trimmed; NA where the cell holds no text."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        # A district joined from households (ledger.enrich): trim its few names once, not
        # a million rows' (3.8 s and 100 MB for a city's members), and keep it categorical.
        at, trimmed = pd.factorize(_district_names(pd.Series(values.cat.categories)))
        named = np.append(at, -1)[values.cat.codes.to_numpy()]  # code -1 (no name) stays -1
        return pd.Series(pd.Categorical.from_codes(named, categories=trimmed), index=values.index)
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.where(values.map(lambda v: isinstance(v, str)).astype(bool))
    names = values.astype("string").str.strip()
    return names.where(names != "")


def inpatient_ratios(ledger: Ledger) -> list[float]:
    """Every in-patient claim's actual ratio (reimbursed ÷ eligible cost), as MED010 sees it."""
    frame = ledger.frames.get("medical")
    if frame is None or not {"visit_type", "eligible_cost"} <= set(frame.columns):
        return []
    ratio = actual_ratio(frame)[frame["visit_type"] == INPATIENT]
    return sorted(float(r) for r in ratio if not pd.isna(r) and math.isfinite(float(r)))


def ratio_target_met(ratios: list[float], pack: Pack) -> Aggregate:
    """The share of in-patient claims at or above the target; its `target` draws the line."""
    settings = pack.rules.get("MED010")
    params = settings.params if settings else {}
    target = float(params.get("min_ratio", DEFAULT_MIN_RATIO))
    met = float(sum(r >= target - EPSILON for r in ratios))
    return Aggregate(INPATIENT_RATIO, ALL, met / len(ratios), target, met, float(len(ratios)))


def coverage(ledger: Ledger, pack: Pack, table: str, column: str, code: str) -> list[Aggregate]:
    """The share of ledger persons or households with the column true, city-wide and per 区."""
    frame = ledger.frames.get(table)
    if frame is None or column not in frame.columns:
        return []
    counted = frame[column].notna()
    if "_in_ledger" in frame.columns:
        counted &= frame["_in_ledger"] == True  # noqa: E712 - nullable boolean column
    elif "household_type" in frame.columns:
        counted &= frame["household_type"].isin(LEDGER_TYPES)
    settings = pack.rules.get(code)
    target = float(settings.params.get("coverage", 1.0)) if settings else 1.0
    return [
        _rate(column, scope, frame[column], rows, target) for scope, rows in _scopes(frame, counted)
    ]


def _rate(name: str, scope: str, values: pd.Series, rows: pd.Series, target: float) -> Aggregate:
    denominator = float(rows.sum())
    numerator = float(((values == True) & rows).sum())  # noqa: E712
    measured = numerator / denominator if denominator else None
    return Aggregate(name, scope, measured, target, numerator, denominator)
