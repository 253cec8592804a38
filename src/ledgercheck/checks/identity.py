"""ID001–ID006: resident ID numbers (GB 11643), wherever a table holds one."""

from __future__ import annotations

from ledgercheck import idnumber
from ledgercheck.checks.base import Hits, Target, flag, rule, shown
from ledgercheck.ledger import Ledger, age_at
from ledgercheck.packs import Pack

# Every table that holds an ID; the check runs on each one present.
ID_TARGETS = tuple(
    Target(table, column, (column,))
    for table, column in (
        ("members", "id_number"),
        ("households", "head_id_number"),
        ("medical", "id_number"),
        ("payments", "id_number"),
        ("loans", "id_number"),
    )
)

EXPECTED = {
    "ID001": "17位数字+校验码",
    "ID002": "校验码",
    "ID003": "有效出生日期",
}


def _problem(code: str) -> None:
    @rule(code, targets=ID_TARGETS)
    def check(ledger: Ledger, pack: Pack, target: Target) -> Hits:
        frame = ledger.frames[target.table]
        bad = flag(frame[f"_{target.point}_problem"] == code)
        if code != "ID002":
            return Hits(bad, EXPECTED[code])
        right = frame.loc[bad, target.point or ""].map(
            lambda v: idnumber.check_digit(v[:17]) if isinstance(v, str) else None
        )
        return Hits(bad, shown(bad, right))


for _code in EXPECTED:
    _problem(_code)


@rule("ID004", "members", "sex", ("sex", "id_number"))
def sex_mismatch(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    bad = flag(m["sex"].notna() & m["_id_sex"].notna() & (m["sex"] != m["_id_sex"]))
    return Hits(bad, m["_id_sex"])


@rule("ID005", "members", "age", ("age", "id_number"))
def age_mismatch(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    m = ledger.frames["members"]
    from_id = age_at(m["_birth"], pack.as_of)
    tolerance = pack.param("ID005", "tolerance_years")
    bad = flag((m["age"] - from_id).abs() > tolerance)
    return Hits(bad, shown(bad, from_id[bad].astype("string")))


@rule("ID006", targets=ID_TARGETS)
def outside_province(ledger: Ledger, pack: Pack, target: Target) -> Hits:
    frame = ledger.frames[target.table]
    column = target.point or "id_number"
    prefix = str(pack.param("ID006", "province_prefix"))
    readable = frame[f"_{column}_problem"].isna() & frame[column].notna()
    starts = frame[column].astype("string").str.startswith(prefix)
    return Hits(flag(readable & ~starts), prefix)
