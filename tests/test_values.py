from __future__ import annotations

import contextlib
import datetime as dt
import math
import time
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledgercheck.values import (
    DigitsLost,
    Unreadable,
    clean_text,
    is_empty,
    parse_bool,
    parse_date,
    parse_id_number,
    parse_int,
    parse_number,
    parse_ratio,
    parse_text,
    parse_year,
)

NAN = float("nan")
INF = float("inf")
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")

Parser = Callable[[object], object]
PARSERS: list[Parser] = [
    parse_bool,
    parse_number,
    parse_int,
    parse_ratio,
    parse_date,
    parse_year,
    parse_id_number,
]


# --- is_empty / text ------------------------------------------------------------------


@pytest.mark.parametrize(
    "v",
    [None, NAN, np.float64("nan"), "", " ", "\t\n", "\u3000", "\xa0", " \u3000\xa0 ", "\u200b",
     pd.NA, pd.NaT],
)  # fmt: skip
def test_is_empty(v: object) -> None:
    assert is_empty(v)


@pytest.mark.parametrize("v", ["0", 0, 0.0, False, "a", " x ", dt.date(2020, 1, 1), INF])
def test_is_not_empty(v: object) -> None:
    assert not is_empty(v)


@pytest.mark.parametrize("parser", [*PARSERS, clean_text, parse_text])
@pytest.mark.parametrize("v", [None, NAN, "", "  ", "\u3000", "\xa0\n"])
def test_every_parser_reads_empty_as_none(parser: Parser, v: object) -> None:
    assert parser(v) is None


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        ("  吉阳区 ", "吉阳区"),
        ("\u3000吉阳区\u3000", "吉阳区"),
        ("（１２）", "(12)"),
        ("ＡＢＣ", "ABC"),
        ("人均\n纯收入", "人均纯收入"),
        ("人均 \r\n 纯收入", "人均纯收入"),
        ("Zhang\nSan", "Zhang San"),
        ("a\n\n\nb", "a b"),
        ("12\n元", "12 元"),
        (12.0, "12"),
        (12, "12"),
        (12.5, "12.5"),
        (np.int64(7), "7"),
        (dt.date(2020, 6, 30), "2020-06-30"),
        (dt.datetime(2020, 6, 30), "2020-06-30"),
        (dt.datetime(2020, 6, 30, 8, 30), "2020-06-30 08:30:00"),
    ],
)
def test_clean_text(v: object, expected: str) -> None:
    assert clean_text(v) == expected


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        ("  张三\u3000", "张三"),
        ("ＡＢＣ", "ＡＢＣ"),  # no NFKC: a name keeps its characters
        ("（１２）", "（１２）"),
        ("张\n三", "张三"),
        (12.0, "12"),
        (3.25, "3.25"),
    ],
)
def test_parse_text(v: object, expected: str) -> None:
    assert parse_text(v) == expected


# --- booleans -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "v",
    ["是", " 是 ", "Y", "y", "yes", "YES", "True", "true", "√", "✓", "✔", "有", "1", 1, 1.0,
     True, np.bool_(True), "已参加", "已签约", "已治愈", "１"],
)  # fmt: skip
def test_parse_bool_true(v: object) -> None:
    assert parse_bool(v) is True


@pytest.mark.parametrize(
    "v",
    ["否", "N", "n", "no", "No", "FALSE", "false", "×", "✗", "✘", "无", "0", 0, 0.0, False,
     "未参加", "未签约", "未治愈"],
)  # fmt: skip
def test_parse_bool_false(v: object) -> None:
    assert parse_bool(v) is False


@pytest.mark.parametrize(
    "v", ["maybe", "是否", "2", 2, 0.5, -1, "不详", dt.date(2020, 1, 1), "是（补）"]
)
def test_parse_bool_unreadable(v: object) -> None:
    with pytest.raises(Unreadable):
        parse_bool(v)


# --- numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (1234.5, 1234.5),
        (150, 150.0),
        ("1234", 1234.0),
        ("1,234.50", 1234.5),
        ("12,345,678", 12345678.0),
        ("1234元", 1234.0),
        ("１２３４．５", 1234.5),
        ("１，２３４．５元", 1234.5),
        (" 150 元 ", 150.0),
        ("-20", -20.0),
        ("\u221220", -20.0),
        ("+20", 20.0),
        ("1.2万", 12000.0),
        ("1.2万元", 12000.0),
        ("1.1万", 11000.0),
        ("¥150", 150.0),
        ("￥150.00", 150.0),
        ("0.5", 0.5),
        (".5", 0.5),
        ("1.5E3", 1500.0),
        (Decimal("12.34"), 12.34),
        (np.int64(42), 42.0),
        ("2.5千伏安", 2.5),
    ],
)
def test_parse_number(v: object, expected: float) -> None:
    assert parse_number(v) == expected


@pytest.mark.parametrize(
    "v",
    ["abc", "1,23", "12,3456", "1.2.3", "--5", "nan", "NaN", "inf", "Infinity", "¥", "元",
     "1e999", "1234美元", "12%", INF, -INF, True, dt.date(2020, 1, 1), dt.time(8), "1 2 3a"],
)  # fmt: skip
def test_parse_number_unreadable(v: object) -> None:
    with pytest.raises(Unreadable):
        parse_number(v)


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (5, 5),
        (5.0, 5),
        ("5", 5),
        ("５", 5),
        ("5.0", 5),
        ("5人", 5),
        ("6个月", 6),
        ("6月", 6),
        ("3次", 3),
        ("2019年", 2019),
        ("1,000", 1000),
        ("-3", -3),
        (np.int32(4), 4),
    ],
)
def test_parse_int(v: object, expected: int) -> None:
    result = parse_int(v)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    "v", [5.5, "5.5", "5.5人", "abc", "5斤", True, INF, "1" * 5000, dt.date(2020, 1, 1)]
)
def test_parse_int_unreadable(v: object) -> None:
    with pytest.raises(Unreadable):
        parse_int(v)


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (0.9, 0.9),
        ("0.9", 0.9),
        ("90%", 0.9),
        ("９０％", 0.9),
        ("90 %", 0.9),
        (90, 0.9),
        (90.0, 0.9),
        ("100", 1.0),
        ("100%", 1.0),
        (1, 1.0),
        (0, 0.0),
        ("0%", 0.0),
        ("33.3%", 0.333),
        (33.3, 0.333),
        ("12.5%", 0.125),
    ],
)
def test_parse_ratio(v: object, expected: float) -> None:
    assert parse_ratio(v) == expected


@pytest.mark.parametrize(
    "v", [101, "150%", "100.1", -0.1, "-5%", "90元", "¥0.9", "abc", "%", INF, True]
)
def test_parse_ratio_unreadable(v: object) -> None:
    with pytest.raises(Unreadable):
        parse_ratio(v)


# --- dates ----------------------------------------------------------------------------

JUNE_30 = dt.date(2020, 6, 30)


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (JUNE_30, JUNE_30),
        (dt.datetime(2020, 6, 30, 13, 5), JUNE_30),
        (pd.Timestamp("2020-06-30"), JUNE_30),
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),
        (43831, dt.date(2020, 1, 1)),
        (43983, dt.date(2020, 6, 1)),
        (43983.75, dt.date(2020, 6, 1)),
        ("43983", dt.date(2020, 6, 1)),
        (2958465, dt.date(9999, 12, 31)),
        ("2020-06-30", JUNE_30),
        ("2020/6/30", JUNE_30),
        ("2020.6.30", JUNE_30),
        ("2020年6月30日", JUNE_30),
        ("2020年06月30日", JUNE_30),
        ("2020年6月30号", JUNE_30),
        ("2020 年 6 月 30 日", JUNE_30),
        ("20200630", JUNE_30),
        (20200630, JUNE_30),
        ("2020-06-30 00:00:00", JUNE_30),
        ("2020/6/30 8:15", JUNE_30),
        ("2020-06-30T00:00:00", JUNE_30),
        ("２０２０年６月３０日", JUNE_30),
        ("２０２０－０６－３０", JUNE_30),
        (" 2020-06-30\u3000", JUNE_30),
    ],
)
def test_parse_date(v: object, expected: dt.date) -> None:
    assert parse_date(v) == expected


@pytest.mark.parametrize(
    "v",
    ["2020-02-30", "2019-02-29", "2020-13-01", "2020-06/30", "2020年6月", "30/06/2020", "abc",
     "20200230", 20200230, 0, -1, 60, 2958466, "0", INF, True, dt.time(8), dt.timedelta(1)],
)  # fmt: skip
def test_parse_date_unreadable(v: object) -> None:
    with pytest.raises(Unreadable):
        parse_date(v)


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (2019, 2019),
        (2019.0, 2019),
        ("2019", 2019),
        ("2019年", 2019),
        ("2019年度", 2019),
        ("２０１９年", 2019),
        ("2019.0", 2019),
        (dt.date(2019, 5, 1), 2019),
        (dt.datetime(2019, 5, 1, 12), 2019),
        ("2019-12-01", 2019),
        ("2019年12月", 2019),
        ("20191201", 2019),
        (1900, 1900),
        (2100, 2100),
    ],
)
def test_parse_year(v: object, expected: int) -> None:
    assert parse_year(v) == expected


@pytest.mark.parametrize(
    "v", [1899, 2101, 43983, "1899年", "3019", 2019.5, "abc", "19", dt.date(1850, 1, 1), True]
)
def test_parse_year_unreadable(v: object) -> None:
    with pytest.raises(Unreadable):
        parse_year(v)


# --- ID numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        ("460203199001011243", "460203199001011243"),
        (" 46020319900101123x ", "46020319900101123X"),
        ("４６０２０３１９９００１０１１２４３", "460203199001011243"),
        ("4602 0319 9001 0112 43", "460203199001011243"),
        ("460203199001011243\u3000", "460203199001011243"),
        ('="460203199001011243"', "460203199001011243"),
        # A correct check digit that happens to be 0 after 00: nothing was lost.
        ("460203199001020000", "460203199001020000"),
        # Malformed but not a number: left to idnumber.problem (ID001).
        ("46020319900101", "46020319900101"),
        ("abc", "ABC"),
    ],
)
def test_parse_id_number(v: object, expected: str) -> None:
    assert parse_id_number(v) == expected


@pytest.mark.parametrize(
    ("v", "shown"),
    [
        (460203199001011243.0, "4.60203E+17"),
        (460203199001011243, "4.60203E+17"),
        (np.float64(4.60203e17), "4.60203E+17"),
        (4.6e17, "4.6E+17"),
        (12345, "12345"),
        ("4.60203E+17", "4.60203E+17"),
        ("4.60203e+17", "4.60203E+17"),
        ("4.60203199001011E+17", "4.60203199001011E+17"),
        ("460203199001011000", "460203199001011000"),
        ("460203199001011200.0", "460203199001011200.0"),
    ],
)
def test_parse_id_number_digits_lost(v: object, shown: str) -> None:
    with pytest.raises(DigitsLost, match=shown.replace("+", r"\+").replace(".", r"\.")):
        parse_id_number(v)


@pytest.mark.parametrize("v", [True, dt.date(2020, 1, 1)])
def test_parse_id_number_unreadable(v: object) -> None:
    with pytest.raises(Unreadable) as info:
        parse_id_number(v)
    assert not isinstance(info.value, DigitsLost)


def test_digits_lost_is_unreadable() -> None:
    assert issubclass(DigitsLost, Unreadable)
    assert issubclass(Unreadable, ValueError)


# --- properties -----------------------------------------------------------------------

DATES = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31))
EXCEL_EPOCH = dt.date(1899, 12, 30)


def _renderings(d: dt.date) -> list[object]:
    y, m, day = d.year, d.month, d.day
    texts = [
        d.isoformat(),
        f"{y}/{m}/{day}",
        f"{y}/{m:02d}/{day:02d}",
        f"{y}.{m}.{day}",
        f"{y}年{m}月{day}日",
        f"{y}年{m:02d}月{day:02d}日",
        f"{y}{m:02d}{day:02d}",
        f"{d.isoformat()} 00:00:00",
    ]
    serial = (d - EXCEL_EPOCH).days
    return [
        *texts,
        *(t.translate(FULL_WIDTH_DIGITS) for t in texts),
        serial,
        float(serial),
        serial + 0.5,
        str(serial),
        dt.datetime(y, m, day, 23, 59),
    ]


@settings(max_examples=200)
@given(DATES)
def test_parse_date_round_trips(d: dt.date) -> None:
    for v in _renderings(d):
        assert parse_date(v) == d, v


@settings(max_examples=100)
@given(DATES)
def test_parse_year_of_date_text(d: dt.date) -> None:
    assert parse_year(d.isoformat()) == d.year
    assert parse_year(f"{d.year}年") == d.year


ARBITRARY = st.one_of(
    st.text(),
    st.floats(),
    st.integers(),
    st.booleans(),
    st.dates(),
    st.text(alphabet="0123456789,.%元万¥年月日-+eE/ ０１２３４５６７８９．％"),
)


@settings(max_examples=200)
@given(ARBITRARY)
def test_parsers_only_raise_unreadable(v: object) -> None:
    for parser in PARSERS:
        with contextlib.suppress(Unreadable):
            parser(v)


@settings(max_examples=200)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_number_keeps_finite_floats(x: float) -> None:
    assert parse_number(x) == x
    assert parse_number(repr(x)) == x


@settings(max_examples=200)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_parse_number_reads_grouped_text(n: int) -> None:
    assert parse_number(f"{n:,}") == n
    assert parse_number(f"{n:,}.00元") == n
    assert parse_int(f"{n}") == n
    assert parse_int(float(n)) == n


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=100))
def test_parse_ratio_percent_forms_agree(pct: int) -> None:
    expected = pct / 100
    assert parse_ratio(f"{pct}%") == expected
    assert parse_ratio(f"{pct}%".translate(FULL_WIDTH_DIGITS)) == expected
    assert parse_ratio(expected) == expected


@settings(max_examples=200)
@given(st.floats(min_value=0, max_value=1))
def test_parse_ratio_keeps_fractions(x: float) -> None:
    assert parse_ratio(x) == x


@settings(max_examples=100)
@given(st.text())
def test_clean_text_is_idempotent(s: str) -> None:
    once = clean_text(s)
    assert once is None or clean_text(once) == once


# --- performance ----------------------------------------------------------------------

ADVERSARIAL = [
    "1" * 200_000 + "x",
    "1," * 100_000 + "x",
    " " * 200_000 + "x" + " " * 200_000,
    "a" + " " * 200_000 + "b",
    "a" + " \n" * 100_000 + "b",
    "2020-" * 50_000,
    "1." + "0" * 200_000 + "x",
    "\u200b " * 100_000 + "x",
]


@pytest.mark.parametrize("parser", [*PARSERS, clean_text, parse_text, is_empty])
def test_long_values_are_fast(parser: Parser) -> None:
    start = time.perf_counter()
    for v in ADVERSARIAL:
        with contextlib.suppress(Unreadable):
            parser(v)
    assert time.perf_counter() - start < 2.0


def test_nan_is_empty_not_unreadable() -> None:
    # pandas stores an empty numeric cell as NaN, so NaN must read as "no value".
    assert parse_number(NAN) is None
    assert math.isnan(NAN)
