"""PAY001–PAY010: amounts, timing and uniqueness of payments (二(二)5, 二(三))."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from ledgercheck.checks.base import Hits, Target, flag, rule, shown
from ledgercheck.checks.medical import HALF_FEN, yuan, yuan_text
from ledgercheck.ledger import Ledger, found, lookup
from ledgercheck.packs import Pack

# 产业奖励 goes to 建档立卡户 (二(三)1): 边缘户 and 一般农户 are not registered households.
REGISTERED = ("脱贫户", "脱贫监测户")
TRANSPORT = {"跨省务工交通补助": "cross_province", "省内市外务工交通补助": "in_province"}
# A household award needs to know whose household a payment is (ledger._enrich_payments).
HOUSEHOLD_LINK = "_pay_household_id"


def _off(amount: pd.Series, due: pd.Series | float) -> pd.Series:
    """Amounts off by more than rounding; an empty amount or due is not judged."""
    return flag((amount - due).abs() > HALF_FEN)


def _person(frame: pd.DataFrame) -> pd.Series:
    """The payee's ID where it is a readable one: a malformed ID identifies no one."""
    return frame["id_number"].where(frame["_id_number_problem"].isna())


def repeats(rows: pd.Series, keys: Sequence[pd.Series]) -> pd.Series:
    """Rows whose keys were already seen among `rows`: every occurrence after the first.

    Frames keep file order then row order, so "after" is what a person reads as later.
    """
    table = pd.DataFrame({str(i): key for i, key in enumerate(keys)})
    usable = rows & table.notna().all(axis=1)
    seen = table[usable].duplicated(keep="first")
    return seen.reindex(rows.index, fill_value=False).astype(bool)


def _either(bad: pd.Series, where: pd.Series, yes: str, no: str) -> pd.Series:
    """Per flagged row, `yes` where `where` holds, else `no` (as `shown`)."""
    return shown(bad, where[bad].map({True: yes, False: no}))


# --- monthly amounts: 生态补偿金 (二(三)5), 务工奖补 (二(三)2) ---------------------------------


def _monthly_hits(
    frame: pd.DataFrame, item: str, monthly: float, bad_months: pd.Series, months_text: str
) -> Hits:
    """amount = monthly × months, and the months themselves within the plan's bound.

    A row breaking both is told about its months: the amount follows from them.
    """
    of_item = frame["item"] == item
    due = monthly * frame["months"].astype("float64")
    months_wrong = flag(of_item & bad_months)
    amount_wrong = flag(of_item) & _off(frame["amount"], due)
    bad = months_wrong | amount_wrong
    expected = yuan_text(due[bad]).where(~months_wrong[bad], months_text)
    column = _either(bad, months_wrong, "months", "amount")
    return Hits(bad, shown(bad, expected), column=column)


# --- 生态补偿金 (二(三)5) ------------------------------------------------------------------


@rule("PAY001", "payments", "amount", ("item", "amount", "months"))
def eco_compensation(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["payments"]
    most = pack.param("PAY001", "max_months_per_period")
    monthly = pack.param("PAY001", "monthly")
    return _monthly_hits(frame, "生态补偿金", monthly, frame["months"] > most, f"≤ {most}")


def _deadline(paid_on: pd.Series, month_day: str) -> pd.Series:
    """The deadline `MM-DD` in the year of each payment."""
    year = paid_on.dt.year.astype("Int64").astype("string")
    return pd.to_datetime(year + f"-{month_day}", errors="coerce")


@rule("PAY002", "payments", "paid_on", ("item", "paid_on", "period"))
def eco_paid_late(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["payments"]
    paid = frame["paid_on"].dt.normalize()
    first = _deadline(paid, pack.param("PAY002", "first_half_deadline"))
    second = _deadline(paid, pack.param("PAY002", "second_half_deadline"))
    period = frame["period"]
    deadline = first.where(period == "上半年", second.where(period == "下半年"))
    bad = flag((frame["item"] == "生态补偿金") & (paid > deadline))
    return Hits(bad, shown(bad, deadline[bad].dt.strftime("%Y-%m-%d")))


# --- 就业扶贫 (二(三)2) --------------------------------------------------------------------


@rule("PAY003", "payments", "amount", ("item", "amount", "paid_on", "id_number"))
def transport_subsidy(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["payments"]
    amounts = {item: pack.param("PAY003", key) for item, key in TRANSPORT.items()}
    due = lookup(frame["item"], pd.Series(amounts, dtype="float64"))
    transport = due.notna()
    # Both kinds are one transport subsidy: once per person per year, whichever kind.
    twice = repeats(transport, (_person(frame), frame["paid_on"].dt.year))
    wrong = transport & _off(frame["amount"], due)
    bad = twice | wrong
    expected = yuan_text(due[bad]).where(~twice[bad], "每人每年 1 次")
    return Hits(bad, shown(bad, expected))


def _bonus_for_months(ledger: Ledger, pack: Pack, code: str, item: str) -> Hits:
    """A monthly bonus paid only after a least number of months (二(三)2)."""
    frame = ledger.frames["payments"]
    least = pack.param(code, "min_months")
    monthly = pack.param(code, "monthly")
    return _monthly_hits(frame, item, monthly, frame["months"] < least, f"≥ {least}")


@rule("PAY004", "payments", "amount", ("item", "amount", "months"))
def migrant_bonus(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    return _bonus_for_months(ledger, pack, "PAY004", "外出务工奖补")


@rule("PAY005", "payments", "amount", ("item", "amount", "months"))
def flexible_bonus(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    return _bonus_for_months(ledger, pack, "PAY005", "灵活就业奖励")


def _one_off(
    frame: pd.DataFrame, item: str, amount: float, key: pd.Series | None = None, once: str = ""
) -> Hits:
    """A fixed amount, paid once per `key` where given: a repeat is told so, not its amount."""
    of_item = frame["item"] == item
    twice = repeats(of_item, (key,)) if key is not None else pd.Series(False, index=frame.index)
    wrong = flag(of_item) & _off(frame["amount"], amount)
    bad = twice | wrong
    return Hits(bad, _either(bad, twice, once, yuan(amount)))


@rule("PAY006", "payments", "amount", ("item", "amount", "id_number"))
def startup_subsidy(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["payments"]
    amount = pack.param("PAY006", "amount")
    return _one_off(frame, "创业补贴", amount, _person(frame), "每人 1 次")


@rule("PAY010", "payments", "amount", ("item", "amount"))
def star_award(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["payments"]
    return _one_off(frame, "脱贫之星奖励", pack.param("PAY010", "amount"))


# --- 产业奖励 (二(三)1) --------------------------------------------------------------------

BUSINESS = {"households": ("household_id", "business_net_income")}


@rule("PAY007", "payments", "amount", ("item", "amount", HOUSEHOLD_LINK), BUSINESS)
def industry_award(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["payments"]
    floor = pack.param("PAY007", "min_business_income")
    amount = pack.param("PAY007", "amount")
    of_item = frame["item"] == "产业奖励"
    twice = repeats(of_item, (frame[HOUSEHOLD_LINK],))
    # Only a household whose 2019 business income exceeded the floor earns the award.
    unearned = flag(of_item & (frame["_hh_business_income"] <= floor))
    wrong = flag(of_item) & _off(frame["amount"], amount)
    bad = twice | unearned | wrong
    expected = (
        pd.Series(yuan(amount), index=frame.index[bad])
        .where(~unearned[bad], f"0元 (家庭经营性纯收入 ≤ {yuan(floor)})")
        .where(~twice[bad], "每户 1 次")
    )
    return Hits(bad, shown(bad, expected))


@rule(
    "PAY008",
    "households",
    "business_net_income",
    ("household_id", "household_type", "business_net_income"),
    {"payments": ("item", HOUSEHOLD_LINK)},
)
def award_missing(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    hh = ledger.frames["households"]
    pay = ledger.frames["payments"]
    floor = pack.param("PAY008", "min_business_income")
    awarded = pay.loc[pay["item"] == "产业奖励", HOUSEHOLD_LINK].dropna()
    earned = hh["household_type"].isin(REGISTERED) & (hh["business_net_income"] > floor)
    rewarded = found(hh["household_id"], pd.Index(awarded.unique()))
    return Hits(flag(earned & ~rewarded), yuan(floor))


# --- 残疾人生产扶持 (二(二)5) ----------------------------------------------------------------


def _household_or_person(frame: pd.DataFrame) -> pd.Series:
    """Whose support a payment is: its household, else (no link) the payee alone."""
    person = "id:" + _person(frame).astype("string")
    if HOUSEHOLD_LINK not in frame.columns:
        return person
    return frame[HOUSEHOLD_LINK].astype("string").where(frame[HOUSEHOLD_LINK].notna(), person)


@rule("PAY009", "payments", "amount", ("item", "amount", "id_number"))
def disabled_support(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames["payments"]
    amount = pack.param("PAY009", "amount")
    of_item = frame["item"] == "残疾人生产扶持"
    key = _household_or_person(frame).where(of_item)
    total = frame["amount"].groupby(key).transform("sum").where(of_item)
    # A split that adds up is fine; when the total is off, every row that is not a full
    # payment is wrong, and so is every payment after the first.
    off_total = of_item & _off(total, amount)
    suspect = _off(frame["amount"], amount) | repeats(of_item, (key,))
    bad = flag(off_total & suspect)
    expected = total[bad].map(
        lambda t: None if pd.isna(t) else f"{yuan(amount)} (household total {yuan(t)})"
    )
    return Hits(bad, shown(bad, expected))
