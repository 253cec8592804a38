"""POP001–POP003: the ledger's totals against the plan's population baseline (一(三))."""

from __future__ import annotations

from ledgercheck.checks.base import TableHit, ledger_rule
from ledgercheck.ledger import Ledger
from ledgercheck.packs import Pack

NEEDS = {"households": ("household_type",)}


def totals(ledger: Ledger, household_type: str) -> tuple[int, int | None]:
    hh = ledger.frames["households"]
    households = int((hh["household_type"] == household_type).sum())
    members = ledger.frames.get("members")
    if members is None or "_hh_type" not in members.columns:
        return households, None
    return households, int((members["_hh_type"] == household_type).sum())


def districts_present(ledger: Ledger) -> set[str]:
    hh = ledger.frames["households"]
    return set(hh["district"].dropna().unique()) if "district" in hh.columns else set()


def judge(
    code: str, pack: Pack, households: int, persons: int | None, present: set[str]
) -> list[TableHit]:
    """The totals against the plan; apart from counting so that a batch run on a cluster
    can add up each file's counts first (ledgercheck.distributed)."""
    household_type = str(pack.param(code, "household_type"))
    plan = pack.population.get(household_type, {})
    want_h, want_p = plan.get("households"), plan.get("persons")
    if households == want_h and (persons is None or persons == want_p):
        return []
    covered = [d for d in pack.districts if d in present]
    full = len(covered) == len(pack.districts)
    scope = "" if full else f"；本次仅含 {'、'.join(covered) or '—'}"
    value = f"{households} 户 / {persons if persons is not None else '?'} 人"
    expected = f"{want_h} 户 / {want_p} 人（全市{scope}）"
    return [TableHit(value, expected, None if full else "info")]


def _population(code: str) -> None:
    @ledger_rule(code, "households", NEEDS)
    def check(ledger: Ledger, pack: Pack) -> list[TableHit]:
        households, persons = totals(ledger, str(pack.param(code, "household_type")))
        return judge(code, pack, households, persons, districts_present(ledger))


for _code in ("POP001", "POP002", "POP003"):
    _population(_code)
