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


EXITED = ("脱贫户", "脱贫监测户")


@rule("INC002", "households", "per_capita_net_income", ("household_type", "per_capita_net_income"))
def edge_income(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    hh = ledger.frames["households"]
    low = pack.poverty_line
    high = pack.param("INC002", "upper_factor") * low
    income = hh["per_capita_net_income"]
    bad = (hh["household_type"] == "边缘户") & ((income < low) | (income > high))
    return Hits(flag(bad), f"{low:g}–{high:g}元")


def _required_text(ledger: Ledger, column: str, types: tuple[str, ...]) -> Hits:
    # Only a cell left empty breaks the rule; an unreadable one is already F007.
    hh = ledger.frames["households"]
    return Hits(flag(hh["household_type"].isin(types) & ledger.blank("households", column)))


@rule("INC003", "households", "risk_type", ("household_type", "risk_type"))
def no_risk_type(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    return _required_text(ledger, "risk_type", ("脱贫监测户", "边缘户"))


@rule("INC004", "households", "assistance_measures", ("household_type", "assistance_measures"))
def no_measures(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    return _required_text(ledger, "assistance_measures", ("脱贫监测户",))


@rule("INC005", "households", "exit_year", ("household_type", "exit_year"))
def exit_year(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    hh = ledger.frames["households"]
    first, last = pack.param("INC005", "first_year"), pack.param("INC005", "last_year")
    year = hh["exit_year"]
    outside = flag((year < first) | (year > last))
    bad = hh["household_type"].isin(EXITED) & (ledger.blank("households", "exit_year") | outside)
    return Hits(flag(bad), f"{first}–{last}")


@rule("INC006", "households", "per_capita_net_income")
def implausible_income(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    income = ledger.frames["households"]["per_capita_net_income"]
    top = pack.param("INC006", "max_income")
    # NaN compares False both ways: an empty income is not zero and is not judged.
    return Hits(flag((income <= 0) | (income > top)), f"(0, {top:g}]元")
