"""VIL001–VIL003: village roads, power and networks (二(四)2–4)."""

from __future__ import annotations

from ledgercheck.checks.base import Hits, Target, flag, rule, text
from ledgercheck.checks.medical import EPSILON
from ledgercheck.ledger import Ledger
from ledgercheck.packs import Pack


@rule("VIL001", "villages", "road_paved_rate")
def roads(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    rate = ledger.frames["villages"]["road_paved_rate"]
    least = pack.param("VIL001", "min_rate")
    # The cell may read 0.9, 90 or 90%; show it as the percentage the plan speaks of.
    shown = text(rate * 100, "{:g}%")
    return Hits(flag(rate < least - EPSILON), f"{least * 100:g}%", value=shown)


@rule("VIL002", "villages", "kva_per_household")
def transformers(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    kva = ledger.frames["villages"]["kva_per_household"]
    least = pack.param("VIL002", "min_kva")
    return Hits(flag(kva < least - EPSILON), f"{least:g}千伏安")


@rule("VIL003", "villages", "fiber_4g")
def networks(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    covered = ledger.frames["villages"]["fiber_4g"]
    return Hits(flag(covered == False), "是")  # noqa: E712 - nullable boolean column
