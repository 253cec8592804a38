"""`Districts`: the district of every checked row, a few bytes a row, read as a dict was."""

from __future__ import annotations

import copy
import pickle
from collections import Counter

import numpy as np
import pandas as pd

from ledgercheck.findings import Districts, Finding, Report, Severity


def named(*pairs: tuple[int, str | None]) -> tuple[np.ndarray, pd.Series]:
    rows = np.array([r for r, _ in pairs], dtype=np.int64)
    return rows, pd.Series([n for _, n in pairs], dtype="str")


def test_get_update_and_counts_behave_as_the_dict() -> None:
    d = Districts()
    d.add("a.xlsx", "户信息", *named((5, "吉阳区"), (4, "天涯区"), (6, None), (5, "崖州区")))
    later = Districts()
    later.add("a.xlsx", "户信息", *named((4, "海棠区"), (7, "吉阳区")))
    later.add("b.xlsx", "成员信息", *named((3, "天涯区")))
    d.update(later)
    want = {
        ("a.xlsx", "户信息", 4): "海棠区",  # the later part wins, as dict.update
        ("a.xlsx", "户信息", 5): "崖州区",  # and the later row of one part
        ("a.xlsx", "户信息", 7): "吉阳区",
        ("b.xlsx", "成员信息", 3): "天涯区",
    }
    for key in [*want, ("a.xlsx", "户信息", 6), ("a.xlsx", "户信息", 99), ("c", "s", 1)]:
        assert d.get(key) == want.get(key)
    assert len(d) == len(want)
    assert d.rows_by_district() == Counter(want.values())
    assert d.names_by_file() == {"a.xlsx": {"海棠区", "崖州区", "吉阳区"}, "b.xlsx": {"天涯区"}}
    assert d == Districts.of(want)
    assert d != Districts.of({**want, ("b.xlsx", "成员信息", 3): "吉阳区"})


def test_parts_travel_between_processes() -> None:
    d = Districts.of({("a", "s", 2): "吉阳区", ("a", "s", 1): "天涯区"})
    assert pickle.loads(pickle.dumps(d)) == d
    assert copy.deepcopy(d) == d
    assert Districts() == Districts() and len(Districts()) == 0


def test_a_hand_built_report_may_give_a_dict() -> None:
    report = Report("p", districts={("a.xlsx", "s", 3): "吉阳区", ("a.xlsx", "s", 4): "吉阳区"})
    assert isinstance(report.districts, Districts)
    finding = Finding("HH001", Severity.ERROR, "m", file="a.xlsx", sheet="s", row=3)
    report.findings = [finding, Finding("POP001", Severity.INFO, "m")]
    assert report.district(finding) == "吉阳区"
    assert report.summary_by_district() == {
        "吉阳区": {"rows": 2, "error": 1, "warning": 0, "info": 0}
    }


def test_a_million_rows_take_a_few_bytes_each() -> None:
    n = 1_000_000
    d = Districts()
    names = pd.Series(np.array(["吉阳区", "天涯区"], dtype=object)[np.arange(n) % 2], dtype="str")
    d.add("a.parquet", "成员信息", np.arange(2, n + 2), names)
    part = d._parts[("a.parquet", "成员信息")]
    assert part.memory_usage(deep=True) / n < 6  # a dict of (file, sheet, row) keys: ~200
    assert d.get(("a.parquet", "成员信息", n + 1)) == "天涯区"
