"""LOAN001–LOAN002: poverty micro-credit and start-up guaranteed loans (二(三)2, 二(三)6)."""

from __future__ import annotations

import pandas as pd

from ledgercheck.checks.base import Hits, Target, flag, rule, shown
from ledgercheck.checks.medical import yuan
from ledgercheck.ledger import Ledger
from ledgercheck.packs import Pack

HANDLED = ("repaid", "extended", "risk_compensation")


@rule("LOAN001", "loans", "overdue_days", ("overdue_days", *HANDLED))
def overdue_unhandled(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    loans = ledger.frames["loans"]
    most = pack.param("LOAN001", "max_overdue_days")
    # Any one of repayment, extension or risk compensation deals with the overdue loan;
    # an empty flag is not a "yes".
    handled = pd.concat([loans[c] == True for c in HANDLED], axis=1).any(axis=1)  # noqa: E712
    return Hits(flag((loans["overdue_days"] > most) & ~handled), str(most))


STARTUP = "创业担保贷款"


@rule(
    "LOAN002",
    targets=(
        Target("loans", "amount", ("loan_type", "amount")),
        Target("loans", "due_on", ("loan_type", "issued_on", "due_on")),
    ),
)
def startup_loan(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    loans = ledger.frames["loans"]
    startup = loans["loan_type"] == STARTUP
    if target.point == "amount":
        most = pack.param("LOAN002", "max_amount")
        return Hits(flag(startup & (loans["amount"] > most)), yuan(most))
    # The term ends on the same calendar day N years on (29 Feb → 28 Feb).
    latest = loans["issued_on"] + pd.DateOffset(years=pack.param("LOAN002", "max_term_years"))
    late = flag(startup & (loans["due_on"].dt.normalize() > latest.dt.normalize()))
    return Hits(late, shown(late, latest[late].dt.strftime("%Y-%m-%d")))
