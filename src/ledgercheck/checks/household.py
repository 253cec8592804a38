"""HH001–HH010: households and members agree with each other (账账相符, 二(五)2)."""

from __future__ import annotations

import pandas as pd

from ledgercheck.checks.base import Hits, Target, flag, rule, shown, text
from ledgercheck.ledger import Ledger, found, lookup
from ledgercheck.packs import Pack

MALE_RELATIONS = frozenset(
    {
        "之子",
        "之父",
        "之女婿",
        "之孙子",
        "之外孙子",
        "之曾孙子",
        "之岳父",
        "之公公",
        "之祖父",
        "之外祖父",
        "之侄儿",
        "之叔伯",
    }
)
FEMALE_RELATIONS = frozenset(
    {
        "之女",
        "之母",
        "之儿媳",
        "之孙女",
        "之外孙女",
        "之曾孙女",
        "之岳母",
        "之婆婆",
        "之祖母",
        "之外祖母",
        "之侄女",
        "之兄弟媳妇",
    }
)
HEAD, SPOUSE = "户主", "配偶"
HOUSEHOLDS_KEY = {"households": ("household_id",)}
MEMBERS_KEY = {"members": ("household_id",)}


def _member_counts(ledger: Ledger) -> pd.Series:
    return ledger.frames["members"].groupby("household_id").size()


@rule("HH001", "members", "household_id", needs=HOUSEHOLDS_KEY)
def unknown_household(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    return Hits(flag(m["household_id"].notna() & ~m["_hh_found"]), "户信息中的户编号")


# HH002 and HH003 judge a member count per 户编号 given to them, so that a count made
# elsewhere (a dask group-by over a members table too big for memory) is judged alike.


def without_members(hh: pd.DataFrame, counts: pd.Series) -> Hits:
    bad = hh["household_id"].notna() & ~found(hh["household_id"], counts.index)
    return Hits(flag(bad), "≥ 1")


def wrong_size(hh: pd.DataFrame, counts: pd.Series) -> Hits:
    counted = lookup(hh["household_id"], counts).astype("Int64")
    bad = flag(counted.notna() & hh["household_size"].notna() & (hh["household_size"] != counted))
    return Hits(bad, text(counted, only=bad))


@rule("HH002", "households", "household_id", needs=MEMBERS_KEY)
def no_members(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    return without_members(ledger.frames["households"], _member_counts(ledger))


@rule("HH003", "households", "household_size", needs=MEMBERS_KEY)
def size_mismatch(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    return wrong_size(ledger.frames["households"], _member_counts(ledger))


def _heads(ledger: Ledger) -> pd.Series:
    m = ledger.frames["members"]
    heads = m.loc[m["relation"] == HEAD, "household_id"]  # one column, not the heads' rows
    return heads.groupby(heads).size()


# HH004, HH006 and HH009 too judge what is given to them (heads per 户编号, each household's
# one head, the spouses in file order), so that the dask engine's group-bys are judged alike.


def wrong_heads(hh: pd.DataFrame, members: pd.Series, heads: pd.Series) -> Hits:
    """`members` and `heads` count member rows and 户主 rows per 户编号."""
    has_members = found(hh["household_id"], members.index)
    counted = lookup(hh["household_id"], heads).fillna(0).astype("Int64")
    bad = flag(has_members & (counted != 1))
    return Hits(bad, "1", value=text(counted, only=bad))


@rule("HH004", "households", "household_id", needs={"members": ("household_id", "relation")})
def head_count(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    return wrong_heads(ledger.frames["households"], _member_counts(ledger), _heads(ledger))


@rule("HH005", targets=(Target("members", "id_number", ("id_number",)),))
def duplicate_person(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    ids = m["id_number"].where(m["_id_number_problem"].isna())
    return Hits(flag(ids.notna() & ids.duplicated(keep="first")), "唯一")


def _head_column(ledger: Ledger, column: str) -> pd.Series:
    """`column` of each household's one head, by 户编号; empty when members lack it.

    Only that column is taken: the heads' rows of every column would copy a quarter of
    the members table.
    """
    m = ledger.frames["members"]
    if column not in m.columns:
        return pd.Series(dtype=object)
    return single_heads(m.loc[m["relation"] == HEAD, ["household_id", column]])[column]


def single_heads(heads: pd.DataFrame) -> pd.DataFrame:
    """Heads' rows by 户编号, of households with exactly one: no other head to tell apart."""
    return heads[~heads["household_id"].duplicated(keep=False)].set_index("household_id")


def disagreeing_head(hh: pd.DataFrame, column: str, theirs: pd.Series) -> Hits:
    """The households whose `column` differs from `theirs`, their head's value by 户编号."""
    head = lookup(hh["household_id"], theirs)
    bad = flag(hh[column].notna() & head.notna() & (hh[column] != head))
    return Hits(bad, shown(bad, head), expected_is_pii=True)


def _head_disagrees(ledger: Ledger, column: str, member_column: str) -> Hits:
    theirs = _head_column(ledger, member_column)
    return disagreeing_head(ledger.frames["households"], column, theirs)


@rule(
    "HH006",
    targets=(
        Target("households", "head_id_number", ("head_id_number",)),
        Target("households", "head_name", ("head_name",)),
    ),
    needs={"members": ("household_id", "relation")},
)
def head_disagrees(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    member_column = "id_number" if target.point == "head_id_number" else "name"
    return _head_disagrees(ledger, target.point or "", member_column)


@rule(
    "HH007",
    targets=tuple(Target(t, "id_number", ("id_number",)) for t in ("medical", "payments", "loans")),
    needs={"members": ("id_number",)},
)
def unknown_person(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames[target.table]
    readable = frame["id_number"].notna() & frame["_id_number_problem"].isna()
    return Hits(flag(readable & ~frame["_member_found"]), "成员信息中的人员")


ONE_SPOUSE = "1 名配偶，与户主异性"


def wrong_spouses(spouses: pd.DataFrame, head_sex: pd.Series) -> pd.Series:
    """Of the 配偶 rows in file order (household_id, _sex), those after a household's first
    and those of the head's sex (`head_sex` by 户编号)."""
    extra = spouses["household_id"].notna() & spouses["household_id"].duplicated(keep="first")
    sex = spouses["_sex"]
    return extra | (sex.notna() & (sex == lookup(spouses["household_id"], head_sex)))


@rule("HH009", "members", "relation", ("relation", "household_id"))
def spouses(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    spouse = m["relation"] == SPOUSE
    wrong = wrong_spouses(m.loc[spouse, ["household_id", "_sex"]], _head_column(ledger, "_sex"))
    return Hits(flag(wrong.reindex(m.index, fill_value=False)), ONE_SPOUSE)


@rule("HH010", "members", "relation", ("relation",))
def relation_sex(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    male, female = m["relation"].isin(MALE_RELATIONS), m["relation"].isin(FEMALE_RELATIONS)
    bad = flag((male & (m["_sex"] == "女")) | (female & (m["_sex"] == "男")))
    return Hits(bad, shown(bad, male[bad].map({True: "男", False: "女"})))
