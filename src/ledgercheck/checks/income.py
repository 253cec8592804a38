"""INC001–INC006: income, exit year, risk and measures of ledger households (一(三), 二(五))."""

from __future__ import annotations

from ledgercheck.checks.base import Hits, Target, flag, rule
from ledgercheck.ledger import Ledger
from ledgercheck.packs import Pack


@rule("INC001", "households", "per_capita_net_income", ("household_type", "per_capita_net_income"))
def below_line(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    hh = ledger.frames["households"]
    line = pack.poverty_line
    bad = (hh["household_type"] == "脱贫户") & (hh["per_capita_net_income"] < line)
    return Hits(flag(bad), f"{line:g}元")
